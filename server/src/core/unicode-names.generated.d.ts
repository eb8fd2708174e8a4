// Types for the generated table of Unicode names (scripts/gen-unicode-names.mjs).

/** Every word of the names kept, separated by spaces; a name refers to them by base-36 index. */
export declare const WORDS: string;
/**
 * One entry per block kept: first and last code point, the block's name, and the names of its
 * code points in order, each as word indexes joined by ' ', joined by ',' (empty: unassigned).
 */
export declare const BLOCKS: ReadonlyArray<readonly [number, number, string, string]>;
