/**
 * Lexer of the Minijail policy language, following the Python compiler's rules: each physical
 * line is scanned left to right, and at every position the first token kind (in a fixed
 * priority order) that matches wins; text that no kind matches is an `invalid` token. A line
 * whose text ends in a backslash continues the statement on the next line.
 *
 * The scanner is hand-written (no regular expressions) for speed; `\b` word boundaries and
 * `\s` whitespace follow Python's Unicode definitions.
 */
import type { Token, TokenKind } from './ast.js';
import type { SourceRange } from './diagnostic.js';
import { type PhysicalLine, splitLines } from './source.js';

/** Python's `str.isspace()` set, which its `\s` uses for str patterns. */
function isPythonSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13) || (code >= 28 && code <= 31);
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

const unicodeWordChar = /^[\p{L}\p{N}_]$/u;

/** Python's Unicode `\w`: letters, numbers and underscore. */
function isWordCodePoint(codePoint: number): boolean {
  if (codePoint < 128) {
    return (
      (codePoint >= 48 && codePoint <= 57) ||
      (codePoint >= 65 && codePoint <= 90) ||
      (codePoint >= 97 && codePoint <= 122) ||
      codePoint === 95
    );
  }
  return unicodeWordChar.test(String.fromCodePoint(codePoint));
}

/** Is the character starting at `offset` (bounded by `end`) a word character? */
function wordAt(text: string, offset: number, end: number): boolean {
  if (offset >= end) return false;
  const codePoint = text.codePointAt(offset);
  return codePoint !== undefined && isWordCodePoint(codePoint);
}

/** Is the character ending just before `offset` (bounded by `start`) a word character? */
function wordBefore(text: string, offset: number, start: number): boolean {
  if (offset <= start) return false;
  let code = text.charCodeAt(offset - 1);
  if (code >= 0xdc00 && code <= 0xdfff && offset - 2 >= start) {
    const high = text.charCodeAt(offset - 2);
    if (high >= 0xd800 && high <= 0xdbff) code = ((high - 0xd800) << 10) + (code - 0xdc00) + 0x10000;
  }
  return isWordCodePoint(code);
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const isOctalDigit = (code: number): boolean => code >= 48 && code <= 55;
const isHexDigit = (code: number): boolean =>
  (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
const isIdentifierStart = (code: number): boolean =>
  (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
const isIdentifierPart = (code: number): boolean =>
  isIdentifierStart(code) || isDigit(code) || code === 45 /* - */ || code === 64; /* @ */

/** Does `word` occur at `offset` with a word boundary after it (and, if asked, before it)? */
function wordMatch(text: string, offset: number, lineStart: number, lineEnd: number, word: string, boundaryBefore: boolean): boolean {
  const end = offset + word.length;
  if (end > lineEnd || !text.startsWith(word, offset)) return false;
  if (boundaryBefore && wordBefore(text, offset, lineStart)) return false;
  return !wordAt(text, end, lineEnd);
}

const actionWords = ['allow', 'kill-process', 'kill-thread', 'kill', 'trap', 'trace', 'log', 'user-notify'] as const;

const punctuation: Partial<Record<number, TokenKind>> = {
  58: 'colon',
  59: 'semicolon',
  44: 'comma',
  126: 'tilde',
  40: 'lparen',
  41: 'rparen',
  123: 'lbrace',
  125: 'rbrace',
  93: 'rbracket',
  91: 'lbracket',
};

/**
 * Matches one token at `offset`. Returns the token's kind and end, or undefined when no kind
 * matches here (the character belongs to an invalid token).
 */
function matchAt(text: string, offset: number, lineStart: number, lineEnd: number): { kind: TokenKind; end: number } | undefined {
  const code = text.charCodeAt(offset);
  // Comment, whitespace, continuation.
  if (code === 35) return { kind: 'comment', end: lineEnd };
  if (isPythonSpace(code)) {
    let end = offset + 1;
    while (end < lineEnd && isPythonSpace(text.charCodeAt(end))) end++;
    return { kind: 'whitespace', end };
  }
  if (code === 92 && offset + 1 === lineEnd) return { kind: 'continuation', end: lineEnd };
  // Directives.
  if (code === 64) {
    if (wordMatch(text, offset, lineStart, lineEnd, '@default', false)) return { kind: 'default', end: offset + 8 };
    if (wordMatch(text, offset, lineStart, lineEnd, '@include', false)) return { kind: 'include', end: offset + 8 };
    if (wordMatch(text, offset, lineStart, lineEnd, '@frequency', false)) return { kind: 'frequency', end: offset + 10 };
    if (offset + 9 === lineEnd && text.startsWith('@denylist', offset)) return { kind: 'denylist', end: lineEnd };
    return undefined;
  }
  // Paths: an optional `.`, then `/` and at least one non-space character.
  if (code === 46 || code === 47) {
    const slash = code === 46 ? offset + 1 : offset;
    if (slash + 1 < lineEnd && text.charCodeAt(slash) === 47 && !isPythonSpace(text.charCodeAt(slash + 1))) {
      let end = slash + 2;
      while (end < lineEnd && !isPythonSpace(text.charCodeAt(end))) end++;
      return { kind: 'path', end };
    }
    return undefined;
  }
  // Numbers: hex, then octal (a 0 and at least one octal digit), then decimal.
  const digitStart = code === 45 ? offset + 1 : offset;
  if (digitStart < lineEnd && isDigit(text.charCodeAt(digitStart))) {
    const first = text.charCodeAt(digitStart);
    const second = digitStart + 1 < lineEnd ? text.charCodeAt(digitStart + 1) : -1;
    let end: number;
    if (first === 48 && (second === 120 || second === 88) && digitStart + 2 < lineEnd && isHexDigit(text.charCodeAt(digitStart + 2))) {
      end = digitStart + 3;
      while (end < lineEnd && isHexDigit(text.charCodeAt(end))) end++;
    } else if (first === 48 && isOctalDigit(second)) {
      end = digitStart + 2;
      while (end < lineEnd && isOctalDigit(text.charCodeAt(end))) end++;
    } else {
      end = digitStart + 1;
      while (end < lineEnd && isDigit(text.charCodeAt(end))) end++;
    }
    return { kind: 'number', end };
  }
  const punct = punctuation[code];
  if (punct !== undefined) return { kind: punct, end: offset + 1 };
  const next = offset + 1 < lineEnd ? text.charCodeAt(offset + 1) : -1;
  if (code === 124) return next === 124 ? { kind: 'or', end: offset + 2 } : { kind: 'bitwise-or', end: offset + 1 };
  if (code === 38) return next === 38 ? { kind: 'and', end: offset + 2 } : { kind: 'operator', end: offset + 1 };
  if (code === 61) return next === 61 ? { kind: 'operator', end: offset + 2 } : { kind: 'equal', end: offset + 1 };
  if (code === 33) return next === 61 ? { kind: 'operator', end: offset + 2 } : undefined;
  if (code === 60 || code === 62) return { kind: 'operator', end: next === 61 ? offset + 2 : offset + 1 };
  if (!isIdentifierStart(code)) return undefined;
  // Words. Keywords need a word boundary before them, which only fails right after a number
  // or an invalid token, since identifiers absorb every following word character.
  if (code === 105 && wordMatch(text, offset, lineStart, lineEnd, 'in', true)) return { kind: 'operator', end: offset + 2 };
  if (code === 97 && text.startsWith('arg', offset) && !wordBefore(text, offset, lineStart)) {
    let end = offset + 3;
    while (end < lineEnd && isDigit(text.charCodeAt(end))) end++;
    if (end > offset + 3 && !wordAt(text, end, lineEnd)) return { kind: 'argument', end };
  }
  if (code === 114 && wordMatch(text, offset, lineStart, lineEnd, 'return', true)) return { kind: 'return', end: offset + 6 };
  for (const word of actionWords) {
    if (word.charCodeAt(0) === code && wordMatch(text, offset, lineStart, lineEnd, word, true)) {
      return { kind: 'action', end: offset + word.length };
    }
  }
  let end = offset + 1;
  while (end < lineEnd && isIdentifierPart(text.charCodeAt(end))) end++;
  return { kind: 'identifier', end };
}

/** Builds a range inside one line. */
function lineRange(line: PhysicalLine, start: number, end: number): SourceRange {
  return {
    start: { line: line.number, column: start - line.start + 1, offset: start },
    end: { line: line.number, column: end - line.start + 1, offset: end },
  };
}

/** Appends the tokens of one physical line to `out`, invalid runs included. */
export function lexLine(text: string, line: PhysicalLine, out: Token[]): void {
  const lineEnd = line.end;
  let offset = line.start;
  while (offset < lineEnd) {
    const match = matchAt(text, offset, line.start, lineEnd);
    if (match) {
      out.push({ kind: match.kind, text: text.slice(offset, match.end), range: lineRange(line, offset, match.end) });
      offset = match.end;
      continue;
    }
    // An invalid run lasts until the next offset where some token kind matches.
    let end = offset + 1;
    while (end < lineEnd && matchAt(text, end, line.start, lineEnd) === undefined) end++;
    out.push({ kind: 'invalid', text: text.slice(offset, end), range: lineRange(line, offset, end) });
    offset = end;
  }
}

/**
 * Tokenizes a whole text: every token of every line, including whitespace, comments,
 * continuations and `invalid` runs (line terminators are not tokens). Never throws.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const line of splitLines(text)) lexLine(text, line, tokens);
  return tokens;
}

/** Token kinds that carry no syntax. */
export function isTrivia(kind: TokenKind): boolean {
  return kind === 'whitespace' || kind === 'comment' || kind === 'continuation';
}

/** The physical lines of one statement (a line ending in `\` and the lines it continues onto). */
export interface LineGroup {
  readonly lines: readonly PhysicalLine[];
  /** True when the last line still ends in `\` (the file ended mid-statement). */
  readonly unterminated: boolean;
}

/** Groups physical lines into statements the way Minijail does: by trailing backslashes. */
export function groupLines(text: string, lines: readonly PhysicalLine[]): LineGroup[] {
  const groups: LineGroup[] = [];
  let current: PhysicalLine[] = [];
  for (const line of lines) {
    current.push(line);
    if (line.end > line.start && text.charCodeAt(line.end - 1) === 92) continue;
    groups.push({ lines: current, unterminated: false });
    current = [];
  }
  if (current.length > 0) groups.push({ lines: current, unterminated: true });
  return groups;
}
