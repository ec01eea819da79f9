// A build analyses hundreds of programs with one AnalysisCache: a syscall whose checks compile to
// the same code is searched and sampled once. These cases fail if the cache's key leaves out
// anything a result depends on (the code, the number, the dispatch depth) or lets a malformed
// program in; the property compares every figure with and without the cache.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnalyzeOptions, analyzeProgram, analyzeSyscall, createAnalysisCache } from '../src/analyze.js';
import * as bpf from '../src/opcodes.js';
import type { BpfProgram } from '../src/types.js';
import { compileText, tableNamed } from './compile/helpers.js';
import { miniX86_64 } from './disasm-arch.js';
import { jump, stmt } from './emulator-asm.js';
import { policyArb, renderPolicy } from './policy-arbitrary.js';

const ALLOW = bpf.SECCOMP_RET_ALLOW;
const KILL = bpf.SECCOMP_RET_KILL_PROCESS;
const LD_ABS = bpf.BPF_LD | bpf.BPF_W | bpf.BPF_ABS;
const JEQ = bpf.BPF_JMP | bpf.BPF_JEQ | bpf.BPF_K;
const RET = bpf.BPF_RET | bpf.BPF_K;
const NR = bpf.SECCOMP_DATA_NR;
const ARG0 = bpf.SECCOMP_DATA_ARGS;

/** `read` (nr 0) allowed when arg0 == `value`, everything else killed; `pad` no-op tests before the dispatch. */
function readWhen(value: number, pad = 0): BpfProgram {
  return [
    stmt(LD_ABS, NR),
    ...Array.from({ length: pad }, (_, at) => jump(JEQ, 100 + at, 0, 0)),
    jump(JEQ, 0, 0, 3),
    stmt(LD_ABS, ARG0),
    jump(JEQ, value, 0, 1),
    stmt(RET, ALLOW),
    stmt(RET, KILL),
  ];
}

/** The same checks for `read` as `readWhen(5)` at other addresses, after two other returns. */
const readWhen5Later: BpfProgram = [
  stmt(LD_ABS, NR),
  jump(JEQ, 0, 2, 0),
  stmt(RET, KILL),
  stmt(RET, ALLOW),
  stmt(LD_ABS, ARG0),
  jump(JEQ, 5, 0, 1),
  stmt(RET, ALLOW),
  stmt(RET, KILL),
];

const uncached = (program: BpfProgram, nr: number, options: AnalyzeOptions = { arch: miniX86_64 }) => analyzeSyscall(program, nr, options);

describe('an analysis cache', () => {
  it('shares the same checks reached by the same dispatch depth, at other addresses', () => {
    const cache = createAnalysisCache();
    expect(analyzeSyscall(readWhen(5), 0, { arch: miniX86_64, cache })).toEqual(uncached(readWhen(5), 0));
    expect(cache.size).toBe(1);
    expect(analyzeSyscall(readWhen5Later, 0, { arch: miniX86_64, cache })).toEqual(uncached(readWhen5Later, 0));
    expect(cache.size).toBe(1);
  });

  it('keeps the cost of the same checks behind a deeper dispatch', () => {
    const cache = createAnalysisCache();
    analyzeSyscall(readWhen(5), 0, { arch: miniX86_64, cache });
    const deep = analyzeSyscall(readWhen(5, 2), 0, { arch: miniX86_64, cache });
    expect(deep).toEqual(uncached(readWhen(5, 2), 0));
    expect(deep.cost).toBe(7);
    expect(cache.size).toBe(2);
  });

  it('does not share different checks of the same number', () => {
    const cache = createAnalysisCache();
    analyzeSyscall(readWhen(5), 0, { arch: miniX86_64, cache });
    const other = analyzeSyscall(readWhen(6), 0, { arch: miniX86_64, cache });
    expect(other).toEqual(uncached(readWhen(6), 0));
    expect(other.allowedExample?.[0]).toBe(6n);
  });

  it('does not share the same code between numbers', () => {
    // Loads arg0 first (the dispatch reads an argument at pc 0), then allows only read.
    const program: BpfProgram = [stmt(LD_ABS, ARG0), stmt(LD_ABS, NR), jump(JEQ, 0, 0, 1), stmt(RET, ALLOW), stmt(RET, KILL)];
    const cache = createAnalysisCache();
    const analysis = analyzeProgram(program, { arch: miniX86_64, syscalls: [0, 1], cache });
    expect(analysis).toEqual(analyzeProgram(program, { arch: miniX86_64, syscalls: [0, 1] }));
    expect(analysis.syscalls.map((s) => s.verdict)).toEqual(['always-allowed', 'denied']);
  });

  it('gives each program its own names and weights', () => {
    const cache = createAnalysisCache();
    analyzeSyscall(readWhen(5), 0, { arch: miniX86_64, cache });
    const options = { arch: miniX86_64, frequencies: new Map([['read', 7]]) };
    expect(analyzeSyscall(readWhen(5), 0, { ...options, cache })).toEqual(uncached(readWhen(5), 0, options));
    expect(analyzeSyscall(readWhen(5), 0, { ...options, cache }, new Map([[0, ['other']]])).name).toBe('other');
  });

  it('is not used for a program with a backward jump', () => {
    const looping: BpfProgram = [stmt(LD_ABS, ARG0), { code: JEQ, jt: -2, jf: -2, k: 1 }, stmt(RET, ALLOW)];
    const cache = createAnalysisCache();
    expect(analyzeSyscall(looping, 0, { arch: miniX86_64, cache })).toEqual(uncached(looping, 0));
    expect(cache.size).toBe(0);
  });

  it('changes no figure of compiled policies that share rules (every architecture)', () => {
    fc.assert(
      fc.property(policyArb, fc.nat(), (policy, seed) => {
        const table = tableNamed(policy.arch);
        const present = policy.syscalls.filter(({ name }) => Object.hasOwn(table.syscalls, name));
        // The policy, and a part of it: the same rules behind other dispatches.
        const cut = present.length === 0 ? 0 : seed % present.length;
        const options = policy.defaultAction === undefined ? {} : { defaultAction: policy.defaultAction };
        const programs = [present.slice(cut), present, present.slice(0, cut)].map((syscalls) => {
          const { text, frequency } = renderPolicy({ ...policy, syscalls }, table.bits);
          const { program } = compileText(text, table, options, { '/p/main.frequency': frequency }).result;
          if (program === undefined) throw new Error('no program');
          return program;
        });
        const cache = createAnalysisCache();
        // The listed numbers (the ones with checks) and a few the default decides.
        const numbers = [...new Set([0, 1, ...present.map(({ name }) => table.syscalls[name] ?? 0)])].sort((a, b) => a - b);
        for (const program of [...programs, ...programs]) {
          const analysisOptions = { arch: table, syscalls: numbers, frequencies: new Map([['read', 3]]) };
          expect(analyzeProgram(program, { ...analysisOptions, cache })).toEqual(analyzeProgram(program, analysisOptions));
        }
      }),
      { numRuns: 8 },
    );
  }, 600_000);
});
