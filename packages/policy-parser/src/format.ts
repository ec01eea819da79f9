/**
 * Renders a diagnostic as a code frame:
 *
 * ```text
 * policy.policy:3:6: error[SC1003]: invalid colon
 *   |
 * 3 | read arg0
 *   |      ^^^^
 *   = help: …
 * ```
 *
 * Colour comes from a palette the caller passes (the CLI passes picocolors'); this module has
 * no dependencies and never writes escape codes itself.
 */
import type { Diagnostic, Severity, SourceRange } from './diagnostic.js';
import { PositionIndex } from './source.js';

/**
 * The text styles a code frame uses. picocolors' `createColors(enabled)` result has this shape,
 * so a terminal program can pass it as it is.
 */
export interface DiagnosticPalette {
  /** Wraps text in bold: the location, the severity/code label and the message of the headline. */
  readonly bold: (text: string) => string;
  /** Wraps text in red: the label and `^` markers of an `error`. */
  readonly red: (text: string) => string;
  /** Wraps text in yellow: the label and `^` markers of a `warning`. */
  readonly yellow: (text: string) => string;
  /**
   * Wraps text in cyan: the label and markers of an `info`, the `= note:` and `= help:` prefixes,
   * and the markers under related locations.
   */
  readonly cyan: (text: string) => string;
  /** Wraps text in blue: the line-number gutter and the elision line of a code frame. */
  readonly blue: (text: string) => string;
}

/** Options of {@link formatDiagnostic}. */
export interface FormatOptions {
  /**
   * Styles for a coloured frame; plain text when absent.
   * @defaultValue undefined (no colour)
   */
  readonly colors?: DiagnosticPalette;
}

type Style = keyof DiagnosticPalette;

const severityColor: Record<Severity, Style> = { error: 'red', warning: 'yellow', info: 'cyan' };

/** Longest stretch of a source line shown; longer lines are cut around the range. */
const maxShownColumns = 160;
/** Lines of a multi-line range shown at its start and at its end. */
const edgeLines = 2;
const tabWidth = 4;

/** Makes a source line safe and predictable to print: tabs become spaces, controls become symbols. */
function displayChars(text: string): string[] {
  const chars: string[] = [];
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (code === 9) for (let i = 0; i < tabWidth; i++) chars.push(' ');
    else if (code < 32) chars.push(String.fromCharCode(0x2400 + code));
    else if (code === 127) chars.push('\u2421');
    else if (code >= 0xd800 && code <= 0xdfff && char.length === 1) chars.push('\ufffd');
    else chars.push(char);
  }
  return chars;
}

/** Display column (0-based) of a code unit index within a line. */
function displayColumn(line: string, index: number): number {
  return displayChars(line.slice(0, index)).length;
}

type Painter = (styles: Style | readonly Style[], text: string) => string;

function painter(palette: DiagnosticPalette | undefined): Painter {
  if (palette === undefined) return (_styles, text) => text;
  return (styles, text) => {
    let painted = text;
    for (const style of typeof styles === 'string' ? [styles] : styles) painted = palette[style](painted);
    return painted;
  };
}

/**
 * Line indexes of the last few sources rendered: a file with thousands of diagnostics must not be
 * re-indexed for each of them.
 */
const indexCache = new Map<string, PositionIndex>();
const indexCacheSize = 8;

function indexOf(source: string): PositionIndex {
  let index = indexCache.get(source);
  if (index === undefined) {
    index = new PositionIndex(source);
    if (indexCache.size >= indexCacheSize) {
      const oldest = indexCache.keys().next();
      if (!oldest.done) indexCache.delete(oldest.value);
    }
    indexCache.set(source, index);
  }
  return index;
}

/** Code-frame lines for `range` in `source`, or nothing when the range is not in the text. */
function frame(source: string, range: SourceRange, paint: Painter, markColor: Style): string[] {
  const index = indexOf(source);
  const start = index.position(range.start.offset);
  const end = index.position(Math.max(range.start.offset, range.end.offset));
  const lineNumbers: number[] = [];
  for (let line = start.line; line <= end.line; line++) {
    if (end.line - start.line + 1 > edgeLines * 2 && line === start.line + edgeLines) {
      lineNumbers.push(-1);
      line = end.line - edgeLines;
      continue;
    }
    lineNumbers.push(line);
  }
  const gutterWidth = String(end.line).length;
  const gutter = (label: string): string => paint('blue', `${label.padStart(gutterWidth)} |`);
  const out = [gutter('')];
  for (const lineNumber of lineNumbers) {
    if (lineNumber === -1) {
      out.push(paint('blue', `${'.'.repeat(gutterWidth)}  `));
      continue;
    }
    const bounds = index.lineBounds(lineNumber);
    if (!bounds) continue;
    const text = source.slice(bounds.start, bounds.end);
    const markFrom = lineNumber === start.line ? start.offset - bounds.start : 0;
    const markTo = lineNumber === end.line ? end.offset - bounds.start : text.length;
    const chars = displayChars(text);
    let from = displayColumn(text, markFrom);
    let to = Math.max(from + 1, displayColumn(text, markTo));
    // Cut long lines to a window around the mark.
    let shown = chars;
    let prefix = '';
    if (chars.length > maxShownColumns) {
      const windowStart = Math.max(0, Math.min(from - 20, chars.length - maxShownColumns));
      shown = chars.slice(windowStart, windowStart + maxShownColumns);
      if (windowStart > 0) prefix = '…';
      from = from - windowStart + prefix.length;
      to = Math.min(to - windowStart + prefix.length, maxShownColumns + prefix.length + 1);
      if (windowStart + maxShownColumns < chars.length) shown = [...shown, '…'];
    }
    out.push(`${gutter(String(lineNumber))} ${prefix}${shown.join('')}`.trimEnd());
    out.push(`${gutter('')} ${' '.repeat(from)}${paint(markColor, '^'.repeat(Math.max(1, to - from)))}`);
  }
  return out;
}

function location(file: string, range: SourceRange): string {
  return `${file}:${range.start.line}:${range.start.column}`;
}

/**
 * Renders a diagnostic as text: a `file:line:col: severity[code]: message` header, the source
 * lines of its range with a line-number gutter and a `^^^` underline, then its related
 * locations (each with its own frame when its source is known) and its suggestion as notes.
 * The result has no trailing newline.
 *
 * @param diagnostic - what to render
 * @param sources - file name → text; a diagnostic whose file is missing is rendered without a frame
 * @param options - rendering options
 */
export function formatDiagnostic(diagnostic: Diagnostic, sources: ReadonlyMap<string, string>, options: FormatOptions = {}): string {
  const paint = painter(options.colors);
  const color = severityColor[diagnostic.severity];
  const header =
    `${paint('bold', `${location(diagnostic.file, diagnostic.range)}:`)} ` +
    `${paint(['bold', color], `${diagnostic.severity}[${diagnostic.code}]`)}: ${paint('bold', diagnostic.message)}`;
  const lines = [header];
  const source = sources.get(diagnostic.file);
  // Notes line their `=` up with the frame's `|`.
  const indent = ' '.repeat(source === undefined ? 2 : String(Math.max(1, diagnostic.range.end.line)).length + 1);
  if (source !== undefined) lines.push(...frame(source, diagnostic.range, paint, color));
  for (const related of diagnostic.related ?? []) {
    lines.push(`${indent}${paint('cyan', '= note:')} ${location(related.file, related.range)}: ${related.message}`);
    const relatedSource = sources.get(related.file);
    if (relatedSource !== undefined) {
      lines.push(...frame(relatedSource, related.range, paint, 'cyan').map((line) => `${indent}${line}`));
    }
  }
  if (diagnostic.suggestion) lines.push(`${indent}${paint('cyan', '= help:')} ${diagnostic.suggestion}`);
  return lines.join('\n');
}
