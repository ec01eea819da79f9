// Checks the analysis against the benchmark's peer figures: compiles every policy of
// ../shared/corpus/crosvm-2022-06 with libseccomp 2.5.4 (Debian python3-seccomp, binary-tree
// optimisation, the rules expressed as the peer expressed them), analyses the programs with
// analyzeProgram over syscalls 0–1023 and x86_64/common_device.frequency, and prints how close
// each figure comes to the `libseccomp-opt2` rows of peers-crosvm-2022-06.csv.
// Run: pnpm exec tsx --conditions=@syscage/source bench/libseccomp-peer.ts [filter]
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchTable } from '@syscage/arch-tables';
import { archAarch64 } from '@syscage/arch-aarch64';
import { archArm } from '@syscage/arch-arm';
import { archX86_64 } from '@syscage/arch-x86-64';
import { createParseCache, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { parseFrequencyFile } from '@syscage/policy-parser';
import { analyzeProgram } from '../src/analyze.js';
import { compilePolicy } from '../src/compile.js';
import { compileWithLibseccomp, libseccompAvailable } from '../src/libseccomp-node.js';
import { libseccompRequestFromPolicy } from '../src/libseccomp-rules.js';
import { sharedData } from '../../../tools/shared-data/index.js';

const corpus = sharedData('corpus/crosvm-2022-06');
const peers = sharedData('bench/peers-crosvm-2022-06.csv');
const missingShared = [corpus, peers].find((data) => !data.present);
if (missingShared !== undefined || !libseccompAvailable()) {
  console.log(`SKIP: libseccomp-peer ${missingShared?.skipReason ?? 'needs python3-seccomp'}`);
  process.exit(0);
}
const corpusRoot = corpus.path;
const peersPath = peers.path;
const filter = process.argv[2];
const columns = ['insns', 'always_allowed', 'conditional', 'cache_coverage', 'cost_uniform', 'cost_freq', 'cost_cache', 'max_cost'];
const peer = new Map<string, number[]>();
for (const line of readFileSync(peersPath, 'utf8').trim().split('\n').slice(1)) {
  const row = line.split(',');
  if (row[2] === 'libseccomp-opt2') peer.set(`${row[0] ?? ''}/${row[1] ?? ''}`, row.slice(3).map(Number));
}
const frequencyFile = parseFrequencyFile(readFileSync(join(corpusRoot, 'x86_64', 'common_device.frequency'), 'utf8'), 'common_device.frequency');
const frequencies = new Map<string, bigint>();
for (const entry of frequencyFile.entries) frequencies.set(entry.descriptor.name, (frequencies.get(entry.descriptor.name) ?? 0n) + entry.count);
const host = createNodeHost();
const cache = createParseCache();
const syscalls = Array.from({ length: 1024 }, (_, nr) => nr);
const differences: number[][] = [];
for (const arch of [archX86_64, archAarch64, archArm] as ArchTable[]) {
  for (const file of readdirSync(join(corpusRoot, arch.name)).filter((name) => name.endsWith('.policy')).sort()) {
    const key = `${arch.name}/${file.replace(/\.policy$/, '')}`;
    if (filter !== undefined && !key.includes(filter)) continue;
    const resolved = resolvePolicy(join(corpusRoot, arch.name, file), { host, cache, arch: arch.name });
    const lowered = compilePolicy(resolved, arch, { defaultAction: 'trap' }).lowered;
    if (lowered === undefined) {
      console.log(`${key}: does not compile`);
      continue;
    }
    const { request, skipped } = libseccompRequestFromPolicy(lowered);
    const compiled = compileWithLibseccomp(request);
    if (!compiled.ok) {
      console.log(`${key}: libseccomp failed: ${compiled.message}`);
      continue;
    }
    const a = analyzeProgram(compiled.program, { arch, frequencies, syscalls });
    const ours = [compiled.program.length, a.alwaysAllowed, a.conditional, a.cacheCoverage ?? 1, a.costUniform ?? 0, a.costFrequency ?? 0, a.costCache ?? 0, a.maxCost ?? 0];
    const theirs = peer.get(key) ?? [];
    differences.push(ours.map((value, index) => value - (theirs[index] ?? Number.NaN)));
    console.log(`${key.padEnd(34)} ${ours.map((v) => Number(v.toFixed(4))).join(',')} | peer ${theirs.join(',')}${skipped.length > 0 ? ` (skipped: ${skipped.map((s) => s.syscall).join(', ')})` : ''}`);
  }
}
console.log(`\n${differences.length} policies; per column: policies matching to 4 decimals, mean |difference|, max |difference|`);
columns.forEach((column, index) => {
  const values = differences.map((row) => Math.abs(row[index] ?? Number.NaN));
  const exact = values.filter((value) => value < 5e-5).length;
  const meanDifference = values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);
  console.log(`${column.padEnd(15)} ${String(exact).padStart(3)} / ${values.length}  mean ${meanDifference.toFixed(4)}  max ${Math.max(...values).toFixed(4)}`);
});
