import { existsSync, readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeProgram, analyzeSyscall, argumentSamples, exploreSyscall, unreachableInstructions } from '../src/analyze.js';
import { explorePaths, solveWord, solveWordByCandidates, type WordCondition } from '../src/analyze-paths.js';
import { cacheCheck } from '../src/cache.js';
import type { BpfProgram } from '../src/types.js';
import { parseProgramText } from './disasm-fixture-parse.js';
import { miniArm, miniX86_64 } from './disasm-arch.js';
import { jump, stmt } from './emulator-asm.js';
import { compileText, numberOf, tableNamed } from './compile/helpers.js';
import { policyArb, renderPolicy } from './policy-arbitrary.js';

const ALLOW = 0x7fff0000;
const KILL = 0x80000000;
const allowlist = parseProgramText(
  readFileSync(new URL('./fixtures/programs/valid-x86_64-allowlist/program.txt', import.meta.url), 'utf8'),
);

describe('analyzeProgram on a hand-made allowlist (figures computed by hand)', () => {
  // read: pcs 0,1,3,4,5,10 = 6; write: 7; exit_group: 8; mmap allowed only with args[2] = 0
  // (hi 0, PROT_EXEC clear): pcs 0,1,3,4,5,6,7,8,12,13,15,16,18 = 13. Samples for mmap:
  // args[2].hi ∈ {0}, args[2].lo ∈ {0, 4} → one allowed vector, cost 13.
  const analysis = analyzeProgram(allowlist, {
    arch: miniX86_64,
    frequencies: new Map<string, number | bigint>([
      ['read', 10],
      ['mmap', 2n],
    ]),
  });
  it('counts verdicts', () => {
    expect(analysis).toMatchObject({ instructions: 19, alwaysAllowed: 3, conditional: 1, denied: 1020, unreachable: [] });
    expect(analysis.syscalls.filter((s) => s.verdict !== 'denied').map((s) => [s.name, s.verdict, s.cost])).toEqual([
      ['read', 'always-allowed', 6],
      ['write', 'always-allowed', 7],
      ['mmap', 'conditional', 13],
      ['exit_group', 'always-allowed', 8],
    ]);
  });
  it('computes costs and cache coverage', () => {
    expect(analysis.cacheCoverage).toBe(1);
    expect(analysis.costUniform).toBe((6 + 7 + 8 + 13) / 4);
    expect(analysis.costFrequency).toBeCloseTo((10 * 6 + 7 + 8 + 2 * 13) / 14, 12);
    expect(analysis.costCache).toBeCloseTo((2 * 13) / 14, 12);
    expect(analysis.maxCost).toBe(13);
  });
  it('counts denied syscalls the frequency map names at the cost of their denial', () => {
    // execve is denied (trap) after pcs 0,1,3,4,5,6,7,8,9: 9 instructions.
    const withExecve = analyzeProgram(allowlist, {
      arch: miniX86_64,
      frequencies: new Map<string, number | bigint>([['read', 10], ['mmap', 2], ['execve', 5]]),
    });
    expect(withExecve.syscalls[59]).toMatchObject({ verdict: 'denied', denialCost: 9, hasFrequency: true });
    expect(withExecve.costFrequency).toBeCloseTo((10 * 6 + 7 + 8 + 2 * 13 + 5 * 9) / 19, 12);
    expect(withExecve.costCache).toBeCloseTo((2 * 13 + 5 * 9) / 19, 12);
    expect(withExecve.costUniform).toBe(analysis.costUniform);
  });

  it('gives examples and actions for the conditional syscall', () => {
    const mmap = analysis.syscalls[9];
    expect(mmap?.actions).toEqual(['allow', 'errno']);
    expect(mmap?.allowedExample?.[2]).toBe(0n);
    expect(mmap?.deniedExample?.[2]).toBe(4n);
    expect(analysis.syscalls[59]?.actions).toEqual(['trap']);
    expect(analysis.syscalls[0]?.cacheable).toBe(true);
    expect(mmap?.cacheable).toBe(false);
  });
});

describe('symbolic exploration is sound about infeasible paths', () => {
  const cases: [string, BpfProgram, string][] = [
    [
      'arg0 == 5 or arg0 != 5 is always allowed',
      [stmt(0x20, 16), jump(0x15, 5, 2, 0), stmt(0x20, 16), jump(0x15, 5, 1, 0), stmt(0x06, ALLOW), stmt(0x06, KILL)],
      'always-allowed',
    ],
    [
      'a masked low byte of 0x12 can never equal 0x13',
      [stmt(0x20, 16), stmt(0x54, 0xff), jump(0x15, 0x12, 0, 3), stmt(0x20, 16), jump(0x15, 0x13, 1, 0), stmt(0x06, ALLOW), stmt(0x06, KILL)],
      'conditional',
    ],
    ['ret a of an argument may or may not allow', [stmt(0x20, 16), stmt(0x16)], 'conditional'],
    [
      'x > 10 and x < 5 is impossible, so nothing is denied',
      [stmt(0x20, 16), jump(0x25, 10, 0, 2), jump(0x35, 5, 0, 1), stmt(0x06, ALLOW), stmt(0x06, ALLOW), stmt(0x06, ALLOW)],
      'always-allowed',
    ],
    ['every path kills', [stmt(0x20, 24), jump(0x45, 1, 0, 1), stmt(0x06, KILL), stmt(0x06, 0x30000)], 'denied'],
  ];
  it.each(cases)('%s', (_name, program, verdict) => {
    expect(analyzeSyscall(program, 3, { arch: miniX86_64 }).verdict).toBe(verdict);
  });

  it('division by an unknown X may end the filter with 0', () => {
    const program: BpfProgram = [stmt(0x20, 16), stmt(0x07), stmt(0x00, 8), stmt(0x3c), stmt(0x06, ALLOW)];
    expect(analyzeSyscall(program, 3, { arch: miniX86_64 })).toMatchObject({ verdict: 'conditional', actions: ['allow', 'kill-thread'] });
  });

  it('knows high argument words are 0 on 32-bit architectures', () => {
    const program: BpfProgram = [stmt(0x20, 20), jump(0x15, 0, 0, 1), stmt(0x06, ALLOW), stmt(0x06, KILL)];
    expect(analyzeSyscall(program, 3, { arch: miniArm }).verdict).toBe('always-allowed');
    expect(analyzeSyscall(program, 3, { arch: miniX86_64 }).verdict).toBe('conditional');
  });

  it('falls back to sampling past the path limit and says so', () => {
    // 13 independent tests of different words that all rejoin: 2^13 paths.
    const program: BpfProgram = [
      ...Array.from({ length: 12 }, (_, word) => [stmt(0x20, 16 + 4 * word), jump(0x45, 1, 0, 1), stmt(0x00, 0)]).flat(),
      stmt(0x20, 8),
      jump(0x15, 7, 0, 1),
      stmt(0x06, KILL),
      stmt(0x06, ALLOW),
    ];
    const result = analyzeSyscall(program, 3, { arch: miniX86_64, maxPaths: 100 });
    expect(result.exact).toBe(false);
    expect(result.verdict).toBe('always-allowed'); // the ip word is never sampled away from 0
    expect(explorePaths(program, miniX86_64, 3, { maxPaths: 100 }).complete).toBe(false);
  });
});

describe('never hangs or throws on malformed programs', () => {
  // A negative jump offset (a field out of range) would loop without a bound.
  const looping: BpfProgram = [stmt(0x20, 16), { code: 0x15, jt: -2, jf: -2, k: 1 }, stmt(0x06, ALLOW)];
  it('analyses a program with backward jumps as invalid', () => {
    expect(analyzeSyscall(looping, 0, { arch: miniX86_64 })).toMatchObject({ verdict: 'denied', actions: ['unknown'] });
  });
  it('stops the cache emulation', () => {
    expect(cacheCheck([jump(0x05, -1, 0, 0), stmt(0x06, ALLOW)], 0xc000003e, 0).verdict).toBe('ran-off-end');
  });
});

describe('helpers', () => {
  it.each([
    ['eq and not-eq of the same value', [{ offset: 16, mask: 0xffffffff, op: 'eq', k: 5, holds: true }, { offset: 16, mask: 0xffffffff, op: 'eq', k: 5, holds: false }], false],
    ['masked value with bits outside the mask', [{ offset: 16, mask: 0xff, op: 'eq', k: 0x100, holds: true }], false],
    ['range gt 10, not ge 12 is 11', [{ offset: 16, mask: 0xffffffff, op: 'gt', k: 10, holds: true }, { offset: 16, mask: 0xffffffff, op: 'ge', k: 12, holds: false }], 11],
    ['jset needing a bit that is known 0', [{ offset: 16, mask: 0xf, op: 'eq', k: 0, holds: true }, { offset: 16, mask: 0xffffffff, op: 'set', k: 3, holds: true }], false],
    ['jset with a free bit', [{ offset: 16, mask: 0xf, op: 'eq', k: 0, holds: true }, { offset: 16, mask: 0xffffffff, op: 'set', k: 0x13, holds: true }], 'sat'],
    ['not below 0x80000000 and no bit 31', [{ offset: 16, mask: 0xffffffff, op: 'ge', k: 0x80000000, holds: true }, { offset: 16, mask: 0xffffffff, op: 'set', k: 0x80000000, holds: false }], false],
  ] as const)('solveWord: %s', (_name, conditions, expected) => {
    const found = solveWord(conditions);
    if (expected === 'sat') {
      expect(typeof found).toBe('number');
      expect(conditions.every((c) => (c.op === 'set' ? ((Number(found) & c.mask & c.k) !== 0) === c.holds : ((Number(found) & c.mask) === c.k) === c.holds))).toBe(true);
    } else expect(found).toBe(expected);
  });

  it('finds unreachable instructions', () => {
    expect(unreachableInstructions([jump(0x05, 1, 0, 0), stmt(0x06, 0), jump(0x15, 0, 1, 1), stmt(0x06, 0), stmt(0x06, ALLOW)])).toEqual([1, 3]);
  });

  it('samples the product of candidates, or a fixed-seed subset of it', () => {
    const outcomes = explorePaths(allowlist, miniX86_64, 9).outcomes;
    expect(argumentSamples(outcomes, true).map((args) => args[2])).toEqual([0n, 4n]);
    const big = argumentSamples(outcomes, true, 1);
    expect(big).toHaveLength(1);
    expect(argumentSamples(outcomes, true, 1)).toEqual(big);
  });
});

describe('the argument-free fast path gives what exploration and sampling give', () => {
  const programFixtures = new URL('./fixtures/programs/', import.meta.url);
  const handWritten = readdirSync(programFixtures)
    .filter((name) => existsSync(new URL(`${name}/program.txt`, programFixtures)))
    .map((name): [string, BpfProgram] => [name, parseProgramText(readFileSync(new URL(`${name}/program.txt`, programFixtures), 'utf8'))]);
  const numbers = [...Array.from({ length: 64 }, (_, nr) => nr), 0x40000000, 1023, 0xffffffff];
  it.each(handWritten)('on the hand-written program %s, every number', (_name, program) => {
    for (const nr of numbers) expect(analyzeSyscall(program, nr, { arch: miniX86_64 })).toEqual(exploreSyscall(program, nr, { arch: miniX86_64 }));
  });
  it('on compiled random policies (every architecture), every listed number and the edges', () => {
    fc.assert(
      fc.property(policyArb, (policy) => {
        const table = tableNamed(policy.arch);
        const present = { ...policy, syscalls: policy.syscalls.filter(({ name }) => Object.hasOwn(table.syscalls, name)) };
        const { text, frequency } = renderPolicy(present, table.bits);
        const { program, lowered } = compileText(text, table, policy.defaultAction === undefined ? {} : { defaultAction: policy.defaultAction }, { '/p/main.frequency': frequency }).result;
        if (program === undefined || lowered === undefined) throw new Error('no program');
        const options = { arch: table, frequencies: new Map<string, number>([['read', 7]]) };
        const listed = present.syscalls.map(({ name }) => numberOf(table, name));
        for (const nr of [...listed, 0, 1, 0x40000000, lowered.arch.highestNumber, lowered.arch.highestNumber + 1, 0xffffffff]) {
          expect(analyzeSyscall(program, nr, options)).toEqual(exploreSyscall(program, nr, options));
        }
      }),
      { numRuns: 25 },
    );
  }, 600_000);
});

describe('solveWord on whole-word jeq/jgt/jge conditions', () => {
  // Constants near each other, so that exclusions, bounds and equalities collide often.
  const conditionArb = fc.record({
    offset: fc.constant(16),
    mask: fc.constant(0xffffffff),
    op: fc.constantFrom('eq' as const, 'gt' as const, 'ge' as const),
    k: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0xfffffff4, max: 0xffffffff }), fc.nat()),
    holds: fc.boolean(),
  });
  it('answers as the candidate search does, value included', () => {
    fc.assert(
      fc.property(fc.array(conditionArb, { maxLength: 40 }), (conditions) => {
        expect(solveWord(conditions)).toBe(solveWordByCandidates(conditions));
      }),
      { numRuns: 3000 },
    );
  });
  it.each([
    ['an interval fully excluded is undecided, as before', [{ op: 'ge', k: 5, holds: true }, { op: 'gt', k: 6, holds: false }, { op: 'eq', k: 5, holds: false }, { op: 'eq', k: 6, holds: false }], undefined],
    ['two different equalities contradict', [{ op: 'eq', k: 5, holds: true }, { op: 'eq', k: 6, holds: true }], false],
    ['an equality outside the bounds contradicts', [{ op: 'eq', k: 5, holds: true }, { op: 'gt', k: 5, holds: true }], false],
    ['the bounds, then the walk inwards from them', [{ op: 'gt', k: 9, holds: true }, { op: 'gt', k: 20, holds: false }, { op: 'eq', k: 10, holds: false }, { op: 'eq', k: 20, holds: false }], 11],
  ] as const)('%s', (_name, partial, expected) => {
    const conditions = partial.map((c) => ({ ...c, offset: 16, mask: 0xffffffff }));
    expect(solveWord(conditions)).toBe(expected);
    expect(solveWordByCandidates(conditions)).toBe(expected);
  });
});

describe('solveWord keeps the candidate search’s answers by exactly what it reads', () => {
  const c = (mask: number, op: WordCondition['op'], k: number, holds: boolean): WordCondition => ({ offset: 16, mask, op, k, holds });
  // Pairs of lists that differ in one field and have different answers: a key that missed the
  // field would hand the second list the first one's answer.
  it.each<[string, WordCondition[], WordCondition[]]>([
    ['the mask', [c(0xff, 'eq', 1, true), c(0xf0, 'eq', 64, false)], [c(0xf0, 'eq', 1, true), c(0xf0, 'eq', 64, false)]],
    ['the comparison', [c(0xff00, 'eq', 0, false), c(0xff, 'eq', 20, false)], [c(0xff00, 'set', 0, false), c(0xff, 'eq', 20, false)]],
    ['the constant', [c(0xff00, 'eq', 0, false), c(0xff, 'eq', 20, false)], [c(0xff00, 'eq', 4, false), c(0xff, 'eq', 20, false)]],
    ['the branch', [c(0xf0, 'eq', 16, false), c(0xff, 'eq', 4, false)], [c(0xf0, 'eq', 16, true), c(0xff, 'eq', 4, false)]],
    ['one more condition', [c(0xff, 'eq', 1, true)], [c(0xff, 'eq', 1, true), c(0xff, 'set', 1, false)]],
  ])('a list that differs in %s gets its own answer', (_field, first, second) => {
    expect(solveWordByCandidates(first)).not.toBe(solveWordByCandidates(second));
    for (const conditions of [first, second, first, second]) expect(solveWord(conditions)).toBe(solveWordByCandidates(conditions));
  });
  it('answers a list met again as the search does, for masked and jset conditions', () => {
    const masked = fc.record({
      offset: fc.constant(16),
      mask: fc.constantFrom(0xffffffff, 0xff, 0xf0f0, 0x80000001),
      op: fc.constantFrom('eq' as const, 'gt' as const, 'ge' as const, 'set' as const),
      k: fc.oneof(fc.integer({ min: 0, max: 16 }), fc.constantFrom(0x80, 0x8000, 0x80000000, 0xffffffff)),
      holds: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(masked, { maxLength: 12 }), (conditions) => {
        expect(solveWord(conditions)).toBe(solveWordByCandidates(conditions));
        expect(solveWord(conditions)).toBe(solveWordByCandidates(conditions));
      }),
      { numRuns: 2000 },
    );
  });
});
