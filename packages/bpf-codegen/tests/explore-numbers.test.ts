// explorePathsForNumbers walks a program once for many syscall numbers; each number's result must
// be exactly explorePaths' for that number alone (which folds the number as a constant). Cases
// where numbers that a coarse search would lump together take different paths (one number in
// the middle of a range, a masked number, the number reused after an argument check), the path
// limit per number, and random programs over every instruction that can touch the number.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ExploreOptions, explorePaths, explorePathsForNumbers } from '../src/analyze-paths.js';
import { emulate } from '../src/emulate.js';
import type { BpfProgram, SockFilter } from '../src/types.js';
import { miniX86_64 } from './disasm-arch.js';
import { jump, stmt } from './emulator-asm.js';

const ALLOW = 0x7fff0000;
const KILL = 0x80000000;
const ldNr = stmt(0x20, 0);
const ldArg0 = stmt(0x20, 16);
const allow = stmt(0x06, ALLOW);
const kill = stmt(0x06, KILL);

/** Every number's exploration, one walk for all and one walk each, which must be equal. */
function bothWays(program: BpfProgram, numbers: readonly number[], options: ExploreOptions = {}) {
  const together = explorePathsForNumbers(program, miniX86_64, numbers, options);
  const alone = numbers.map((nr) => explorePaths(program, miniX86_64, nr, options));
  return { together, alone };
}

const returnsOf = (program: BpfProgram, numbers: readonly number[], options: ExploreOptions = {}): (number | undefined)[][] => {
  const { together, alone } = bothWays(program, numbers, options);
  expect(together).toEqual(alone);
  return together.map((exploration) => exploration.outcomes.map((outcome) => outcome.returnValue));
};

describe('explorePathsForNumbers: each number as if explored alone', () => {
  it.each<{ name: string; program: BpfProgram; numbers: number[]; returns: (number | undefined)[][] }>([
    {
      // [10, 20) allowed, but 15 only with arg0 == 7; the walk must split the range around 15.
      name: 'one number in the middle of a range takes its own path',
      program: [ldNr, jump(0x35, 10, 0, 5), jump(0x25, 19, 4, 0), jump(0x15, 15, 0, 2), ldArg0, jump(0x15, 7, 0, 1), allow, kill],
      numbers: [5, 10, 14, 15, 16, 19, 20],
      returns: [[KILL], [ALLOW], [ALLOW], [ALLOW, KILL], [ALLOW], [ALLOW], [KILL]],
    },
    {
      // The same numbers given out of order and twice.
      name: 'numbers out of order and repeated',
      program: [ldNr, jump(0x35, 10, 0, 5), jump(0x25, 19, 4, 0), jump(0x15, 15, 0, 2), ldArg0, jump(0x15, 7, 0, 1), allow, kill],
      numbers: [20, 15, 5, 15, 14],
      returns: [[KILL], [ALLOW, KILL], [KILL], [ALLOW, KILL], [ALLOW]],
    },
    {
      name: 'a masked number: 5 and 0x105 alike, 6 not',
      program: [ldNr, stmt(0x54, 0xff), jump(0x15, 5, 0, 1), allow, kill],
      numbers: [5, 0x105, 6, 0x40000005],
      returns: [[ALLOW], [ALLOW], [KILL], [ALLOW]],
    },
    {
      name: 'the x32 bit and a bound',
      program: [ldNr, jump(0x45, 0x40000000, 2, 0), jump(0x35, 400, 1, 0), allow, kill],
      numbers: [0, 399, 400, 0x40000000, 0x40000001],
      returns: [[ALLOW], [ALLOW], [KILL], [KILL], [KILL]],
    },
    {
      name: 'a return value computed from the number',
      program: [ldNr, stmt(0x04, 1), stmt(0x16)],
      numbers: [0, 7, 0xffffffff],
      returns: [[1], [8], [0]],
    },
    {
      // Division by the number: 0 ends the program with 0 (BPF_X), others give 100 / nr.
      name: 'the number as a divisor',
      program: [ldNr, stmt(0x07), stmt(0x00, 100), stmt(0x3c), stmt(0x16)],
      numbers: [0, 3, 100],
      returns: [[0], [33], [1]],
    },
    {
      // nr == arg0 can go either way for every number (no condition is recorded).
      name: 'the number compared with an argument',
      program: [ldArg0, stmt(0x07), ldNr, jump(0x1d, 0, 0, 1), allow, kill],
      numbers: [1, 2],
      returns: [[ALLOW, KILL], [ALLOW, KILL]],
    },
    {
      // The number kept in memory across an argument check and tested after it.
      name: 'the number stored and reloaded after an argument fork',
      program: [ldNr, stmt(0x02, 0), ldArg0, jump(0x15, 1, 0, 2), stmt(0x60, 0), jump(0x15, 3, 1, 0), kill, allow],
      numbers: [2, 3, 4],
      returns: [[KILL, KILL], [ALLOW, KILL], [KILL, KILL]],
    },
    {
      name: 'negation and an unknown arithmetic operation on the number',
      program: [ldNr, stmt(0x84), jump(0x15, 0xfffffffe, 0, 1), allow, stmt(0xf4, 1), kill],
      numbers: [1, 2, 3],
      returns: [[undefined], [ALLOW], [undefined]],
    },
  ])('$name', ({ program, numbers, returns }) => {
    expect(returnsOf(program, numbers)).toEqual(returns);
  });

  it('applies the path limit to each number alone', () => {
    // Number 1 meets four independent argument tests (16 paths); number 2 returns at once.
    const tests: SockFilter[] = [0, 1, 2, 3].flatMap((index) => [stmt(0x20, 16 + 8 * index), jump(0x45, 1, 0, 1), stmt(0x00, 0)]);
    const program: BpfProgram = [ldNr, jump(0x15, 1, 0, tests.length + 1), ...tests, allow, kill];
    for (const maxPaths of [1, 2, 5, 16, 17, 100]) {
      const { together, alone } = bothWays(program, [1, 2, 3], { maxPaths });
      expect(together).toEqual(alone);
      expect(together[1]).toEqual({ outcomes: [expect.objectContaining({ returnValue: KILL })], complete: true });
    }
    expect(explorePathsForNumbers(program, miniX86_64, [1, 2], { maxPaths: 5 }).map((exploration) => exploration.complete)).toEqual([false, true]);
    expect(explorePathsForNumbers(program, miniX86_64, [1, 2], { maxPaths: 100 })[0]?.outcomes).toHaveLength(16);
  });

  it('shares one outcome between the numbers that take the same path', () => {
    const [first, second] = explorePathsForNumbers([ldNr, jump(0x35, 10, 0, 1), allow, kill], miniX86_64, [1, 2]);
    expect(first?.outcomes[0]).toBe(second?.outcomes[0]);
  });
});

// Random programs over the instructions that move, compute with or compare the number.
const constants = [0, 1, 2, 3, 5, 7, 10, 15, 0xff, 0x100, 0x40000000, 0x7fffffff, 0xffffffff];
const constantArb = fc.constantFrom(...constants);
const instructionArb = (room: number): fc.Arbitrary<SockFilter> => {
  const offset = fc.nat(Math.max(0, room - 1));
  return fc.oneof(
    fc.constantFrom(ldNr, stmt(0x20, 4), ldArg0, stmt(0x20, 24), stmt(0x60, 0), stmt(0x61, 1), stmt(0x02, 0), stmt(0x03, 1), stmt(0x07), stmt(0x87)),
    fc.tuple(fc.constantFrom(0x04, 0x14, 0x24, 0x34, 0x44, 0x54, 0x64, 0x74, 0x94, 0xa4), constantArb).map(([code, k]) => stmt(code, k)),
    fc.constantFrom(stmt(0x84), stmt(0x0c), stmt(0x5c), stmt(0x3c), stmt(0x9c)),
    fc.tuple(fc.constantFrom(0x15, 0x25, 0x35, 0x45, 0x1d, 0x3d), constantArb, offset, offset).map(([code, k, jt, jf]) => jump(code, k, jt, jf)),
    fc.constantFrom(allow, kill, stmt(0x06, 0x00050001), stmt(0x16)),
  );
};
const programArb: fc.Arbitrary<BpfProgram> = fc
  .integer({ min: 1, max: 14 })
  .chain((length) => fc.tuple(...Array.from({ length }, (_, at) => instructionArb(length - at))))
  .map((body) => [...body, kill]);
const numbersArb = fc.array(fc.oneof(fc.nat(20), constantArb), { minLength: 1, maxLength: 12 });

describe('explorePathsForNumbers on random programs', () => {
  it(
    'equals explorePaths for each number, and every witness runs to one of its outcomes',
    () => {
      fc.assert(
        fc.property(programArb, numbersArb, fc.boolean(), fc.integer({ min: 1, max: 40 }), (program, numbers, symbolicArch, maxPaths) => {
          const { together, alone } = bothWays(program, numbers, { symbolicArch, maxPaths });
          expect(together).toEqual(alone);
          if (symbolicArch) return;
          // A complete exploration covers every run: the run of any witness (opaque comparisons
          // record no condition, so a witness may take another path than its own) ends in one.
          numbers.forEach((nr, index) => {
            const exploration = together[index];
            if (exploration?.complete !== true) return;
            for (const outcome of exploration.outcomes) {
              if (outcome.witness === undefined) continue;
              const result = emulate(program, { nr, arch: miniX86_64.auditArch, instructionPointer: 0n, args: outcome.witness }, { recordPath: false });
              const reached = exploration.outcomes.some((other) => (result.ok ? !other.invalid && (other.returnValue === undefined || other.returnValue === result.returnValue >>> 0) : other.invalid));
              expect(reached, JSON.stringify({ nr, result: result.ok ? result.returnValue : 'invalid' })).toBe(true);
            }
          });
        }),
        { numRuns: 400 },
      );
    },
    120_000,
  );
});
