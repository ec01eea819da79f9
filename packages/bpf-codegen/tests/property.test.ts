// Property tests: for random policies and inputs, the emulated program agrees with the reference
// semantics, with every optimisation on and with all of them off; programs are valid and
// byte-identical across runs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type GenerateOptions } from '../src/compile.js';
import { emulate } from '../src/emulate.js';
import { actionReturnValue } from '../src/options.js';
import type { LoweredPolicy } from '../src/lower.js';
import { type SyscallInput, evaluatePolicy } from '../src/reference.js';
import type { BpfProgram } from '../src/types.js';
import { validateProgram } from '../src/validate.js';
import { compileText, numberOf, tableNamed } from './compile/helpers.js';
import { actionArb, hex, policyArb, renderPolicy, valueArb } from './policy-arbitrary.js';

/** Every program decides `input` as the reference semantics of `lowered` does. */
function expectAgreement(programs: readonly BpfProgram[], lowered: LoweredPolicy, input: SyscallInput, text: string): void {
  const expected = actionReturnValue(evaluatePolicy(lowered, input).action);
  for (const program of programs) {
    const result = emulate(program, { ...input, instructionPointer: 0n }, { recordPath: false });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.returnValue >>> 0, `${text}\n${JSON.stringify(input, (_k, v: unknown) => (typeof v === 'bigint' ? hex(v) : v))}`).toBe(expected);
  }
}

function argumentCandidates(constants: readonly bigint[]): bigint[] {
  const values = new Set<bigint>([0n, 0xffffffffffffffffn]);
  for (const constant of constants) {
    for (const delta of [-1n, 0n, 1n]) values.add((constant + delta) & ((1n << 64n) - 1n));
    values.add(constant | 0x100000000n);
  }
  return [...values];
}

describe('compiled programs agree with the reference semantics', () => {
  it('for random policies and inputs, optimised, unoptimised and with random passes', () => {
    fc.assert(
      fc.property(policyArb, fc.infiniteStream(fc.nat()), (policy, randomness) => {
        const table = tableNamed(policy.arch);
        const present = { ...policy, syscalls: policy.syscalls.filter(({ name }) => Object.hasOwn(table.syscalls, name)) };
        const { text, frequency, constants } = renderPolicy(present, table.bits);
        const options: GenerateOptions = {
          ...(policy.defaultAction === undefined ? {} : { defaultAction: policy.defaultAction }),
          useKillProcess: policy.useKillProcess,
          logFailures: policy.logFailures,
        };
        const optimised = compileText(text, table, options, { '/p/main.frequency': frequency });
        const unoptimised = compileText(text, table, { ...options, optimize: false }, { '/p/main.frequency': frequency });
        const again = compileText(text, table, options, { '/p/main.frequency': frequency });
        const mixed = compileText(text, table, { ...options, passes: policy.passes }, { '/p/main.frequency': frequency });
        expect(optimised.resolved.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        expect(optimised.result.diagnostics).toEqual([]);
        const lowered = optimised.result.lowered;
        const fast = optimised.result.program;
        const plain = unoptimised.result.program;
        const some = mixed.result.program;
        if (lowered === undefined || fast === undefined || plain === undefined || some === undefined) throw new Error('no program');
        const programs = [fast, plain, some];
        expect(again.result.program).toEqual(fast);
        for (const program of programs) {
          expect(validateProgram(program).filter((d) => d.severity === 'error')).toEqual([]);
        }

        const numbers = [
          ...present.syscalls.map(({ name }) => numberOf(table, name)),
          0, 1, 0x40000000 | 1, 0x40000000 | numberOf(table, 'read'), 0xffffffff, 1023, lowered.arch.highestNumber,
          lowered.arch.highestNumber + 1,
        ];
        const args = argumentCandidates(constants);
        const iterator = randomness[Symbol.iterator]();
        const pick = <T>(items: readonly T[]): T => items[(iterator.next().value as number) % items.length] as T;
        for (let sample = 0; sample < 60; sample++) {
          const nr = pick(numbers);
          const arch = sample % 13 === 0 ? pick([0, 0x40000003, 0xc00000b7, 0xc000003e, 0x40000028]) : table.auditArch;
          const input = { nr, arch, args: [pick(args), pick(args), pick(args), pick(args), pick(args), pick(args)] };
          expectAgreement(programs, lowered, input, text);
        }
      }),
      { numRuns: 40 },
    );
  }, 600_000);
});

// Long `arg == V || …` lists are tested as value sets (a high-word test per distinct high half,
// a search tree over the low words). Values share high halves and form runs, other alternatives
// and rules are mixed in, and inputs are the values, their neighbours and other high halves.
const setValueArb = fc
  .record({ hi: fc.constantFrom(0n, 0n, 0n, 1n, 0xffffffffn, 0x80000000n), lo: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(0xffffffff, 0x80000000, 0x4008af00, 0xc008af12)) })
  .map(({ hi, lo }) => (hi << 32n) | BigInt(lo));
const setRuleArb = fc.record({
  arg: fc.integer({ min: 0, max: 2 }),
  values: fc.array(setValueArb, { minLength: 1, maxLength: 24 }),
  extra: fc.array(
    fc.record({ arg: fc.integer({ min: 0, max: 2 }), op: fc.constantFrom('==', '==', '!=', '<', '>=', '&', 'in'), value: fc.oneof(setValueArb, valueArb) }),
    { minLength: 0, maxLength: 3 },
  ),
  otherArgValues: fc.array(setValueArb, { minLength: 0, maxLength: 5 }),
  action: fc.option(actionArb, { nil: undefined }),
});
const setPolicyArb = fc.record({
  arch: fc.constantFrom('x86_64', 'aarch64', 'arm'),
  rules: fc.array(fc.record({ name: fc.constantFrom('ioctl', 'fcntl', 'prctl', 'madvise'), rule: setRuleArb }), { minLength: 1, maxLength: 5 }),
  fallback: fc.option(actionArb, { nil: undefined }),
});

describe('value sets agree with the reference semantics', () => {
  it('for random long == lists, with the value-set pass on and off', () => {
    fc.assert(
      fc.property(setPolicyArb, fc.infiniteStream(fc.nat()), (policy, randomness) => {
        const table = tableNamed(policy.arch);
        const mask = table.bits === 64 ? (1n << 64n) - 1n : 0xffffffffn;
        const constants: bigint[] = [];
        const lines = policy.rules.map(({ name, rule }) => {
          // Other alternatives come first, so what their failed tests taught is known at the set.
          const alternatives = [
            ...rule.extra.map((atom) => `arg${atom.arg} ${atom.op} ${hex(atom.value & mask)}`),
            ...rule.values.map((value) => `arg${rule.arg} == ${hex(value & mask)}`),
            ...rule.otherArgValues.map((value) => `arg${(rule.arg + 1) % 3} == ${hex(value & mask)}`),
          ];
          constants.push(...[...rule.values, ...rule.otherArgValues, ...rule.extra.map((atom) => atom.value)].map((value) => value & mask));
          return `${name}: ${alternatives.join(' || ')}${rule.action === undefined ? '' : `; ${rule.action}`}`;
        });
        const names = [...new Set(policy.rules.map(({ name }) => name))];
        if (policy.fallback !== undefined) for (const name of names) lines.push(`${name}: ${policy.fallback}`);
        const text = `${lines.join('\n')}\n`;
        const withSets = compileText(text, table, { defaultAction: 'trap' });
        const without = compileText(text, table, { defaultAction: 'trap', passes: { valueSets: false } });
        const lowered = withSets.result.lowered;
        if (lowered === undefined || withSets.result.program === undefined || without.result.program === undefined) {
          throw new Error(`no program:\n${text}${JSON.stringify(withSets.result.diagnostics)}`);
        }
        const programs = [withSets.result.program, without.result.program];
        for (const program of programs) expect(validateProgram(program).filter((d) => d.severity === 'error')).toEqual([]);
        const args = argumentCandidates(constants).flatMap((value) => [value, value ^ (1n << 32n), value & 0xffffffffn]);
        const iterator = randomness[Symbol.iterator]();
        const pick = <T>(items: readonly T[]): T => items[(iterator.next().value as number) % items.length] as T;
        for (let sample = 0; sample < 80; sample++) {
          const input = { nr: numberOf(table, pick(names)), arch: table.auditArch, args: [pick(args), pick(args), pick(args), pick(args), pick(args), pick(args)] };
          expectAgreement(programs, lowered, input, text);
        }
      }),
      { numRuns: 100 },
    );
  }, 600_000);
});
