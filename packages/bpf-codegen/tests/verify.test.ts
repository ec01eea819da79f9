// The exact verifier (src/verify.ts) on compiled programs: every program syscage emits is
// proved (random policies, the crosvm corpora), and mutants of emitted programs are never proved
// when they decide some input differently; every counterexample replays in the emulator.
import { existsSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { compilePolicy } from '../src/compile.js';
import { emulate, type SeccompData } from '../src/emulate.js';
import type { LoweredPolicy } from '../src/lower.js';
import { BPF_JA, BPF_JMP } from '../src/opcodes.js';
import { actionReturnValue } from '../src/options.js';
import { evaluatePolicy } from '../src/reference.js';
import type { BpfProgram, SockFilter } from '../src/types.js';
import { type Verification, normalizeReturnValue, verifyEquivalent, verifyProgram, verifyWithin } from '../src/verify.js';
import { compileText, tableNamed, tables } from './compile/helpers.js';
import { policyAgainstProgram, policyArb, renderPolicy } from './policy-arbitrary.js';
import { isConditional, mutate, mutationsOf } from './mutants.js';
import { sharedData } from '../../../tools/shared-data/index.js';
import { describeWithShared } from '../../../tools/shared-data/vitest.js';

const filterOutcome = (program: BpfProgram, input: SeccompData, byteOrder: 'little' | 'big'): number => {
  const result = emulate(program, input, { byteOrder, recordPath: false });
  if (!result.ok) throw new Error(result.error.message);
  return normalizeReturnValue(result.returnValue);
};
const policyOutcome = (policy: LoweredPolicy, input: SeccompData): number => normalizeReturnValue(actionReturnValue(evaluatePolicy(policy, input).action));

/** A counterexample must be one: the emulator and the reference disagree on its input, as it says. */
function expectReplays(verdict: Verification, policy: LoweredPolicy, program: BpfProgram): void {
  if (verdict.result !== 'counterexample') return;
  const { input, expected, actual } = verdict.counterexample;
  expect(filterOutcome(program, input, policy.arch.endianness)).toBe(actual.returnValue);
  expect(policyOutcome(policy, input)).toBe(expected.returnValue);
  expect(actual.returnValue).not.toBe(expected.returnValue);
}

/** Inputs built from the constants a program compares with (and their neighbours), for a sampled cross-check. */
function sampledInputs(program: BpfProgram, policy: LoweredPolicy, count: number, seed: number): SeccompData[] {
  const words = new Set<number>([0, 1, 0xffffffff, 0x80000000]);
  for (const insn of program) {
    if ((insn.code & 0x07) !== BPF_JMP || (insn.code & 0xf0) === BPF_JA) continue;
    for (const delta of [-1, 0, 1]) words.add((insn.k + delta) >>> 0);
  }
  const pool = [...words];
  const numbers = [...policy.syscalls.map((syscall) => syscall.number), ...pool];
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state;
  };
  const pick = <T>(items: readonly T[]): T => items[next() % items.length] as T;
  const inputs: SeccompData[] = [];
  for (let index = 0; index < count; index++) {
    const args = Array.from({ length: 6 }, () => (BigInt(pick(pool)) << 32n) | BigInt(pick(pool)));
    inputs.push({ nr: pick(numbers), arch: index % 17 === 0 ? pick(pool) : policy.arch.auditArch, instructionPointer: 0n, args });
  }
  return inputs;
}

// ---- Mutants ---------------------------------------------------------------------------------

interface MutationTally {
  mutants: number;
  counterexamples: number;
  provedEquivalent: number;
  sampledDifferent: number;
}

/** Verifies every mutant; a proved one must agree with the policy on every sampled input. */
function checkMutants(policy: LoweredPolicy, program: BpfProgram, seed: number, tally: MutationTally): void {
  for (const mutation of mutationsOf(program, seed)) {
    const mutant = mutate(program, mutation);
    if (mutant === undefined) continue;
    tally.mutants++;
    const verdict = verifyProgram(policy, mutant);
    expect(verdict.result, JSON.stringify(mutation)).not.toBe('undecided');
    // Both translations of a program are exact, so they reach the same verdict.
    expect(verifyProgram(policy, mutant, { translation: 'forward' }).result, JSON.stringify(mutation)).toBe(verdict.result);
    const differs = sampledInputs(mutant, policy, 150, seed).some(
      (input) => filterOutcome(mutant, input, policy.arch.endianness) !== policyOutcome(policy, input),
    );
    if (differs) tally.sampledDifferent++;
    if (verdict.result === 'counterexample') {
      tally.counterexamples++;
      expectReplays(verdict, policy, mutant);
    } else {
      tally.provedEquivalent++;
      expect(differs, `mutant ${JSON.stringify(mutation)} was proved but a sampled input decides differently`).toBe(false);
    }
  }
}

const mutationPolicies: readonly [string, string, string][] = [
  ['x86_64', 'args on both halves', 'read: allow\nwrite: arg0 == 1 || arg0 == 2\nioctl: arg1 == 0x5401 || arg1 == 0x5413; return 25\nmmap: arg2 in 0x3 && arg3 & 0x20\nopenat: arg2 > 0x100000000\nclose: allow\nfutex: arg1 <= 0x80\n'],
  ['aarch64', 'a value set', 'fcntl: arg1 == 1 || arg1 == 2 || arg1 == 3 || arg1 == 4 || arg1 == 1030 || arg1 == 1031\nread: allow\nwrite: allow\nprctl: arg0 != 15; return 1\n'],
  ['arm', 'a 32-bit architecture', 'read: allow\nwrite: arg0 >= 3\nioctl: arg1 & 0xff00\nclose: return 9\nmadvise: arg2 == 4 || arg2 == 9\n'],
];

describe('verify: mutants of emitted programs are never proved when they decide differently', () => {
  it.each(mutationPolicies)('%s: %s', (arch, _name, text) => {
    const { result } = compileText(text, tableNamed(arch), { defaultAction: 'trap' });
    const { lowered, program } = result;
    if (lowered === undefined || program === undefined) throw new Error('no program');
    expect(verifyProgram(lowered, program).result).toBe('proved');
    const tally: MutationTally = { mutants: 0, counterexamples: 0, provedEquivalent: 0, sampledDifferent: 0 };
    checkMutants(lowered, program, arch.length, tally);
    // The test has power: many mutants differ, and the sampled differences are all found.
    expect(tally.counterexamples).toBeGreaterThan(tally.mutants / 2);
    expect(tally.sampledDifferent).toBeGreaterThan(0);
    expect(tally.counterexamples).toBeGreaterThanOrEqual(tally.sampledDifferent);
  }, 600_000);

  it('finds the difference of a one-bit change on the high half of a 64-bit constant', () => {
    const { result } = compileText('openat: arg2 == 0x100000000\n', tableNamed('x86_64'), { defaultAction: 'trap' });
    const { lowered, program } = result;
    if (lowered === undefined || program === undefined) throw new Error('no program');
    const pc = program.findIndex((insn) => isConditional(insn) && insn.k === 1);
    const mutant = mutate(program, { kind: 'flip-constant', pc, bit: 1 });
    if (mutant === undefined) throw new Error('no mutant');
    const verdict = verifyProgram(lowered, mutant);
    expect(verdict.result).toBe('counterexample');
    if (verdict.result !== 'counterexample') return;
    expect(verdict.counterexample.input.args[2]).toBe(0x100000000n);
    expect(verdict.counterexample.expected.rule?.line).toBe(1);
    expectReplays(verdict, lowered, mutant);
  });
});

describe('verify: random policies', () => {
  it('every program syscage emits for them is proved, optimised or not', () => {
    fc.assert(
      fc.property(policyArb, (policy) => {
        const table = tableNamed(policy.arch);
        const present = { ...policy, syscalls: policy.syscalls.filter(({ name }) => Object.hasOwn(table.syscalls, name)) };
        const { text, frequency } = renderPolicy(present, table.bits);
        const options = {
          ...(policy.defaultAction === undefined ? {} : { defaultAction: policy.defaultAction }),
          useKillProcess: policy.useKillProcess,
          logFailures: policy.logFailures,
        };
        for (const extra of [{}, { optimize: false }, { passes: policy.passes }]) {
          const { result } = compileText(text, table, { ...options, ...extra }, { '/p/main.frequency': frequency });
          if (result.lowered === undefined || result.program === undefined) throw new Error('no program');
          expect(verifyProgram(result.lowered, result.program).result, text).toBe('proved');
          expect(verifyProgram(result.lowered, result.program, { translation: 'forward' }).result, text).toBe('proved');
        }
      }),
      { numRuns: 30 },
    );
  }, 600_000);

  it("one policy's program against another policy: proved only when no sampled input differs, else a counterexample that replays", () => {
    fc.assert(
      fc.property(policyArb, policyArb, fc.nat(), (first, second, seed) => {
        const { table, policy: policyA, program: programB } = policyAgainstProgram(first, second);
        const verdict = verifyProgram(policyA, programB);
        expect(verdict.result).not.toBe('undecided');
        if (verdict.result === 'counterexample') expectReplays(verdict, policyA, programB);
        else {
          for (const input of sampledInputs(programB, policyA, 100, seed)) {
            expect(filterOutcome(programB, input, table.endianness)).toBe(policyOutcome(policyA, input));
          }
        }
      }),
      { numRuns: 40 },
    );
  }, 600_000);
});

describe('verify: stacks and within', () => {
  const table = tableNamed('x86_64');
  const compiled = (text: string): { policy: LoweredPolicy; program: BpfProgram } => {
    const { result } = compileText(text, table, { defaultAction: 'trap' });
    if (result.lowered === undefined || result.program === undefined) throw new Error('no program');
    return { policy: result.lowered, program: result.program };
  };
  const base = compiled('read: allow\nwrite: allow\nclose: allow\n');
  const narrower = compiled('read: allow\nwrite: arg0 == 1\n');
  const wider = compiled('read: allow\nwrite: allow\nclose: allow\nopenat: allow\n');

  it('a stack runs every filter and keeps the action of highest precedence', () => {
    // The kernel's answer for (base, narrower) is narrower's wherever narrower denies, since TRAP beats ALLOW.
    const verdict = verifyEquivalent({ kind: 'policy', policy: narrower.policy }, { kind: 'filter', programs: [base.program, narrower.program] }, narrower.policy.arch);
    expect(verdict.result).toBe('proved');
    const alone = verifyEquivalent({ kind: 'policy', policy: narrower.policy }, { kind: 'filter', programs: [base.program] }, narrower.policy.arch);
    expect(alone.result).toBe('counterexample');
  });

  it.each([
    ['narrower within base', narrower, base, 'proved'],
    ['base within wider', base, wider, 'proved'],
    ['wider within base', wider, base, 'counterexample'],
    ['base within narrower', base, narrower, 'counterexample'],
  ] as const)('%s', (_name, inner, outer, expected) => {
    const verdict = verifyWithin({ kind: 'filter', programs: [outer.program] }, { kind: 'policy', policy: inner.policy }, inner.policy.arch);
    expect(verdict.result).toBe(expected);
    if (verdict.result === 'counterexample') {
      expect(['ALLOW', 'LOG']).toContain(verdict.counterexample.actual.action);
      expect(['ALLOW', 'LOG']).not.toContain(verdict.counterexample.expected.action);
    }
  });
});

describe('verify: big-endian machines', () => {
  // x86_64's numbers on a big-endian machine: what changes is only where each half of an argument is.
  const bigEndian = { ...tableNamed('x86_64'), endianness: 'big' as const };

  it('proves a big-endian program and finds a swapped argument half', () => {
    const { result } = compileText('read: allow\nwrite: arg0 == 0x100000002\n', bigEndian, { defaultAction: 'trap' });
    const { lowered, program } = result;
    if (lowered === undefined || program === undefined) throw new Error('no program');
    expect(verifyProgram(lowered, program).result).toBe('proved');
    // Reading the other half of each argument (offset ^ 4) is what a little-endian compiler would emit.
    const swapped = program.map((insn) => (insn.code === 0x20 && insn.k >= 16 ? { ...insn, k: insn.k ^ 4 } : insn));
    const verdict = verifyProgram(lowered, swapped);
    expect(verdict.result).toBe('counterexample');
    expectReplays(verdict, lowered, swapped);
  });

});

describe('verify: a linear filter that keeps testing numbers after a failed argument test', () => {
  // Minijail-style: `jeq nr; ld arg; jeq value, ALLOW; ld nr; jeq next …`. Built backward, every
  // argument test would carry the whole rest of the chain; past the budget the translation
  // starts over forward and stays small.
  const table = tableNamed('x86_64');
  const numbers = Object.values(table.syscalls).filter((nr, index, all) => all.indexOf(nr) === index).sort((a, b) => a - b).slice(0, 150);
  const names = new Map(Object.entries(table.syscalls).map(([name, nr]) => [nr, name]));
  const text = numbers.map((nr) => `${names.get(nr) ?? ''}: arg0 == ${nr + 1}\n`).join('');
  const program: SockFilter[] = [
    { code: 0x20, jt: 0, jf: 0, k: 4 },
    { code: 0x15, jt: 1, jf: 0, k: table.auditArch },
    { code: 0x06, jt: 0, jf: 0, k: 0x80000000 },
    { code: 0x20, jt: 0, jf: 0, k: 0 },
  ];
  for (const nr of numbers) {
    program.push(
      { code: 0x15, jt: 0, jf: 6, k: nr },
      { code: 0x20, jt: 0, jf: 0, k: 20 },
      { code: 0x15, jt: 0, jf: 3, k: 0 },
      { code: 0x20, jt: 0, jf: 0, k: 16 },
      { code: 0x15, jt: 0, jf: 1, k: nr + 1 },
      { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 },
      { code: 0x20, jt: 0, jf: 0, k: 0 },
    );
  }
  program.push({ code: 0x06, jt: 0, jf: 0, k: 0x00030000 });

  it.each(['auto', 'forward', 'backward'] as const)('is proved with the %s translation', (translation) => {
    const { result } = compileText(text, table, { defaultAction: 'trap', useKillProcess: true });
    if (result.lowered === undefined) throw new Error('no policy');
    expect(verifyProgram(result.lowered, program, { translation }).result).toBe('proved');
  });

  it('and a one-bit change in its last value is found', () => {
    const { result } = compileText(text, table, { defaultAction: 'trap', useKillProcess: true });
    if (result.lowered === undefined) throw new Error('no policy');
    const mutant = mutate(program, { kind: 'flip-constant', pc: program.length - 4, bit: 3 });
    if (mutant === undefined) throw new Error('no mutant');
    const verdict = verifyProgram(result.lowered, mutant);
    expect(verdict.result).toBe('counterexample');
    expectReplays(verdict, result.lowered, mutant);
  });
});

describe('verify: resource limits', () => {
  it('gives up with undecided, not proved, when the node budget is too small', () => {
    const { result } = compileText('read: allow\nwrite: arg0 == 1 || arg1 > 5\n', tableNamed('x86_64'), { defaultAction: 'trap' });
    if (result.lowered === undefined || result.program === undefined) throw new Error('no program');
    const verdict = verifyProgram(result.lowered, result.program, { maxNodes: 100 });
    expect(verdict.result).toBe('undecided');
    if (verdict.result === 'undecided') expect(verdict.reason).toContain('100 nodes');
  });
});

// Golden proofs: every crosvm policy compiled as crosvm's build does is proved.
const corpora = ['crosvm-2022-06', 'crosvm-2026-08'].map((name) => ({ name, data: sharedData(`corpus/${name}`) }));

describeWithShared('verify: crosvm corpora compiled with --default-action trap are proved', corpora.map(({ data }) => data), () => {
  const host = createNodeHost();
  const corpusCases = corpora.flatMap(({ name, data }) =>
    Object.keys(tables)
      .filter((arch) => existsSync(`${data.path}/${arch}`))
      .flatMap((arch) =>
        readdirSync(`${data.path}/${arch}`)
          .filter((file) => file.endsWith('.policy'))
          .sort()
          .map((file) => [name, arch, file, `${data.path}/${arch}/${file}`] as const),
      ),
  );
  it.each(corpusCases)('%s %s %s', (_corpus, arch, _file, path) => {
    const table = tableNamed(arch);
    const resolved = resolvePolicy(path, { host, arch });
    const compiled = compilePolicy(resolved, table, { defaultAction: 'trap' });
    if (compiled.lowered === undefined || compiled.program === undefined) throw new Error('does not compile');
    expect(verifyProgram(compiled.lowered, compiled.program).result).toBe('proved');
  });
});
