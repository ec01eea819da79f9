import { describe, expect, it } from 'vitest';
import { evaluateArgument } from '../src/value-expr.js';
import { TABLES } from './support/fixtures.js';

const x86 = TABLES.get('x86_64');
const arm = TABLES.get('arm');
if (x86 === undefined || arm === undefined) throw new Error('tables missing');
const constant = (name: string): bigint => x86.constants[name] ?? -1n;

describe('evaluateArgument', () => {
  it.each([
    ['empty text is 0', '', 0n],
    ['decimal', '42', 42n],
    ['hex', '0x10', 16n],
    ['octal', '0755', 0o755n],
    ['08 reads as decimal, as in policies', '08', 8n],
    ['a constant', 'O_CLOEXEC', constant('O_CLOEXEC')],
    ['bit-or of constants and numbers', 'O_WRONLY|O_CREAT|0x1', constant('O_WRONLY') | constant('O_CREAT') | 1n],
    ['complement within 64 bits', '~0', (1n << 64n) - 1n],
    ['complement of a parenthesised or', '~(PROT_READ|PROT_WRITE)', ((1n << 64n) - 1n) & ~(constant('PROT_READ') | constant('PROT_WRITE'))],
    ['a negative number as its 64-bit pattern', '-1', (1n << 64n) - 1n],
    ['AT_FDCWD (negative) as its 64-bit pattern', 'AT_FDCWD', constant('AT_FDCWD')],
    ['spaces around operators', ' 1 | 2 ', 3n],
  ])('%s', (_name, text, expected) => {
    expect(evaluateArgument(text, x86)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['complement within 32 bits on arm', '~0', 0xffff_ffffn],
    ['-1 as a 32-bit pattern on arm', '-1', 0xffff_ffffn],
  ])('%s', (_name, text, expected) => {
    expect(evaluateArgument(text, arm)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['an unknown constant, with a suggestion', 'O_RDONY', 'x86_64 has no constant O_RDONY; did you mean O_RDONLY?'],
    ['a dangling operator', '1 |', 'a value is missing'],
    ['two values side by side', '1 2', "unexpected '2'"],
    ['an unclosed parenthesis', '(1', "')' is missing"],
    ['an operator of another language', '1 + 2', "unexpected '+'"],
    ['a value wider than the word', '0x1ffffffffffffffff', '0x1ffffffffffffffff does not fit in 64 bits'],
  ])('refuses %s', (_name, text, message) => {
    expect(evaluateArgument(text, x86)).toEqual({ ok: false, message });
  });
});
