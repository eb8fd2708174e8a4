// Types for the generated standalone validator (scripts/gen-schema-validator.mjs).
import type { ValidateFunction } from 'ajv';

export declare const validate: ValidateFunction;
export default validate;
