/** A measured value, or the reason it could not be measured in this build. */
import type { Summary } from './stats';

export type Metric = Summary | { unavailable: string };

export function isMeasured(m: Metric | undefined): m is Summary {
  return !!m && !('unavailable' in m);
}

export function unavailable(reason: string): Metric {
  return { unavailable: reason };
}

export const NOT_IN_BUILD = 'not available in this build';
