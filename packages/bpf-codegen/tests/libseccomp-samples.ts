// Shared by the libseccomp differential tests: argument vectors worth comparing two programs on,
// and one emulated decision.
import type { ArchTable } from '@syscage/arch-tables';
import { argumentSamples } from '../src/analyze.js';
import { explorePaths } from '../src/analyze-paths.js';
import { emulate } from '../src/emulate.js';
import type { BpfProgram } from '../src/types.js';

/**
 * Argument vectors: the constants the programs compare (per word, at most `maxSamples` of their
 * combinations), plus `extra` values ± 1; each distinct vector once, in the order first made.
 */
export function samples(programs: readonly BpfProgram[], table: ArchTable, nr: number, extra: readonly bigint[], maxSamples = 256): bigint[][] {
  const outcomes = programs.flatMap((program) => explorePaths(program, table, nr).outcomes);
  const vectors = argumentSamples(outcomes, table.endianness === 'little', maxSamples, nr);
  for (const value of extra) {
    for (const delta of [-1n, 0n, 1n]) {
      const v = BigInt.asUintN(table.bits, value + delta);
      for (let arg = 0; arg < 6; arg++) vectors.push(Array.from({ length: 6 }, (_, i) => (i === arg ? v : 0n)));
      vectors.push(Array.from({ length: 6 }, () => v));
    }
  }
  // Extra values repeat (a profile's values and masks, 0 ± 1 next to the programs' constants):
  // about half the vectors were copies, each emulated again by every caller.
  const seen = new Set<string>();
  return vectors.filter((args) => {
    const key = args.join(',');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The return value of `program` for one call, or the emulator's error. */
export function run(program: BpfProgram, table: ArchTable, nr: number, args: readonly bigint[]): number | string {
  // Only the decision is compared, so the executed pcs are not recorded.
  const result = emulate(program, { nr, arch: table.auditArch, instructionPointer: 0n, args }, { byteOrder: table.endianness, recordPath: false });
  return result.ok ? result.returnValue : `invalid ${result.error.code}`;
}
