/**
 * Line bookkeeping shared by the lexer and the code-frame renderer. Lines end at `\n`, `\r\n`
 * or a lone `\r`, as in Python's universal-newline reading that Minijail relies on. Columns are
 * 1-based UTF-16 code unit indexes within the line.
 */
import type { Position, SourceRange } from './diagnostic.js';

/** One physical line: `[start, end)` excludes its line terminator. */
export interface PhysicalLine {
  /** 1-based line number. */
  readonly number: number;
  readonly start: number;
  readonly end: number;
}

/** Splits a text into physical lines. A terminator at the very end does not open a new line. */
export function splitLines(text: string): PhysicalLine[] {
  const lines: PhysicalLine[] = [];
  const length = text.length;
  // Native searches for both terminators are much faster than a loop over every character.
  let nextLf = text.indexOf('\n');
  let nextCr = text.indexOf('\r');
  let start = 0;
  let number = 1;
  while (start < length) {
    if (nextLf !== -1 && nextLf < start) nextLf = text.indexOf('\n', start);
    if (nextCr !== -1 && nextCr < start) nextCr = text.indexOf('\r', start);
    let end: number;
    let next: number;
    if (nextCr !== -1 && (nextLf === -1 || nextCr < nextLf)) {
      end = nextCr;
      next = nextLf === nextCr + 1 ? nextCr + 2 : nextCr + 1;
    } else if (nextLf !== -1) {
      end = nextLf;
      next = nextLf + 1;
    } else {
      end = length;
      next = length;
    }
    lines.push({ number, start, end });
    number++;
    start = next;
  }
  return lines;
}

/** Start offsets of every line of `text`, including an empty last line after a final newline. */
export function lineStartOffsets(text: string): number[] {
  const starts = [0];
  const length = text.length;
  for (let offset = 0; offset < length; offset++) {
    const code = text.charCodeAt(offset);
    if (code === 13 && text.charCodeAt(offset + 1) === 10) {
      offset++;
      starts.push(offset + 1);
    } else if (code === 10 || code === 13) {
      starts.push(offset + 1);
    }
  }
  return starts;
}

/** Maps offsets of one text to positions (binary search over line starts). */
export class PositionIndex {
  private readonly starts: readonly number[];

  constructor(private readonly text: string) {
    this.starts = lineStartOffsets(text);
  }

  /** Position of `offset`, clamped into `[0, text.length]`. */
  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.starts[middle] ?? 0) <= clamped) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: clamped - (this.starts[low] ?? 0) + 1, offset: clamped };
  }

  /** Range of `[start, end)`. */
  range(start: number, end: number): SourceRange {
    return { start: this.position(start), end: this.position(end) };
  }

  /** `[start, end)` offsets of line `line` (1-based), without its terminator; undefined if absent. */
  lineBounds(line: number): { start: number; end: number } | undefined {
    const start = this.starts[line - 1];
    if (start === undefined) return undefined;
    const next = this.starts[line];
    let end = next ?? this.text.length;
    if (next !== undefined) {
      end--;
      if (end > start && this.text.charCodeAt(end) === 10 && this.text.charCodeAt(end - 1) === 13) end--;
    }
    return { start, end };
  }

  /** Number of lines (a final newline opens an empty last line). */
  get lineCount(): number {
    return this.starts.length;
  }
}
