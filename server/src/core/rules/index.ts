/** Every rule, one file per diagnostic code (design section 3). */
import type { Code } from '../problem';
import { approverNoKey } from './approver-no-key';
import { dependencyCycle } from './dependency-cycle';
import { componentPathConflict } from './component-path-conflict';
import { duplicateDeployment } from './duplicate-deployment';
import { duplicateKey } from './duplicate-key';
import { duplicateSource } from './duplicate-source';
import { emptyAllowedFrom } from './empty-allowed-from';
import { invalidName } from './invalid-name';
import { promotionCycle } from './promotion-cycle';
import { promotionExclusive } from './promotion-exclusive';
import { recordedComponentConflict } from './recorded-component-conflict';
import type { Rule } from './rule';
import { reviewApprovers } from './review-approvers';
import { schema } from './schema';
import { selfPromotion } from './self-promotion';
import { unknownKey } from './unknown-key';
import { unknownDependency } from './unknown-dependency';
import { unknownSource } from './unknown-source';
import { yamlSyntax } from './yaml-syntax';

export const RULES: Record<Code, Rule> = {
  'yaml-syntax': yamlSyntax,
  'duplicate-key': duplicateKey,
  schema,
  'unknown-key': unknownKey,
  'promotion-exclusive': promotionExclusive,
  'unknown-source': unknownSource,
  'self-promotion': selfPromotion,
  'promotion-cycle': promotionCycle,
  'empty-allowed-from': emptyAllowedFrom,
  'duplicate-source': duplicateSource,
  'invalid-name': invalidName,
  'component-path-conflict': componentPathConflict,
  'duplicate-deployment': duplicateDeployment,
  'review-approvers': reviewApprovers,
  'approver-no-key': approverNoKey,
  'recorded-component-conflict': recordedComponentConflict,
  'unknown-dependency': unknownDependency,
  'dependency-cycle': dependencyCycle,
};

export type { Rule, RuleContext } from './rule';
