// Code frames rendered by formatDiagnostic.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../src/index.js';
import type { Diagnostic, DiagnosticPalette, Position, SourceRange } from '../src/index.js';

/** Range of `[start, end)` in `text`, positions computed independently of the library. */
function rangeOf(text: string, start: number, end: number): SourceRange {
  const position = (offset: number): Position => {
    const before = text.slice(0, offset).split(/\r\n|\r|\n/);
    return { line: before.length, column: (before[before.length - 1] ?? '').length + 1, offset };
  };
  return { start: position(start), end: position(end) };
}

function diagnostic(text: string, start: number, end: number, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { code: 'SC1003', severity: 'error', message: 'invalid colon', file: 'a.policy', range: rangeOf(text, start, end), ...extra };
}

const plain = (d: Diagnostic, sources: Record<string, string>): string => formatDiagnostic(d, new Map(Object.entries(sources)));

describe('formatDiagnostic', () => {
  it('renders a header, the line and a caret underline under the range', () => {
    const text = 'read: allow\nwrite arg0\n';
    expect(plain(diagnostic(text, 18, 22), { 'a.policy': text })).toBe(
      ['a.policy:2:7: error[SC1003]: invalid colon', '  |', '2 | write arg0', '  |       ^^^^'].join('\n'),
    );
  });

  it('puts one caret just past the end of the line for an empty range there', () => {
    const text = 'read:\n';
    expect(plain(diagnostic(text, 5, 5, { code: 'SC1004', message: 'missing filter' }), { 'a.policy': text })).toBe(
      ['a.policy:1:6: error[SC1004]: missing filter', '  |', '1 | read:', '  |      ^'].join('\n'),
    );
  });

  it('shows every line of a multi-line range, underlining each part', () => {
    const text = 'x\nfcntl: arg1 == 1 || \\\n  arg1 == 2\n';
    const start = text.indexOf('arg1');
    const end = text.lastIndexOf('2') + 1;
    expect(plain(diagnostic(text, start, end), { 'a.policy': text })).toBe(
      ['a.policy:2:8: error[SC1003]: invalid colon', '  |', '2 | fcntl: arg1 == 1 || \\', '  |        ^^^^^^^^^^^^^^', '3 |   arg1 == 2', '  | ^^^^^^^^^^^'].join('\n'),
    );
  });

  it('elides the middle of a long multi-line range', () => {
    const text = Array.from({ length: 12 }, (_, i) => `line${i + 1}`).join('\n');
    const output = plain(diagnostic(text, 0, text.length), { 'a.policy': text });
    const shown = output.split('\n').filter((line) => /^\s*\d+ \|/.test(line)).map((line) => line.trim().split(' ')[0]);
    expect(shown).toEqual(['1', '2', '11', '12']);
    expect(output).toContain('\n..  ');
  });

  it('expands tabs so the caret stays under the token', () => {
    const text = '\twrite:\targ0 ==';
    const start = text.indexOf('arg0');
    expect(plain(diagnostic(text, start, start + 4), { 'a.policy': text })).toBe(
      ['a.policy:1:9: error[SC1003]: invalid colon', '  |', '1 |     write:    arg0 ==', '  |               ^^^^'].join('\n'),
    );
  });

  it('never prints control characters from the source', () => {
    const text = 'read:\u001b[31m\u0000 allow';
    const output = plain(diagnostic(text, 5, 6), { 'a.policy': text });
    expect(Array.from(output).filter((char) => char !== '\n' && (char < ' ' || char === '\u007f'))).toEqual([]);
    expect(output).toContain('1 | read:\u241b[31m\u2400 allow');
  });

  it('cuts very long lines to a window around the range', () => {
    const text = `read: ${'arg0 == 1 || '.repeat(2000)}oops`;
    const start = text.indexOf('oops');
    const output = plain(diagnostic(text, start, start + 4), { 'a.policy': text });
    const [, , sourceLine, caretLine] = output.split('\n');
    expect(sourceLine?.length).toBeLessThan(200);
    expect(sourceLine?.startsWith('1 | …')).toBe(true);
    expect(sourceLine?.indexOf('oops')).toBe(caretLine?.indexOf('^^^^'));
  });

  it('renders related locations with their own frames, then the suggestion', () => {
    const main = 'read: allow\n';
    const other = '\nread: allow\n';
    const d = diagnostic(main, 4, 5, {
      code: 'SC2001',
      message: 'read already had an unconditional action',
      related: [
        { message: 'previous definition', file: 'b.policy', range: rangeOf(other, 5, 6) },
        { message: 'included from here', file: 'c.policy', range: rangeOf('x', 0, 1) },
      ],
      suggestion: 'remove one of the two rules',
    });
    expect(plain(d, { 'a.policy': main, 'b.policy': other })).toBe(
      [
        'a.policy:1:5: error[SC2001]: read already had an unconditional action',
        '  |',
        '1 | read: allow',
        '  |     ^',
        '  = note: b.policy:2:5: previous definition',
        '    |',
        '  2 | read: allow',
        '    |     ^',
        '  = note: c.policy:1:1: included from here',
        '  = help: remove one of the two rules',
      ].join('\n'),
    );
  });

  it('prints only the header and notes when the source is unknown', () => {
    const d = diagnostic('read', 0, 4, { severity: 'warning', suggestion: 'check it' });
    expect(plain(d, {})).toBe('a.policy:1:1: warning[SC1003]: invalid colon\n  = help: check it');
  });

  it('styles through the palette the caller passes, around the same text', () => {
    const text = 'write arg0';
    const d = diagnostic(text, 6, 10);
    const sources = new Map([['a.policy', text]]);
    const tag = (name: string) => (inner: string): string => `<${name}>${inner}</${name}>`;
    const palette: DiagnosticPalette = {
      bold: tag('b'),
      red: tag('red'),
      yellow: tag('yellow'),
      cyan: tag('cyan'),
      blue: tag('blue'),
    };
    const coloured = formatDiagnostic(d, sources, { colors: palette });
    expect(coloured).toContain('<red><b>error[SC1003]</b></red>');
    expect(coloured).toContain('<red>^^^^</red>');
    expect(coloured.replace(/<\/?[a-z]+>/g, '')).toBe(formatDiagnostic(d, sources));
    expect(formatDiagnostic(d, sources)).not.toContain('<');
  });

  it('handles CRLF sources and ranges clamped past the end of the text', () => {
    const text = 'read: allow\r\nwrite arg0\r\n';
    const d = diagnostic(text, 19, 23);
    expect(plain(d, { 'a.policy': text })).toContain('2 | write arg0\n  |       ^^^^');
    const outside: Diagnostic = { ...d, range: { start: { line: 9, column: 1, offset: 999 }, end: { line: 9, column: 1, offset: 999 } } };
    expect(() => plain(outside, { 'a.policy': text })).not.toThrow();
  });

  it('renders frames from the right source when many files alternate (line indexes are cached)', () => {
    const sources = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}.policy`, `${'\n'.repeat(i)}line of file ${i}\n`]));
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 12; i++) {
        const text = sources[`f${i}.policy`] ?? '';
        const output = plain({ ...diagnostic(text, i, i + 4), file: `f${i}.policy` }, sources);
        expect(output).toContain(`${i + 1} | line of file ${i}`);
      }
    }
  });
});
