/** Offset ↔ position conversion for a text, built once per parse. */
import type { Pos, SourceRange } from './model';

export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return starts;
}

export function positionFinder(text: string): (offset: number) => Pos {
  const starts = lineStarts(text);
  return (offset: number): Pos => {
    const o = Math.max(0, Math.min(offset, text.length));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - starts[lo], offset: o };
  };
}

export function rangeOf(positionAt: (o: number) => Pos, start: number, end: number): SourceRange {
  return { start: positionAt(start), end: positionAt(Math.max(start, end)) };
}

export function containsOffset(range: SourceRange, offset: number): boolean {
  return range.start.offset <= offset && offset <= range.end.offset;
}
