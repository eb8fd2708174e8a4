/** Offset ↔ position conversion for a text, built once per parse. */
import type { Pos, SourceRange } from './model';

export function lineStarts(text: string): number[] {
  const starts = [0];
  // Without a \r every line ends at a \n, and indexOf finds those faster than a loop over
  // every character (this runs for every file `validate` reads).
  if (!text.includes('\r')) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    return starts;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return starts;
}

export function positionFinder(text: string): (offset: number) => Pos {
  return positionFinderFrom(text, lineStarts(text));
}

/** As `positionFinder`, with the line starts already known (spliced after an edit). */
export function positionFinderFrom(text: string, starts: number[]): (offset: number) => Pos {
  return (offset: number): Pos => {
    const o = Math.max(0, Math.min(offset, text.length));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    // An offset on a line terminator (the \r of \r\n, say) is the end of that line: LSP
    // columns count only the line's content, and a column past it is outside the document.
    let end = lo + 1 < starts.length ? starts[lo + 1] : text.length;
    while (end > starts[lo] && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 13))
      end--;
    const at = Math.min(o, end);
    return { line: lo, character: at - starts[lo], offset: at };
  };
}

export function rangeOf(positionAt: (o: number) => Pos, start: number, end: number): SourceRange {
  return { start: positionAt(start), end: positionAt(Math.max(start, end)) };
}

export function containsOffset(range: SourceRange, offset: number): boolean {
  return range.start.offset <= offset && offset <= range.end.offset;
}
