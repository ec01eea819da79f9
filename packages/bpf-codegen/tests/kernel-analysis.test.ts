// The analysis `pnpm bench:kernel` prints (bench/kernel-analysis.ts): what a path costs after the
// kernel's classic-to-eBPF conversion, the guessed mispredictions, and the statistics.
import { describe, expect, it } from 'vitest';
import { cacheDifferences, interval, leastSquares, mispredictions, pathFeatures } from '../bench/kernel-analysis.js';
import type { BpfProgram } from '../src/types.js';
import { jump, stmt } from './emulator-asm.js';

const X86 = 0xc000003e;
const ALLOW = 0x7fff0000;
const program: BpfProgram = [
  stmt(0x20, 4), // 0: ld arch
  jump(0x15, X86, 1, 0), // 1: jeq X86 (a constant of 2^31 or more: moved to a register first)
  stmt(0x06, 0), // 2: ret KILL
  stmt(0x20, 0), // 3: ld nr
  jump(0x15, 0, 3, 0), // 4: jeq 0 → 8 (false side next: one eBPF jump)
  jump(0x15, 1, 0, 1), // 5: jeq 1, true side next: inverted to jne, one jump
  stmt(0x06, ALLOW), // 6
  jump(0x45, 0x100, 0, 1), // 7: jset, true side next: jset cannot be inverted, a jump and a ja
  stmt(0x06, ALLOW), // 8
  stmt(0x06, 0x50001), // 9: ret ERRNO, the last instruction (its exit needs no jump)
];
const call = (nr: number) => ({ nr, arch: X86, instructionPointer: 0n, args: [0n, 0n, 0n, 0n, 0n, 0n] });

describe('path features after the kernel conversion', () => {
  it.each([
    // name, nr, cBPF, eBPF, loads, branches, taken
    ['read: two taken jumps and the exit', 0, 5, 7, 2, 2, 3],
    ['write: the inverted jump falls through', 1, 6, 8, 2, 3, 2],
    ['0x100: jset true jumps to the next instruction', 0x100, 7, 9, 2, 4, 4],
    ['2: jset false runs its ja; the last ret needs no jump', 2, 7, 10, 2, 4, 3],
  ])('%s', (_name, nr, instructions, converted, loads, branches, taken) => {
    const features = pathFeatures(program, call(nr));
    expect(features).toMatchObject({ instructions, converted, loads, branches, taken });
  });

  it('guesses a misprediction for the calls that go against the majority at a branch, half of one on a tie', () => {
    const read = pathFeatures(program, call(0));
    const write = pathFeatures(program, call(1));
    if (read === undefined || write === undefined) throw new Error('emulation failed');
    expect(mispredictions([read, read, read, write])).toEqual([0, 0, 0, 1]);
    expect(mispredictions([read, write])).toEqual([0.5, 0.5]);
  });

  it('lists the numbers one program lets the kernel cache and the other does not', () => {
    // Without the jset block, 0x100 is no longer allowed; 2 gets errno in both.
    const other: BpfProgram = [...program.slice(0, 7), stmt(0x06, 0x50001), stmt(0x06, ALLOW), stmt(0x06, 0x50001)];
    expect(cacheDifferences(program, other, X86, 0x101)).toEqual([[0x100, true, false]]);
  });
});

describe('statistics', () => {
  it.each([
    ['three replicates', [1, 2, 3], 2, 2.4826],
    ['no spread', [5, 5, 5, 5], 5, 0],
  ])('95%% t interval: %s', (_name, values, mean, half) => {
    const result = interval(values);
    expect(result?.mean).toBeCloseTo(mean, 6);
    expect(result?.half).toBeCloseTo(half, 3);
  });

  it('has no interval for one replicate', () => {
    expect(interval([1])).toBeUndefined();
  });

  it('fits an exact line and refuses a singular system', () => {
    const fit = leastSquares(
      [0, 1, 2, 3].map((x) => [1, x]),
      [2, 5, 8, 11],
    );
    expect(fit?.[0]).toBeCloseTo(2, 9);
    expect(fit?.[1]).toBeCloseTo(3, 9);
    expect(leastSquares([[1, 1], [1, 1], [1, 1]], [1, 2, 3])).toBeUndefined();
  });
});
