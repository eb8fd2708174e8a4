/** Edit distance, for "did you mean" suggestions in messages and quick fixes. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > 32) return Math.abs(a.length - b.length);
  // Two rows of the table, reused from call to call: every unknown key is compared with every
  // known one, and fresh arrays for each comparison were most of the suggestion's cost.
  if (rowA.length <= b.length) {
    rowA = new Array<number>(b.length + 1);
    rowB = new Array<number>(b.length + 1);
  }
  let prev = rowA;
  let cur = rowB;
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

let rowA: number[] = [];
let rowB: number[] = [];

/** The closest candidate, if it is close enough to be what the user meant. */
export function nearestName(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(name.length / 3));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}
