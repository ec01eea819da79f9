// Counterexamples the verifier finds for mutants of an emitted program reproduce in the kernel:
// each mutant is installed in a child process (behind a prefix that lets every other syscall
// run) and getppid is issued with the counterexample's arguments; what happens must be the
// mutant's action there, which differs from the policy's. Skips visibly off x86_64 Linux.
import { describe, expect, it } from 'vitest';
import type { BpfProgram } from '../src/types.js';
import { verifyProgram } from '../src/verify.js';
import { compileText, tableNamed } from './compile/helpers.js';
import { ALLOW, GETPPID, type KernelCall, X86_64, kernelUsable, runInKernel } from './kernel-probe.js';
import { mutate, mutationsOf } from './mutants.js';

/** What the kernel reports for a call the filter answers with this action. */
function expectedCall(action: string): Partial<KernelCall> | 'runs' {
  if (action === 'ALLOW' || action === 'LOG') return 'runs';
  const errno = /^ERRNO\((\d+)\)$/.exec(action);
  if (errno !== null) return { ret: -1, errno: Number(errno[1]) };
  if (action === 'ERRNO') return { ret: 0, errno: 0 };
  return { signal: 31 };
}

describe.skipIf(!kernelUsable)('verify: counterexamples of mutants reproduce in the kernel', () => {
  it('for getppid with argument tests on both halves', () => {
    const { result } = compileText('getppid: arg0 == 5 || arg1 & 0x10 || arg2 == 0x300000004\ngetppid: return 7\n', tableNamed('x86_64'), {
      defaultAction: { errno: 1 },
      useKillProcess: true,
    });
    const { lowered, program } = result;
    if (lowered === undefined || program === undefined) throw new Error('no program');
    // Everything but getppid runs, so the child can report; getppid goes to the program under test.
    const prefix: BpfProgram = [
      { code: 0x20, jt: 0, jf: 0, k: 0 },
      { code: 0x15, jt: 1, jf: 0, k: GETPPID },
      { code: 0x06, jt: 0, jf: 0, k: ALLOW },
    ];
    const cases: { program: BpfProgram; args: readonly bigint[]; filter: string; policy: string }[] = [];
    for (const mutation of mutationsOf(program, 3)) {
      const mutant = mutate(program, mutation);
      if (mutant === undefined) continue;
      const verdict = verifyProgram(lowered, mutant);
      if (verdict.result !== 'counterexample') continue;
      const { input, actual, expected } = verdict.counterexample;
      if (input.nr !== GETPPID || input.arch !== X86_64) continue;
      cases.push({ program: [...prefix, ...mutant], args: input.args, filter: actual.action, policy: expected.action });
    }
    expect(cases.length).toBeGreaterThanOrEqual(5);
    const sample = cases.slice(0, 24);
    const kernel = runInKernel(sample.map((c) => ({ program: c.program, calls: [c.args] })));
    sample.forEach((c, index) => {
      const answer = kernel[index];
      expect(answer?.installed).toBe(true);
      const call = answer?.results?.[0];
      const expected = expectedCall(c.filter);
      if (expected === 'runs') expect(call?.ret, c.args.join(", ")).toBeGreaterThan(0);
      else expect(call, `${c.filter} vs ${c.policy}`).toMatchObject(expected);
      expect(c.filter).not.toBe(c.policy);
    });
  });
});
