/** `yaml-syntax`: parser errors, each at its own range (found while parsing). */
import type { Rule } from './rule';

export const yamlSyntax: Rule = ({ file }) => file.problems.filter((p) => p.code === 'yaml-syntax');
