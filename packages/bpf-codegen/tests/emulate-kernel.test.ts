// The emulator against the real kernel: on an x86_64 Linux host, tests/emulate-kernel.py loads
// programs with seccomp(2) in forked children and reports what getppid(2) returned. Checks
// (1) run-time semantics: ALU (shifts by X ≥ 32, division by X = 0, wrapping), jumps, scratch
// memory and loads, through ERRNO return values read back 12 bits at a time; (2) install-time
// rules: every program fixture is accepted by the kernel exactly when validateProgram finds no
// problem. Skips visibly on other hosts or without /usr/bin/python3.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { emulate } from '../src/emulate.js';
import type { BpfProgram, SockFilter } from '../src/types.js';
import { validateProgram } from '../src/validate.js';
import { parseProgramText } from './disasm-fixture-parse.js';
import { jump, stmt } from './emulator-asm.js';
import { ALLOW, GETPPID, type KernelCall, X86_64, kernelUsable, runInKernel } from './kernel-probe.js';

const describeKernel = kernelUsable ? describe : describe.skip;

/** getppid gets `body`'s A, read back through ERRNO 12 bits at a time (args[5] = 0, 12, 24). */
function probeProgram(body: readonly SockFilter[]): SockFilter[] {
  return [
    stmt(0x20, 0),
    jump(0x15, GETPPID, 1, 0),
    stmt(0x06, ALLOW),
    ...body,
    stmt(0x02, 15), // st M[15]
    stmt(0x20, 56), // ld [args[5].lo]
    stmt(0x07), // tax
    stmt(0x60, 15), // ld M[15]
    stmt(0x7c), // rsh x
    stmt(0x54, 0xfff),
    stmt(0x44, 0x50000),
    stmt(0x16), // ret a
  ];
}

/** What the kernel must report for one call, from the emulator. */
function expectedCall(program: BpfProgram, args: readonly bigint[]): KernelCall | 'allow' {
  const result = emulate(program, { nr: GETPPID, arch: X86_64, instructionPointer: 0n, args });
  if (!result.ok) throw new Error(`emulator: ${result.error.message}`);
  if (result.action === 'allow') return 'allow';
  if (result.action === 'errno') return result.data === 0 ? { ret: 0, errno: 0 } : { ret: -1, errno: Math.min(result.data, 4095) };
  if (result.action === 'kill-thread' || result.action === 'kill-process') return { signal: 31 };
  throw new Error(`unexpected action ${result.action}`);
}

const VALUES = [0n, 1n, 7n, 31n, 32n, 33n, 64n, 0x80000000n, 0xffffffffn, 0x12345678n, 0xdeadbeefcafebaben];
const A0 = stmt(0x20, 16); // ld [args[0].lo]
const X1 = [stmt(0x20, 24), stmt(0x07)]; // X = args[1].lo
const alu = (op: number, k?: number): SockFilter => (k === undefined ? stmt(0x04 | op | 0x08) : stmt(0x04 | op, k));

const BODIES: [string, SockFilter[]][] = [
  ['lsh x', [...X1, A0, alu(0x60)]],
  ['rsh x', [...X1, A0, alu(0x70)]],
  ['add x', [...X1, A0, alu(0x00)]],
  ['sub x', [...X1, A0, alu(0x10)]],
  ['mul x', [...X1, A0, alu(0x20)]],
  ['and x', [...X1, A0, alu(0x50)]],
  ['or x', [...X1, A0, alu(0x40)]],
  ['xor x', [...X1, A0, alu(0xa0)]],
  ['neg', [A0, stmt(0x84)]],
  ['lsh #31, rsh #3', [A0, alu(0x60, 31), alu(0x70, 3)]],
  ['mul #0x9e3779b9, sub #1', [A0, alu(0x20, 0x9e3779b9), alu(0x10, 1)]],
  ['div #7', [A0, alu(0x30, 7)]],
  ['high words and ld len', [stmt(0x20, 20), stmt(0x07), stmt(0x20, 28), alu(0x00), stmt(0x80), stmt(0x07), stmt(0x20, 20), alu(0xa0)]],
  ['scratch memory and tax/txa', [A0, stmt(0x02, 3), ...X1, stmt(0x03, 4), stmt(0x61, 3), stmt(0x60, 4), alu(0x10), stmt(0x87)]],
  ['jgt/jge/jeq/jset with x', [...X1, A0, jump(0x2d, 0, 0, 1), alu(0x40, 0x100), jump(0x3d, 0, 0, 1), alu(0x40, 0x200), jump(0x1d, 0, 0, 1), alu(0x40, 0x400), jump(0x4d, 0, 0, 1), alu(0x40, 0x800)]],
  ['jgt/jge/jset with k', [A0, jump(0x25, 31, 0, 1), alu(0x40, 0x100), jump(0x35, 0x80000000, 0, 1), alu(0x40, 0x200), jump(0x45, 0x30, 0, 1), alu(0x40, 0x400)]],
];

describeKernel('the emulator agrees with the kernel', () => {
  it('on ALU, jumps, loads and scratch memory (all values, three 12-bit windows)', () => {
    const vectors = VALUES.flatMap((a0) => VALUES.map((a1) => [a0, a1]));
    const cases = BODIES.map(([, body]) => {
      const program = probeProgram(body);
      const calls = vectors.flatMap(([a0 = 0n, a1 = 0n]) => [0n, 12n, 24n].map((window) => [a0, a1, 0n, 0n, 0n, window]));
      return { program, calls };
    });
    const kernel = runInKernel(cases);
    cases.forEach((c, index) => {
      const name = BODIES[index]?.[0] ?? '';
      const answer = kernel[index];
      expect(answer?.installed, name).toBe(true);
      c.calls.forEach((args, call) => {
        const want = expectedCall(c.program, args);
        const got = answer?.results?.[call];
        if (want === 'allow') expect(got?.ret, `${name} ${args.join(',')}`).toBeGreaterThan(0);
        else expect(got, `${name} ${args.join(',')}`).toEqual(want);
      });
    });
  }, 600_000);

  it.each([
    ['div x by 0 ends the filter with 0 (kill)', 0x30],
    ['div x by non-zero divides', 0x30],
  ])('%s', (name, op) => {
    const program = probeProgram([...X1, A0, alu(op)]);
    const divisor = name.includes('by 0') ? 0n : 7n;
    const calls = [[1000n, divisor, 0n, 0n, 0n, 0n]];
    const [answer] = runInKernel([{ program, calls }]);
    expect(answer?.results?.[0]).toEqual(expectedCall(program, calls[0] ?? []));
  }, 600_000);

  it('accepts exactly the fixture programs the validator accepts', () => {
    const root = fileURLToPath(new URL('./fixtures/programs/', import.meta.url));
    const programs = readdirSync(root).sort().map((name) => ({ name, program: parseProgramText(readFileSync(`${root}${name}/program.txt`, 'utf8')) }));
    const tooLong = Array.from({ length: 4097 }, () => stmt(0x06, ALLOW));
    const all = [...programs, { name: 'too-long', program: tooLong }, { name: 'ret-allow-4096', program: tooLong.slice(1) }];
    const kernel = runInKernel(all.filter((p) => p.program.length > 0).map((p) => ({ program: p.program, calls: [] })));
    all
      .filter((p) => p.program.length > 0)
      .forEach((p, index) => {
        expect(kernel[index]?.installed, p.name).toBe(validateProgram(p.program).length === 0);
      });
  }, 600_000);
});
