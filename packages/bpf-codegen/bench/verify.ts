// Benchmark of the exact verifier (src/verify.ts), not a timed test. Prints PASS/FAIL per target:
// - every policy of both crosvm corpora compiled as crosvm's build does, verified in-process on
//   one core; the largest policy must take at most 1 s (median of 5 runs);
// - memory for a program of 4,096 instructions (a linear filter over 4,000 numbers with argument
//   tests, the most a filter may have) stays under 500 MB of heap growth.
// Run: `pnpm --filter @syscage/bpf-codegen exec tsx --conditions=@syscage/source bench/verify.ts`.
// The build budget (`syscage build` with proofs at most 1.3× `--no-verify`) is measured by
// packages/cli/bench/build-verify.ts, since it runs the CLI.
import { readdirSync } from 'node:fs';
import type { ArchTable } from '@syscage/arch-tables';
import { archAarch64 } from '@syscage/arch-aarch64';
import { archArm } from '@syscage/arch-arm';
import { archX86_64 } from '@syscage/arch-x86-64';
import { createParseCache, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { sharedData } from '../../../tools/shared-data/index.js';
import { compilePolicy } from '../src/compile.js';
import { lowerArch } from '../src/lower.js';
import type { BpfProgram, SockFilter } from '../src/types.js';
import { verifyEquivalent, verifyProgram } from '../src/verify.js';

const tables: readonly ArchTable[] = [archX86_64, archAarch64, archArm];
const failures: string[] = [];
const report = (ok: boolean, text: string): void => {
  if (!ok) failures.push(text);
  console.log(`${ok ? 'PASS' : 'FAIL'} ${text}`);
};
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

// ---- The corpora ----------------------------------------------------------------------------
for (const name of ['crosvm-2022-06', 'crosvm-2026-08']) {
  const corpus = sharedData(`corpus/${name}`);
  if (!corpus.present) {
    console.log(`SKIP: ${name} ${corpus.skipReason}`);
    continue;
  }
  const host = createNodeHost();
  const cache = createParseCache();
  let total = 0;
  let count = 0;
  let largest = { file: '', instructions: 0, ms: 0, nodes: 0 };
  let unproved = 0;
  for (const table of tables) {
    let files: string[];
    try {
      files = readdirSync(`${corpus.path}/${table.name}`).filter((file) => file.endsWith('.policy'));
    } catch {
      continue;
    }
    for (const file of files) {
      const resolved = resolvePolicy(`${corpus.path}/${table.name}/${file}`, { host, arch: table.name, cache });
      const compiled = compilePolicy(resolved, table, { defaultAction: 'trap' });
      if (compiled.program === undefined || compiled.lowered === undefined) continue;
      const lowered = compiled.lowered;
      const program = compiled.program;
      const times: number[] = [];
      let nodes = 0;
      for (let run = 0; run < 5; run++) {
        const start = performance.now();
        const verdict = verifyProgram(lowered, program);
        times.push(performance.now() - start);
        nodes = verdict.stats.nodes;
        if (run === 0 && verdict.result !== 'proved') unproved++;
      }
      const ms = median(times);
      total += ms;
      count++;
      const size = lowered.syscalls.reduce((sum, syscall) => sum + syscall.filters.length + 1, 0);
      if (size > largest.instructions) largest = { file: `${table.name}/${file}`, instructions: size, ms, nodes };
    }
  }
  report(unproved === 0, `${name}: ${count} programs proved (${unproved} not), ${total.toFixed(0)} ms in all, mean ${(total / Math.max(count, 1)).toFixed(1)} ms`);
  report(largest.ms <= 1000, `${name}: largest policy ${largest.file} (${largest.instructions} rules) verified in ${largest.ms.toFixed(1)} ms (≤ 1000 ms), ${largest.nodes} nodes`);
}

// ---- Memory for 4,096 instructions ---------------------------------------------------------
// A linear filter: the arch check, then per number `jeq nr; ld args[0].lo; jeq; ret ALLOW; ld nr`
// (five instructions per number): the longest chains and the most distinct states a program of
// the maximum size can hold. Compared with itself through verifyEquivalent.
const linear: SockFilter[] = [
  { code: 0x20, jt: 0, jf: 0, k: 4 },
  { code: 0x15, jt: 1, jf: 0, k: archX86_64.auditArch },
  { code: 0x06, jt: 0, jf: 0, k: 0 },
  { code: 0x20, jt: 0, jf: 0, k: 0 },
];
for (let nr = 0; linear.length + 6 <= 4095; nr++) {
  linear.push({ code: 0x15, jt: 0, jf: 4, k: nr });
  linear.push({ code: 0x20, jt: 0, jf: 0, k: 16 + 8 * (nr % 6) });
  linear.push({ code: 0x25, jt: 0, jf: 1, k: nr * 7919 });
  linear.push({ code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 });
  linear.push({ code: 0x20, jt: 0, jf: 0, k: 0 });
}
linear.push({ code: 0x06, jt: 0, jf: 0, k: 0x00030000 });
const program: BpfProgram = linear;
globalThis.gc?.();
const before = process.memoryUsage();
const start = performance.now();
const verdict = verifyEquivalent({ kind: 'filter', programs: [program] }, { kind: 'filter', programs: [program] }, lowerArch(archX86_64));
const ms = performance.now() - start;
const after = process.memoryUsage();
const grown = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 1e6;
report(verdict.result === 'proved', `a ${program.length}-instruction linear filter proved equal to itself in ${ms.toFixed(0)} ms, ${verdict.stats.nodes} nodes`);
report(after.rss / 1e6 < 500, `memory: rss ${(after.rss / 1e6).toFixed(0)} MB (< 500), heap and buffers grew ${grown.toFixed(0)} MB`);
process.exitCode = failures.length > 0 ? 1 : 0;
