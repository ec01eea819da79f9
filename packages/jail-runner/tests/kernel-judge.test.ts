// A short fuzz run of the kernel judge (tests/kernel-judge.ts): random policies compiled, their
// every `ret` rewritten to a distinct errno, the probe syscalls issued raw in a jailed child, and
// the kernel's answers compared with `emulate` and the reference semantics. `pnpm bench` runs a
// longer one (bench/kernel-judge.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgedPolicyArb, judgeCase, judgeInKernel, judgeProgram } from './kernel-judge.js';
import { onX86_64, table } from './table.js';

describe('judgeProgram', () => {
  it('gives each distinct return value its own errno and sends only probes to the filter', () => {
    const program = [
      { code: 0x20, jt: 0, jf: 0, k: 0 },
      { code: 0x15, jt: 0, jf: 1, k: 7 },
      { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 },
      { code: 0x06, jt: 0, jf: 0, k: 0x80000000 },
      { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 },
    ];
    const judged = judgeProgram(program, [7, 8]);
    expect(judged.program.slice(0, 4)).toEqual([
      { code: 0x20, jt: 0, jf: 0, k: 0 },
      { code: 0x15, jt: 2, jf: 0, k: 7 },
      { code: 0x15, jt: 1, jf: 0, k: 8 },
      { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 },
    ]);
    expect(judged.program.slice(4).map((instruction) => instruction.k)).toEqual([0, 7, 0x50001, 0x50002, 0x50001]);
    expect([...judged.returnValues]).toEqual([[1, 0x7fff0000], [2, 0x80000000]]);
  });
});

describe.runIf(onX86_64)('the kernel, the emulator and the reference semantics agree', () => {
  it('on random policies over every operator and action, with x32 and unassigned numbers', async () => {
    let seed = 0;
    await fc.assert(
      fc.asyncProperty(judgedPolicyArb, async (policy) => {
        const judged = judgeCase(policy, table, 12, seed++);
        expect(await judgeInKernel(judged, table)).toEqual([]);
      }),
      // Each case starts a jailed Node process: a few per test run, many more in the bench.
      { numRuns: 4, endOnFailure: true },
    );
  }, 120_000);
});
