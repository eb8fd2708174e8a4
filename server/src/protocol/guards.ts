/**
 * Runtime checks of the custom requests' params, one guard per params type, next to the types
 * in `requests.ts` (as vscode-eslint checks its messages with `Is.*`). The types say what a
 * well-behaved client sends; these say what arrived. A guard returns `undefined` when the params
 * fit their type, or a sentence naming the first field that does not, which the server sends
 * back as JSON-RPC `InvalidParams`. Unknown fields are ignored, so an older server accepts a
 * newer client's additions.
 *
 * To add a request: write its guard here from the `Is` pieces, and pass it where the request is
 * registered (`server/src/lsp/session.ts`, `onCustom(name, guard, handler)`).
 */
import type {
  ApplyRolloutParams,
  ApprovalRequestsParams,
  DeclineParams,
  RetireParams,
  ApproveParams,
  GraphParams,
  HistoryParams,
  RollbackParams,
  RolloutParams,
  StatusParams,
  VerifyParams,
} from './requests';

/** `undefined` when the value is acceptable, otherwise what is wrong with it. */
export type Check = (value: unknown, path: string) => string | undefined;

/** A guard of one request's params: `undefined` when they fit `P`, otherwise why not. */
export type ParamsGuard<P> = ((params: unknown) => string | undefined) & { readonly __params?: P };

/** Longest string accepted in any field: names and revisions are far shorter. */
const MAX_STRING = 4096;
/** Most list entries and metadata keys accepted. */
const MAX_ITEMS = 10_000;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const Is = {
  /** A non-empty string of at most 4096 characters. */
  string: ((value, path) =>
    typeof value !== 'string'
      ? `${path} must be a string, not ${describe(value)}`
      : value.length === 0
        ? `${path} must not be empty`
        : value.length > MAX_STRING
          ? `${path} is longer than ${MAX_STRING} characters`
          : undefined) as Check,
  /** Any string of at most 4096 characters, empty included (metadata values). */
  text: ((value, path) =>
    typeof value !== 'string'
      ? `${path} must be a string, not ${describe(value)}`
      : value.length > MAX_STRING
        ? `${path} is longer than ${MAX_STRING} characters`
        : undefined) as Check,
  boolean: ((value, path) =>
    typeof value === 'boolean'
      ? undefined
      : `${path} must be true or false, not ${describe(value)}`) as Check,
  /** A whole number from 1 up. */
  positiveInteger: ((value, path) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value > 0
      ? undefined
      : `${path} must be a whole number above 0`) as Check,
  /** Absent (`undefined`, or `null` as some clients send) or passing `check`. */
  optional:
    (check: Check): Check =>
    (value, path) =>
      value === undefined || value === null ? undefined : check(value, path),
  list:
    (item: Check): Check =>
    (value, path) => {
      if (!Array.isArray(value)) return `${path} must be a list, not ${describe(value)}`;
      if (value.length > MAX_ITEMS) return `${path} has more than ${MAX_ITEMS} entries`;
      for (let i = 0; i < value.length; i++) {
        const problem = item(value[i], `${path}[${i}]`);
        if (problem) return problem;
      }
      return undefined;
    },
  /** An object whose every value passes `check` (`metadata`). */
  stringMap:
    (check: Check): Check =>
    (value, path) => {
      if (!isRecord(value)) return `${path} must be an object, not ${describe(value)}`;
      const entries = Object.entries(value);
      if (entries.length > MAX_ITEMS) return `${path} has more than ${MAX_ITEMS} keys`;
      for (const [k, v] of entries) {
        const problem = check(v, `${path}.${k}`);
        if (problem) return problem;
      }
      return undefined;
    },
  /** An object whose listed fields pass their checks. */
  fields:
    (shape: Record<string, Check>): Check =>
    (value, path) => {
      if (!isRecord(value)) return `${path} must be an object, not ${describe(value)}`;
      for (const [key, check] of Object.entries(shape)) {
        const problem = check(value[key], `${path}.${key}`);
        if (problem) return problem;
      }
      return undefined;
    },
};

/** A guard for params that must be an object with these fields. */
function guard<P>(shape: Record<string, Check>): ParamsGuard<P> {
  const check = Is.fields(shape);
  return (params: unknown) => check(params, 'params');
}

/** Params that may be left out altogether (LSP allows it) and otherwise must be an object. */
function optionalGuard<P>(shape: Record<string, Check>): ParamsGuard<P> {
  const check = Is.fields(shape);
  return (params: unknown) =>
    params === undefined || params === null ? undefined : check(params, 'params');
}

const ROLLOUT_FIELDS: Record<string, Check> = {
  deployment: Is.string,
  target: Is.string,
  promoteFrom: Is.optional(Is.string),
  gitSha: Is.optional(Is.string),
  components: Is.optional(Is.list(Is.string)),
  redeploy: Is.optional(Is.boolean),
};

export const isGraphParams = optionalGuard<GraphParams>({
  deployment: Is.optional(Is.string),
  uri: Is.optional(Is.string),
});

export const isStatusParams = optionalGuard<StatusParams>({
  withoutRecords: Is.optional(Is.boolean),
});

export const isRolloutParams = guard<RolloutParams>(ROLLOUT_FIELDS);

export const isApplyRolloutParams = guard<ApplyRolloutParams>({
  ...ROLLOUT_FIELDS,
  approve: Is.optional(Is.boolean),
  buildId: Is.optional(Is.string),
  metadata: Is.optional(Is.stringMap(Is.text)),
  deployId: Is.optional(Is.string),
});

const approveFields = guard<ApproveParams>({
  deployment: Is.string,
  target: Is.string,
  promoteFrom: Is.optional(Is.string),
  gitSha: Is.optional(Is.string),
  role: Is.optional(Is.string),
});

/** A promotion names its source and a direct rollout its commit: exactly one of the two. */
export const isApproveParams: ParamsGuard<ApproveParams> = (params: unknown) => {
  const wrong = approveFields(params);
  if (wrong) return wrong;
  const p = params as ApproveParams;
  const given = [p.promoteFrom, p.gitSha].filter((v) => v !== undefined && v !== null).length;
  return given === 1
    ? undefined
    : 'params must have exactly one of promoteFrom (a promotion) and gitSha (a commit rolled out directly)';
};

export const isHistoryParams = guard<HistoryParams>({
  deployment: Is.string,
  target: Is.optional(Is.string),
  component: Is.optional(Is.string),
  limit: Is.optional(Is.positiveInteger),
  subjects: Is.optional(Is.boolean),
});

export const isRollbackParams = guard<RollbackParams>({
  deployment: Is.string,
  target: Is.string,
  to: Is.string,
  approve: Is.optional(Is.boolean),
  deployId: Is.optional(Is.string),
});

/** `verify` takes no params or `{ deployments?: string[] }`. */
export const isVerifyParams = optionalGuard<VerifyParams>({
  deployments: Is.optional(Is.list(Is.string)),
});

export const isApprovalRequestsParams = optionalGuard<ApprovalRequestsParams>({
  deployments: Is.optional(Is.list(Is.string)),
  fetch: Is.optional(Is.boolean),
});

export const isRetireParams = guard<RetireParams>({
  deployment: Is.string,
  component: Is.string,
  targets: Is.optional(Is.list(Is.string)),
});

export const isDeclineParams = guard<DeclineParams>({
  deployment: Is.string,
  target: Is.string,
  reason: Is.string,
});
