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
import type { Position } from './diagnostic.js';
import { type PhysicalLine, splitLines } from './source.js';

/** Python's `str.isspace()` set, which its `\s` uses for str patterns. */
function isPythonSpace(code: number): boolean {
  if (code === 32) return true;
  if (code < 32) return (code >= 9 && code <= 13) || (code >= 28 && code <= 31);
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
  const code = text.charCodeAt(offset);
  if (code < 128) return isAsciiWord(code);
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

/** Character classes of ASCII, as bit sets, for the hot loops. */
const digitClass = 1;
const octalClass = 2;
const hexClass = 4;
const letterClass = 8; // [A-Za-z_]
const identifierPartClass = 16; // [A-Za-z0-9_@-]
const asciiClasses = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const char = String.fromCharCode(code);
  let classes = 0;
  if (/[0-9]/.test(char)) classes |= digitClass | hexClass;
  if (/[0-7]/.test(char)) classes |= octalClass;
  if (/[a-fA-F]/.test(char)) classes |= hexClass;
  if (/[A-Za-z_]/.test(char)) classes |= letterClass;
  if (/[A-Za-z0-9_@-]/.test(char)) classes |= identifierPartClass;
  asciiClasses[code] = classes;
}
const hasClass = (code: number, classes: number): boolean => code < 128 && ((asciiClasses[code] ?? 0) & classes) !== 0;
const isDigit = (code: number): boolean => hasClass(code, digitClass);
const isOctalDigit = (code: number): boolean => hasClass(code, octalClass);
const isHexDigit = (code: number): boolean => hasClass(code, hexClass);
const isIdentifierStart = (code: number): boolean => hasClass(code, letterClass);
const isIdentifierPart = (code: number): boolean => hasClass(code, identifierPartClass);
/** ASCII part of Python's `\w`. */
const isAsciiWord = (code: number): boolean => hasClass(code, digitClass | letterClass);

/** Does `word` occur at `offset` with a word boundary after it (and, if asked, before it)? */
function wordMatch(text: string, offset: number, lineStart: number, lineEnd: number, word: string, boundaryBefore: boolean): boolean {
  const end = offset + word.length;
  if (end > lineEnd || !text.startsWith(word, offset)) return false;
  if (boundaryBefore && wordBefore(text, offset, lineStart)) return false;
  return !wordAt(text, end, lineEnd);
}

/** Single-character punctuation tokens, indexed by character code. */
const punctuation: (TokenKind | undefined)[] = [];
for (const [char, kind] of [
  [':', 'colon'],
  [';', 'semicolon'],
  [',', 'comma'],
  ['~', 'tilde'],
  ['(', 'lparen'],
  [')', 'rparen'],
  ['{', 'lbrace'],
  ['}', 'rbrace'],
  [']', 'rbracket'],
  ['[', 'lbracket'],
] as const) {
  punctuation[char.charCodeAt(0)] = kind;
}
for (let code = 0; code < 128; code++) punctuation[code] ??= undefined;

/** Kind of the token {@link matchAt} matched last (a module variable saves an allocation per token). */
let matchedKind: TokenKind = 'invalid';

function found(kind: TokenKind, end: number): number {
  matchedKind = kind;
  return end;
}

/**
 * Matches one token at `offset`. Returns the token's end and sets {@link matchedKind}, or
 * returns -1 when no kind matches here (the character belongs to an invalid token).
 */
function matchAt(text: string, offset: number, lineStart: number, lineEnd: number): number {
  const code = text.charCodeAt(offset);
  // Comment, whitespace, continuation.
  if (code === 35) return found('comment', lineEnd);
  if (isPythonSpace(code)) {
    let end = offset + 1;
    while (end < lineEnd && isPythonSpace(text.charCodeAt(end))) end++;
    return found('whitespace', end);
  }
  if (code === 92 && offset + 1 === lineEnd) return found('continuation', lineEnd);
  // Directives.
  if (code === 64) {
    if (wordMatch(text, offset, lineStart, lineEnd, '@default', false)) return found('default', offset + 8);
    if (wordMatch(text, offset, lineStart, lineEnd, '@include', false)) return found('include', offset + 8);
    if (wordMatch(text, offset, lineStart, lineEnd, '@frequency', false)) return found('frequency', offset + 10);
    if (offset + 9 === lineEnd && text.startsWith('@denylist', offset)) return found('denylist', lineEnd);
    return -1;
  }
  // Paths: an optional `.`, then `/` and at least one non-space character.
  if (code === 46 || code === 47) {
    const slash = code === 46 ? offset + 1 : offset;
    if (slash + 1 < lineEnd && text.charCodeAt(slash) === 47 && !isPythonSpace(text.charCodeAt(slash + 1))) {
      let end = slash + 2;
      while (end < lineEnd && !isPythonSpace(text.charCodeAt(end))) end++;
      return found('path', end);
    }
    return -1;
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
    return found('number', end);
  }
  const punct = code < 128 ? punctuation[code] : undefined;
  if (punct !== undefined) return found(punct, offset + 1);
  const next = offset + 1 < lineEnd ? text.charCodeAt(offset + 1) : -1;
  if (code === 124) return next === 124 ? found('or', offset + 2) : found('bitwise-or', offset + 1);
  if (code === 38) return next === 38 ? found('and', offset + 2) : found('operator', offset + 1);
  if (code === 61) return next === 61 ? found('operator', offset + 2) : found('equal', offset + 1);
  if (code === 33) return next === 61 ? found('operator', offset + 2) : -1;
  if (code === 60 || code === 62) return found('operator', next === 61 ? offset + 2 : offset + 1);
  if (!isIdentifierStart(code)) return -1;
  // Words. The run of ASCII word characters decides which keyword, if any, this is; a keyword
  // also needs word boundaries around it, and a boundary before only fails right after a
  // number or an invalid token, since identifiers absorb every following word character.
  let wordEnd = offset + 1;
  while (wordEnd < lineEnd && isAsciiWord(text.charCodeAt(wordEnd))) wordEnd++;
  if (!wordAt(text, wordEnd, lineEnd) && !wordBefore(text, offset, lineStart)) {
    const length = wordEnd - offset;
    switch (code) {
      case 105: // i
        if (length === 2 && text.charCodeAt(offset + 1) === 110) return found('operator', wordEnd);
        break;
      case 97: // a
        if (length > 3 && text.startsWith('arg', offset) && allDigits(text, offset + 3, wordEnd)) return found('argument', wordEnd);
        if (length === 5 && text.startsWith('allow', offset)) return found('action', wordEnd);
        break;
      case 114: // r
        if (length === 6 && text.startsWith('return', offset)) return found('return', wordEnd);
        break;
      case 107: // k
        if (length === 4 && text.startsWith('kill', offset)) {
          if (wordMatch(text, offset, lineStart, lineEnd, 'kill-process', false)) return found('action', offset + 12);
          if (wordMatch(text, offset, lineStart, lineEnd, 'kill-thread', false)) return found('action', offset + 11);
          return found('action', wordEnd);
        }
        break;
      case 116: // t
        if ((length === 4 && text.startsWith('trap', offset)) || (length === 5 && text.startsWith('trace', offset))) return found('action', wordEnd);
        break;
      case 108: // l
        if (length === 3 && text.startsWith('log', offset)) return found('action', wordEnd);
        break;
      case 117: // u
        if (length === 4 && wordMatch(text, offset, lineStart, lineEnd, 'user-notify', false)) return found('action', offset + 11);
        break;
    }
  }
  let end = wordEnd;
  while (end < lineEnd && isIdentifierPart(text.charCodeAt(end))) end++;
  return found('identifier', end);
}

function allDigits(text: string, start: number, end: number): boolean {
  for (let offset = start; offset < end; offset++) if (!isDigit(text.charCodeAt(offset))) return false;
  return true;
}

/** Appends the tokens of one physical line to `out`, invalid runs included. */
export function lexLine(text: string, line: PhysicalLine, out: Token[]): void {
  const lineStart = line.start;
  const lineEnd = line.end;
  const lineNumber = line.number;
  let offset = lineStart;
  // Consecutive tokens share the position object between them.
  let position: Position = { line: lineNumber, column: 1, offset };
  while (offset < lineEnd) {
    let end = matchAt(text, offset, lineStart, lineEnd);
    let kind = matchedKind;
    if (end < 0) {
      // An invalid run lasts until the next offset where some token kind matches.
      kind = 'invalid';
      end = offset + 1;
      while (end < lineEnd && matchAt(text, end, lineStart, lineEnd) < 0) end++;
    }
    const next: Position = { line: lineNumber, column: end - lineStart + 1, offset: end };
    out.push({ kind, text: text.slice(offset, end), range: { start: position, end: next } });
    position = next;
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

/**
 * Groups physical lines into statements the way Minijail does: by trailing backslashes. One
 * group at a time, so that a parser working statement by statement never holds them all.
 */
export function* groupLines(text: string, lines: readonly PhysicalLine[]): Generator<LineGroup> {
  let current: PhysicalLine[] = [];
  for (const line of lines) {
    current.push(line);
    if (line.end > line.start && text.charCodeAt(line.end - 1) === 92) continue;
    yield { lines: current, unterminated: false };
    current = [];
  }
  if (current.length > 0) yield { lines: current, unterminated: true };
}
