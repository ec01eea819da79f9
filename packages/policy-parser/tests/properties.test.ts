// Property tests: no input makes the parsers throw, and every range they report (diagnostics,
// AST nodes, tokens) lies inside the input with line/column agreeing with the offset.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, parseFrequencyFile, parsePolicy, tokenize } from '../src/index.js';
import type { Position, SourceRange } from '../src/index.js';
import { itWithShared } from '../../../tools/shared-data/vitest.js';
import { corpus, corpusFiles } from './corpus-files.js';

const mark = (text: string): string => `[${text}]`;
const markerPalette = { bold: mark, red: mark, yellow: mark, cyan: mark, blue: mark };

/** Line and column of every offset of `text`, computed by one obvious scan. */
function referencePositions(text: string): { line: number[]; column: number[] } {
  const line: number[] = [];
  const column: number[] = [];
  let current = 1;
  let start = 0;
  for (let offset = 0; offset <= text.length; offset++) {
    line.push(current);
    column.push(offset - start + 1);
    const char = text[offset];
    if (char === '\n' || (char === '\r' && text[offset + 1] !== '\n')) {
      current++;
      start = offset + 1;
    }
  }
  return { line, column };
}

let cache: { text: string; positions: ReturnType<typeof referencePositions> } | undefined;

function referencePosition(text: string, offset: number): { line: number; column: number } {
  if (cache?.text !== text) cache = { text, positions: referencePositions(text) };
  return { line: cache.positions.line[offset] ?? -1, column: cache.positions.column[offset] ?? -1 };
}

function checkPosition(text: string, position: Position, where: string): void {
  if (!(position.offset >= 0 && position.offset <= text.length)) throw new Error(`${where}: offset ${position.offset} outside [0, ${text.length}]`);
  // Offsets inside a `\r\n` pair never occur: tokens and line ends stop before the `\r`.
  if (text[position.offset - 1] === '\r' && text[position.offset] === '\n') throw new Error(`${where}: offset splits a CRLF`);
  const expected = referencePosition(text, position.offset);
  if (expected.line !== position.line || expected.column !== position.column) {
    throw new Error(`${where}: ${position.line}:${position.column} but offset ${position.offset} is ${expected.line}:${expected.column}`);
  }
}

function isRange(value: unknown): value is SourceRange {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<SourceRange>;
  return typeof candidate.start?.offset === 'number' && typeof candidate.end?.offset === 'number';
}

/** Checks every range found anywhere inside `node`. */
function checkRanges(text: string, node: unknown, path: string): number {
  if (typeof node !== 'object' || node === null) return 0;
  if (isRange(node)) {
    checkPosition(text, node.start, `${path}.start`);
    checkPosition(text, node.end, `${path}.end`);
    if (node.start.offset > node.end.offset) throw new Error(`${path}: start after end`);
    return 1;
  }
  let count = 0;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'text' && typeof value === 'string') continue;
    count += checkRanges(text, value, `${path}.${key}`);
  }
  return count;
}

function checkEverything(text: string): void {
  const policy = parsePolicy(text, 'input.policy');
  checkRanges(text, policy.statements, 'statements');
  checkRanges(text, policy.diagnostics, 'diagnostics');
  checkRanges(text, policy.comments, 'comments');
  const frequency = parseFrequencyFile(text, 'input.frequency');
  checkRanges(text, frequency.entries, 'entries');
  checkRanges(text, frequency.diagnostics, 'frequency diagnostics');
  const sources = new Map([
    ['input.policy', text],
    ['input.frequency', text],
  ]);
  for (const diagnostic of [...policy.diagnostics, ...frequency.diagnostics]) {
    expect(typeof formatDiagnostic(diagnostic, sources, { colors: markerPalette })).toBe('string');
  }
  // Tokens cover each line exactly: joined per line they give the line back.
  const tokens = tokenize(text);
  checkRanges(text, tokens, 'tokens');
  const lines = text.split(/\r\n|\r|\n/);
  const rebuilt = new Map<number, string>();
  for (const token of tokens) rebuilt.set(token.range.start.line, (rebuilt.get(token.range.start.line) ?? '') + token.text);
  lines.forEach((line, index) => {
    if ((rebuilt.get(index + 1) ?? '') !== line) throw new Error(`tokens of line ${index + 1} do not rebuild it`);
  });
}

/** Characters that matter to the lexer, so random strings reach deep into the grammar. */
const policyAlphabet = fc.constantFrom(
  ...['read', 'kill', 'allow', 'arg0', 'arg6', 'arg7', 'return', 'in', 'trap', 'log', '@default', '@include', '@frequency', '@denylist'],
  ...[':', ';', ',', '~', '(', ')', '{', '}', '[', ']', '|', '||', '&', '&&', '==', '!=', '<', '<=', '=', '>', '#', '\\', '.', '/', './x'],
  ...[' ', '\t', '\n', '\r', '\r\n', '\\\n', '0', '1', '08', '0755', '-1', '0x10', '99999999999999999999999', 'O_RDONLY', 'a@b', 'arch', '%', '\0', '\ud800', 'é'],
);
const policyLike = fc.array(policyAlphabet, { maxLength: 60 }).map((parts) => parts.join(''));
const codeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 200 });

describe('the parsers never throw and keep every range inside the input', () => {
  it('on full-unicode strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), checkEverything), { numRuns: 300 });
  });

  it('on UTF-16 code units (lone surrogates, NUL, CR)', () => {
    fc.assert(fc.property(codeUnits, checkEverything), { numRuns: 300 });
  });

  it('on strings made of policy tokens', () => {
    fc.assert(fc.property(policyLike, checkEverything), { numRuns: 1000 });
  });

  // Without the shared corpus there is nothing to mutate: skip, saying so (fc.pre works only
  // inside a property).
  itWithShared('on randomly mutated corpus files', [corpus], () => {
    const files = corpusFiles().filter((file) => file.text.length < 6000);
    expect(files.length).toBeGreaterThan(0);
    const edit = fc.record({
      at: fc.nat(),
      length: fc.nat({ max: 40 }),
      insert: fc.oneof(policyLike, fc.string({ unit: 'binary', maxLength: 10 })),
    });
    fc.assert(
      fc.property(fc.nat({ max: files.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 8 }), (index, edits) => {
        let text = files[index]?.text ?? '';
        for (const { at, length, insert } of edits) {
          const position = text.length === 0 ? 0 : at % text.length;
          text = text.slice(0, position) + insert + text.slice(position + length);
        }
        checkEverything(text);
      }),
      { numRuns: 150 },
    );
  });

  it.each([
    ['a very long line', `read: arg0 == ${'1|'.repeat(50_000)}1`],
    ['a very long number', `read: arg0 == ${'9'.repeat(200_000)}`],
    ['deeply nested parentheses', `read: arg0 == ${'('.repeat(20_000)}1${')'.repeat(20_000)}`],
    ['many complements', `read: arg0 == ${'~('.repeat(5_000)}1${')'.repeat(5_000)}`],
    ['NUL bytes', 'read:\0allow\0\n\0'],
    ['only a backslash', '\\'],
    ['CRLF everywhere', 'read: \\\r\n allow\r\n\r\n'],
  ])('on %s', (_name, text) => {
    checkEverything(text);
  });
});
