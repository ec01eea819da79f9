import { describe, expect, it } from 'vitest';
import type { SockFilter } from '../src/types.js';
import { isClassicOpcode, isSeccompOpcode, validateProgram } from '../src/validate.js';
import { stmt } from './emulator-asm.js';

const ALLOW = stmt(0x06, 0x7fff0000);

describe('validateProgram: rules fixtures cannot express', () => {
  it.each([
    ['4096 instructions are fine', 4096, []],
    ['4097 are too many', 4097, ['SC4602']],
  ])('%s', (_name, length, codes) => {
    const program = Array.from({ length }, () => ALLOW);
    expect(validateProgram(program).map((d) => d.code)).toEqual(codes);
  });

  it.each([
    ['code above u16', { code: 0x10006, jt: 0, jf: 0, k: 0 }],
    ['negative k', { code: 6, jt: 0, jf: 0, k: -1 }],
    ['jt above u8', { code: 0x15, jt: 256, jf: 0, k: 0 }],
    ['fractional k', { code: 6, jt: 0, jf: 0, k: 0.5 }],
  ] as [string, SockFilter][])('reports %s as SC4614', (_name, insn) => {
    expect(validateProgram([insn, ALLOW])).toEqual([expect.objectContaining({ code: 'SC4614', pc: 0 })]);
  });

  it.each([
    [0x94, true, false],
    [0x34, true, true],
    [0x20, true, true],
    [0x30, true, false],
    [0x0e, false, false],
    [0x16, true, true],
    [0x87, true, true],
  ])('opcode 0x%s: classic %s, seccomp %s', (code, classic, seccomp) => {
    expect(isClassicOpcode(code)).toBe(classic);
    expect(isSeccompOpcode(code)).toBe(seccomp);
  });
});
