/**
 * The functions of `yaml` that run for every node of every file, bound once. `yaml` is a
 * CommonJS package, and a bundle that imports it by name reads each function through a getter
 * on an interop object at every call (`(0, import_yaml.isMap)(node)`); over thousands of files
 * those getter calls were about 1 % of `validate`, since most of this code runs before V8
 * optimizes it. Constants read once here are plain references in the bundle. Types still come
 * from `yaml` itself.
 */
import * as yaml from 'yaml';

export const isAlias: typeof yaml.isAlias = yaml.isAlias;
export const isMap: typeof yaml.isMap = yaml.isMap;
export const isNode: typeof yaml.isNode = yaml.isNode;
export const isPair: typeof yaml.isPair = yaml.isPair;
export const isScalar: typeof yaml.isScalar = yaml.isScalar;
export const isSeq: typeof yaml.isSeq = yaml.isSeq;
export const parseDocument: typeof yaml.parseDocument = yaml.parseDocument;
export const YAMLMap: typeof yaml.YAMLMap = yaml.YAMLMap;
export const YAMLSeq: typeof yaml.YAMLSeq = yaml.YAMLSeq;
