// The per-syscall proof (src/verify-syscall.ts) against the whole-input proof it stands in for:
// with one cache shared by every program of a test (as a build shares it), `proveProgram` gives
// `verifyProgram`'s verdict, counterexample and reason on emitted programs, on every mutant of
// them (a mutant that decides one input differently is never proved), on one policy's program
// held against another policy, and on hand-written shapes the compiler never emits (a linear
// filter, the x32 bit tested with jset, scratch memory, arithmetic on the number); and it shares
// work (a program proved again adds no node to the store).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LoweredPolicy } from '../src/lower.js';
import { BPF_ABS, BPF_ALU, BPF_AND, BPF_JEQ, BPF_JGE, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_MEM, BPF_RET, BPF_ST, BPF_W, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_TRAP } from '../src/opcodes.js';
import type { BpfProgram } from '../src/types.js';
import { type Verification, verifyProgram } from '../src/verify.js';
import { type ProofCache, createProofCache, proveProgram } from '../src/verify-syscall.js';
import { compileText, numberOf, tableNamed } from './compile/helpers.js';
import { jump, stmt } from './emulator-asm.js';
import { mutate, mutationsOf } from './mutants.js';
import { policyAgainstProgram, policyArb, renderPolicy } from './policy-arbitrary.js';

/** A verdict without its diagram size (the split proof builds other diagrams, so sizes differ). */
function verdictOf(verification: Verification): unknown {
  return { ...verification, stats: undefined };
}

/** The split proof's verdict must be the whole-input proof's, exactly. */
function expectSameVerdict(policy: LoweredPolicy, program: BpfProgram, cache: ProofCache, what: string): Verification {
  const whole = verifyProgram(policy, program);
  expect(verdictOf(proveProgram(policy, program, cache)), what).toEqual(verdictOf(whole));
  return whole;
}

const texts: readonly [string, string][] = [
  ['x86_64', 'read: allow\nwrite: arg0 == 1 || arg0 == 2\nioctl: arg1 == 0x5401 || arg1 == 0x5413; return 25\nmmap: arg2 in 0x3 && arg3 & 0x20\nmprotect: arg2 in 0x3 && arg3 & 0x20\nopenat: arg2 > 0x100000000\nclose: allow\nfutex: arg1 <= 0x80\n'],
  ['aarch64', 'fcntl: arg1 == 1 || arg1 == 2 || arg1 == 3 || arg1 == 4 || arg1 == 1030 || arg1 == 1031\nread: allow\nwrite: allow\nprctl: arg0 != 15; return 1\n'],
  ['arm', 'read: allow\nwrite: arg0 >= 3\nioctl: arg1 & 0xff00\nclose: return 9\nmadvise: arg2 == 4 || arg2 == 9\n'],
];

describe('proveProgram: the verdict of verifyProgram, sooner', () => {
  it.each(texts)('%s: the emitted program and every mutant of it', (arch, text) => {
    const cache = createProofCache();
    const { result } = compileText(text, tableNamed(arch), { defaultAction: 'trap' });
    const { lowered, program } = result;
    if (lowered === undefined || program === undefined) throw new Error('no program');
    expect(expectSameVerdict(lowered, program, cache, 'emitted').result).toBe('proved');
    let refuted = 0;
    let mutants = 0;
    for (const mutation of mutationsOf(program, arch.length)) {
      const mutant = mutate(program, mutation);
      if (mutant === undefined) continue;
      mutants++;
      if (expectSameVerdict(lowered, mutant, cache, JSON.stringify(mutation)).result === 'counterexample') refuted++;
    }
    // The test has power: most mutants decide some input differently.
    expect(refuted, `${refuted} of ${mutants}`).toBeGreaterThan(mutants / 2);
  }, 120_000);

  it('random policies: their programs, mutants of them, and one policy against another policy', () => {
    const cache = createProofCache();
    fc.assert(
      fc.property(policyArb, policyArb, fc.nat(), (first, second, seed) => {
        const table = tableNamed(first.arch);
        const present = { ...first, syscalls: first.syscalls.filter(({ name }) => Object.hasOwn(table.syscalls, name)) };
        const { text, frequency } = renderPolicy(present, table.bits);
        const options = { ...(first.defaultAction === undefined ? {} : { defaultAction: first.defaultAction }), useKillProcess: first.useKillProcess, passes: first.passes };
        const { result } = compileText(text, table, options, { '/p/main.frequency': frequency });
        if (result.lowered === undefined || result.program === undefined) throw new Error('no program');
        expect(expectSameVerdict(result.lowered, result.program, cache, text).result).toBe('proved');
        // A sample of the mutants (every one would take minutes over all runs).
        const mutations = mutationsOf(result.program, seed).filter((_, index) => index % 31 === seed % 31);
        for (const mutation of mutations) {
          const mutant = mutate(result.program, mutation);
          if (mutant !== undefined) expectSameVerdict(result.lowered, mutant, cache, `${text}\n${JSON.stringify(mutation)}`);
        }
        const crossed = policyAgainstProgram(first, second);
        expectSameVerdict(crossed.policy, crossed.program, cache, 'crossed');
      }),
      { numRuns: 10 },
    );
  }, 300_000);

  it('shares work: a program proved again adds no node, and is still proved', () => {
    const cache = createProofCache();
    const { result } = compileText(texts[0]?.[1] ?? '', tableNamed('x86_64'), { defaultAction: 'trap' });
    if (result.lowered === undefined || result.program === undefined) throw new Error('no program');
    const first = proveProgram(result.lowered, result.program, cache);
    expect(first.result).toBe('proved');
    expect(first.stats.nodes).toBeGreaterThan(0);
    const again = proveProgram(result.lowered, result.program.map((insn) => ({ ...insn })), cache);
    expect(again).toEqual({ result: 'proved', stats: { nodes: 0 } });
  });
});

describe('proveProgram: hand-written shapes the compiler does not emit', () => {
  const table = tableNamed('x86_64');
  const { result } = compileText('read: allow\nwrite: arg0 == 1\nclose: allow\n', table, { defaultAction: 'trap' });
  const policy = result.lowered;
  if (policy === undefined) throw new Error('no policy');
  const arch = table.auditArch;
  const trap = SECCOMP_RET_TRAP;
  const allow = SECCOMP_RET_ALLOW;
  const load = (offset: number) => stmt(BPF_LD | BPF_W | BPF_ABS, offset);
  const ret = (value: number) => stmt(BPF_RET | BPF_K, value);
  // Minijail's linear layout: one jeq per number, the argument test falling through to the next number.
  const linear = (writeValue: number, x32Test: 'jge' | 'jset'): BpfProgram => [
    load(4),
    jump(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
    ret(SECCOMP_RET_KILL_PROCESS),
    load(0),
    x32Test === 'jge' ? jump(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1) : jump(BPF_JMP | BPF_JSET | BPF_K, 0x40000000, 0, 1),
    ret(SECCOMP_RET_KILL_PROCESS),
    jump(BPF_JMP | BPF_JEQ | BPF_K, numberOf(table, 'read'), 0, 1),
    ret(allow),
    jump(BPF_JMP | BPF_JEQ | BPF_K, numberOf(table, 'write'), 0, 4),
    load(16),
    jump(BPF_JMP | BPF_JEQ | BPF_K, writeValue, 0, 2),
    load(20),
    jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 4, 0),
    load(0),
    jump(BPF_JMP | BPF_JEQ | BPF_K, numberOf(table, 'close'), 0, 1),
    ret(allow),
    ret(trap),
    ret(allow),
  ];
  // The number kept in scratch memory and masked before the dispatch.
  const masked = (mask: number): BpfProgram => [
    load(4),
    jump(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
    ret(SECCOMP_RET_KILL_PROCESS),
    load(0),
    stmt(BPF_ST, 3),
    stmt(BPF_ALU | BPF_AND | BPF_K, mask),
    jump(BPF_JMP | BPF_JEQ | BPF_K, numberOf(table, 'read'), 0, 1),
    ret(allow),
    stmt(BPF_LD | BPF_MEM, 3),
    jump(BPF_JMP | BPF_JEQ | BPF_K, numberOf(table, 'close'), 0, 1),
    ret(allow),
    ret(SECCOMP_RET_ERRNO | 1),
  ];
  const cases: readonly [string, BpfProgram][] = [
    ['a linear filter (x32 bit by jge)', linear(1, 'jge')],
    ['a linear filter (x32 bit by jset)', linear(1, 'jset')],
    ['a linear filter testing the wrong value', linear(2, 'jge')],
    ['the number masked in A, kept in scratch memory', masked(0xffffffff)],
    ['the number masked to fewer bits', masked(0xff)],
  ];
  it.each(cases)('%s', (_name, program) => {
    expectSameVerdict(policy, program, createProofCache(), 'hand-written');
  });
});
