import { describe, expect, it } from 'vitest';
import { cacheAllowed, cacheCheck } from '../src/cache.js';
import type { BpfProgram } from '../src/types.js';
import { jump, stmt } from './emulator-asm.js';

const X86 = 0xc000003e;
const ALLOW = 0x7fff0000;
// ld arch; jeq x86 ? next : kill; ld nr; nr==0 → allow; nr==1 → args check; nr&0xff==2 → allow(errno data);
// nr jset 0x100 → via ja to allow; else trap.
const program: BpfProgram = [
  stmt(0x20, 4), //0
  jump(0x15, X86, 1, 0), //1
  stmt(0x06, 0x80000000), //2
  stmt(0x20, 0), //3
  jump(0x15, 0, 7, 0), //4 read → 12
  jump(0x15, 1, 8, 0), //5 write → 14 (args)
  jump(0x15, 3, 9, 0), //6 close → 16 (ret ALLOW|1)
  jump(0x45, 0x100, 0, 2), //7 jset 0x100 → 8 else 10
  stmt(0x54, 0xff), //8 and #0xff
  jump(0x15, 0x20, 1, 0), //9 (nr & 0xff) == 0x20 → 11
  jump(0x05, 1, 0, 0), //10 ja → 12? no: ja +1 → 12
  jump(0x05, 0, 0, 0), //11 ja +0 → 12
  stmt(0x06, ALLOW), //12
  stmt(0x06, 0x30000), //13 (unreached)
  stmt(0x20, 16), //14 ld args[0].lo
  stmt(0x06, ALLOW), //15
  stmt(0x06, ALLOW | 1), //16
];

describe('kernel cache emulation', () => {
  it.each([
    ['read: ld nr, jeq, ret ALLOW', 0, 'allow', true],
    ['write: an argument load on the path', 1, 'non-constant-load', false],
    ['close: ALLOW with data bits is not the constant ALLOW', 3, 'other-return', false],
    ['0x120: jset then and #0xff then ja', 0x120, 'allow', true],
    ['0x100: jset true, masked compare false, ja', 0x100, 'allow', true],
    ['2: jset false, ja +1', 2, 'allow', true],
  ])('%s', (_name, nr, verdict, allowed) => {
    expect(cacheCheck(program, X86, nr).verdict).toBe(verdict);
    expect(cacheAllowed(program, X86, nr)).toBe(allowed);
  });

  it('the wrong arch value takes the kill path', () => {
    expect(cacheCheck(program, 0x40000003, 0)).toMatchObject({ verdict: 'other-return', pc: 2, path: [0, 1, 2] });
  });

  it.each([
    ['ld imm', [stmt(0x00, 0), stmt(0x06, ALLOW)], 'unsupported-instruction'],
    ['jeq x', [jump(0x1d, 0, 0, 0), stmt(0x06, ALLOW)], 'unsupported-instruction'],
    ['or #k', [stmt(0x44, 1), stmt(0x06, ALLOW)], 'unsupported-instruction'],
    ['ret a', [stmt(0x16)], 'unsupported-instruction'],
    ['ld [ip]', [stmt(0x20, 8), stmt(0x06, ALLOW)], 'non-constant-load'],
    ['running off the end', [stmt(0x20, 0)], 'ran-off-end'],
    ['A starts at 0', [jump(0x15, 0, 0, 1), stmt(0x06, ALLOW), stmt(0x06, 0)], 'allow'],
  ] as [string, BpfProgram, string][])('%s', (_name, prog, verdict) => {
    expect(cacheCheck(prog, X86, 7).verdict).toBe(verdict);
  });
});
