/** The engine's public surface, shared by the CLI, the language server and the extension. */
export * from './model';
export * from './problem';
export * from './parse';
export * from './validate';
export * from './graph';
export * from './promotion';
export * from './status';
export * from './records';
export * from './status-index';
export * from './names';
export * from './workspace';
export * from './limits';
export * from './distance';
export { positionFinder } from './text';
export { deploymentSchema } from './schema';
export * from './graph-format';
export * from './approval-use';
export * from './verify';
