// diffDecisions: the exact differences between two sides, per syscall, as conditions. Checked
// two ways: hand-picked policies whose differences are known (table), and random policy pairs
// where every sampled input must fall in exactly the change its two actions name (property).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatReturnValue } from '../src/disasm.js';
import { emulate, type SeccompData } from '../src/emulate.js';
import type { LoweredPolicy } from '../src/lower.js';
import { actionReturnValue } from '../src/options.js';
import { evaluatePolicy } from '../src/reference.js';
import type { BpfProgram } from '../src/types.js';
import { normalizeReturnValue } from '../src/verify.js';
import { type DecisionChange, type DecisionDiff, type FieldCondition, type InputTerm, diffDecisions } from '../src/verify-diff.js';
import { compileText, tableNamed } from './compile/helpers.js';
import { policyAgainstProgram, policyArb } from './policy-arbitrary.js';

const x86 = tableNamed('x86_64');

function compiled(text: string, arch = x86): { policy: LoweredPolicy; program: BpfProgram } {
  const { result } = compileText(text, arch, { defaultAction: 'trap' });
  if (result.lowered === undefined || result.program === undefined) throw new Error(`no program for ${text}`);
  return { policy: result.lowered, program: result.program };
}

/** The value a condition reads from an input. */
function fieldValue(condition: FieldCondition, input: SeccompData): bigint {
  const { field } = condition;
  const whole =
    field === 'arch' ? BigInt(input.arch) : field === 'nr' ? BigInt(input.nr) : field === 'ip' ? input.instructionPointer : (input.args[Number(field.slice(3))] ?? 0n);
  return condition.half === 'low' ? whole & 0xffffffffn : condition.half === 'high' ? whole >> 32n : whole;
}

function holds(condition: FieldCondition, input: SeccompData): boolean {
  const value = fieldValue(condition, input);
  switch (condition.kind) {
    case 'equal':
      return value === condition.value;
    case 'not-equal':
      return value !== condition.value;
    case 'range':
      return condition.min <= value && value <= condition.max;
    case 'masked':
      return (value & condition.mask) === condition.value;
  }
}

const termHolds = (term: InputTerm, input: SeccompData): boolean => term.every((condition) => holds(condition, input));

/** The changes of the group an input belongs to (its syscall, the other numbers, or other architectures). */
function groupOf(diff: Extract<DecisionDiff, { result: 'different' }>, input: SeccompData, policy: LoweredPolicy): readonly DecisionChange[] {
  if (input.arch !== policy.arch.auditArch) return diff.otherArchitectures;
  if (!policy.arch.numbers.includes(input.nr)) return diff.otherNumbers;
  return diff.syscalls.find((syscall) => syscall.nr === input.nr)?.changes ?? [];
}

const policyAction = (policy: LoweredPolicy, input: SeccompData): string =>
  formatReturnValue(normalizeReturnValue(actionReturnValue(evaluatePolicy(policy, input).action)));

function programAction(program: BpfProgram, input: SeccompData, byteOrder: 'little' | 'big'): string {
  const result = emulate(program, input, { byteOrder, recordPath: false });
  if (!result.ok) throw new Error(result.error.message);
  return formatReturnValue(normalizeReturnValue(result.returnValue));
}

describe('diffDecisions: known differences', () => {
  const u64 = 0xffffffffffffffffn;
  it.each([
    ['two allowed values of four', 'write: allow\n', 'write: arg0 == 1 || arg0 == 2\n', 'write', [[{ field: 'arg0', kind: 'equal', value: 0n }], [{ field: 'arg0', kind: 'range', min: 3n, max: u64 }]]],
    ['all values but one', 'write: allow\n', 'write: arg1 == 5\n', 'write', [[{ field: 'arg1', kind: 'not-equal', value: 5n }]]],
    ['a flag test', 'mmap: allow\n', 'mmap: arg2 in ~PROT_EXEC\n', 'mmap', [[{ field: 'arg2', kind: 'masked', mask: 4n, value: 4n }]]],
    ['a bound on the high half', 'read: allow\n', 'read: arg2 < 0x100000000\n', 'read', [[{ field: 'arg2', kind: 'range', min: 0x100000000n, max: u64 }]]],
    [
      'two arguments',
      'futex: allow\n',
      'futex: arg1 <= 5 || arg2 != 7\n',
      'futex',
      [[{ field: 'arg1', kind: 'range', min: 6n, max: u64 }, { field: 'arg2', kind: 'equal', value: 7n }]],
    ],
  ] as const)('%s', (_name, before, after, syscall, when) => {
    const old = compiled(before);
    const now = compiled(after);
    const diff = diffDecisions({ kind: 'filter', programs: [old.program] }, { kind: 'policy', policy: now.policy }, now.policy.arch);
    expect(diff.result).toBe('different');
    if (diff.result !== 'different') return;
    expect(diff.syscalls.map((entry) => entry.name)).toEqual([syscall]);
    const [change] = diff.syscalls[0]?.changes ?? [];
    expect(diff.syscalls[0]?.changes).toHaveLength(1);
    expect(change).toMatchObject({ kind: 'removed', before: 'ALLOW', after: 'TRAP', complete: true, when });
    // The witness is an input of the set, and the new side names the rule that did not match.
    expect(change?.when.some((term) => termHolds(term, change.witness))).toBe(true);
    expect(change?.new.decision?.kind).toBe('fallback-default');
    expect([diff.otherNumbers, diff.otherArchitectures]).toEqual([[], []]);
  });

  it('on a 32-bit architecture a bound is on the low half only', () => {
    const arm = tableNamed('arm');
    const diff = diffDecisions({ kind: 'policy', policy: compiled('read: allow\n', arm).policy }, { kind: 'policy', policy: compiled('read: arg0 <= 5\n', arm).policy }, compiled('read: allow\n', arm).policy.arch);
    if (diff.result !== 'different') throw new Error(diff.result);
    expect(diff.syscalls[0]?.changes[0]?.when).toEqual([[{ field: 'arg0', half: 'low', kind: 'range', min: 6n, max: 0xffffffffn }]]);
  });

  it('is same, a proof, for a policy and its own program, and for two programs of one policy', () => {
    const text = 'read: allow\nwrite: arg0 == 1 || arg0 == 2\nmmap: arg2 in ~PROT_EXEC\nopenat: return ENOENT\n';
    const { policy, program } = compiled(text);
    const unoptimised = compileText(text, x86, { defaultAction: 'trap', optimize: false }).result.program ?? [];
    expect(diffDecisions({ kind: 'policy', policy }, { kind: 'filter', programs: [program] }, policy.arch).result).toBe('same');
    expect(diffDecisions({ kind: 'filter', programs: [unoptimised] }, { kind: 'filter', programs: [program] }, policy.arch).result).toBe('same');
  });

  it('cuts a long list of terms and says so, with a witness still', () => {
    const old = compiled('write: allow\n');
    const now = compiled(`write: ${Array.from({ length: 12 }, (_, index) => `arg0 == ${index * 2}`).join(' || ')}\n`);
    const diff = diffDecisions({ kind: 'policy', policy: old.policy }, { kind: 'policy', policy: now.policy }, now.policy.arch, { maxTerms: 2 });
    if (diff.result !== 'different') throw new Error(diff.result);
    const change = diff.syscalls[0]?.changes[0];
    expect(change?.complete).toBe(false);
    expect(change?.when.length).toBeLessThanOrEqual(2);
    expect(policyAction(now.policy, change?.witness ?? ({} as SeccompData))).toBe('TRAP');
  });

  it('reports an undecided program instead of a difference', () => {
    const retA: BpfProgram = [
      { code: 0x20, jt: 0, jf: 0, k: 16 },
      { code: 0x16, jt: 0, jf: 0, k: 0 },
    ];
    const { policy } = compiled('read: allow\n');
    expect(diffDecisions({ kind: 'policy', policy }, { kind: 'filter', programs: [retA] }, policy.arch)).toMatchObject({ result: 'undecided', pc: 1 });
  });
});

describe('diffDecisions: random policy pairs', () => {
  it('every sampled input is in exactly the change its two actions name, and in none when they agree', () => {
    fc.assert(
      fc.property(policyArb, policyArb, fc.nat(), (first, second, seed) => {
        const { table, policy: policyA, program: programB, constants } = policyAgainstProgram(first, second);
        const diff = diffDecisions({ kind: 'policy', policy: policyA }, { kind: 'filter', programs: [programB] }, policyA.arch);
        expect(diff.result).not.toBe('undecided');
        const pool = [0n, 1n, 0xffffffffn, 0x100000000n, ...constants, ...constants.map((value) => value + 1n), ...constants.map((value) => value - 1n)].map((value) => BigInt.asUintN(64, value));
        let state = seed >>> 0;
        const pick = <T>(items: readonly T[]): T => {
          state = (Math.imul(state, 1103515245) + 12345) >>> 0;
          return items[state % items.length] as T;
        };
        const numbers = [...policyA.syscalls.map((syscall) => syscall.number), 0, 0x40000000, 0xffffffff, policyA.arch.highestNumber + 1];
        for (let index = 0; index < 200; index++) {
          const input: SeccompData = {
            nr: pick(numbers),
            arch: index % 23 === 0 ? 0x40000003 : policyA.arch.auditArch,
            instructionPointer: 0n,
            args: Array.from({ length: 6 }, () => pick(pool)),
          };
          const before = policyAction(policyA, input);
          const after = programAction(programB, input, table.endianness);
          if (diff.result === 'same') {
            expect(after).toBe(before);
            continue;
          }
          if (diff.result !== 'different') continue;
          const group = groupOf(diff, input, policyA);
          const matching = group.filter((change) => !change.complete || change.when.some((term) => termHolds(term, input)));
          if (before === after) expect(matching.filter((change) => change.complete)).toEqual([]);
          else {
            const named = group.filter((change) => change.before === before && change.after === after);
            expect(named).toHaveLength(1);
            if (named[0]?.complete === true) expect(named[0].when.some((term) => termHolds(term, input))).toBe(true);
            expect(matching.filter((change) => change.complete && change !== named[0])).toEqual([]);
          }
        }
      }),
      { numRuns: 40 },
    );
  }, 600_000);
});
