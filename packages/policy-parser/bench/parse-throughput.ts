// Parse throughput over the shared corpus: `pnpm bench` (tsx bench/parse-throughput.ts).
// Parses every corpus policy and frequency file repeatedly after a warm-up and prints MB/s
// and statements/s by wall clock (median round), by this process's CPU time, and for the fastest
// round. Target: at least 20 MB/s.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedData } from '../../../tools/shared-data/index.js';
import { parseFrequencyFile, parsePolicy } from '../src/index.js';

const corpus = sharedData('corpus');
const targetMegabytesPerSecond = 20;

function collect(folder: string, out: { name: string; text: string }[]): void {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) collect(path, out);
    else if (entry.name.endsWith('.policy') || entry.name.endsWith('.frequency')) out.push({ name: path, text: readFileSync(path, 'utf8') });
  }
}

if (!corpus.present) {
  console.log(`SKIP: parse-throughput ${corpus.skipReason}`);
  process.exit(0);
}
const files: { name: string; text: string }[] = [];
collect(corpus.path, files);
const bytes = files.reduce((sum, file) => sum + Buffer.byteLength(file.text, 'utf8'), 0);

/** Parses the whole corpus once; returns the number of statements and entries. */
function parseCorpus(): number {
  let statements = 0;
  for (const file of files) {
    if (file.name.endsWith('.frequency')) {
      const parsed = parseFrequencyFile(file.text, file.name);
      statements += parsed.entries.length;
      if (parsed.diagnostics.length > 0) throw new Error(`${file.name}: unexpected diagnostics`);
    } else {
      const parsed = parsePolicy(file.text, file.name);
      statements += parsed.statements.length;
      if (parsed.diagnostics.length > 0) throw new Error(`${file.name}: unexpected diagnostics`);
    }
  }
  return statements;
}

const warmupRounds = 30;
const measuredRounds = 500;
for (let round = 0; round < warmupRounds; round++) parseCorpus();

// Wall-clock time per round, and CPU time of this process per round (less disturbed when other
// processes compete for the cores).
const samples: number[] = [];
const cpuSamples: number[] = [];
let statementsPerRound = 0;
for (let round = 0; round < measuredRounds; round++) {
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  statementsPerRound = parseCorpus();
  samples.push(Number(process.hrtime.bigint() - start) / 1e9);
  const cpu = process.cpuUsage(cpuStart);
  cpuSamples.push((cpu.user + cpu.system) / 1e6);
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const wall = median(samples);
const cpuTotal = cpuSamples.reduce((sum, seconds) => sum + seconds, 0);
const cpuPerRound = cpuTotal / measuredRounds;
const fastest = Math.min(...samples);
const megabytesPerSecond = bytes / 1e6 / wall;
const cpuMegabytesPerSecond = bytes / 1e6 / cpuPerRound;

console.log(`corpus: ${files.length} files, ${(bytes / 1024).toFixed(1)} KiB, ${statementsPerRound} statements`);
console.log(`rounds: ${warmupRounds} warm-up, ${measuredRounds} measured`);
console.log(`wall clock: median ${(wall * 1000).toFixed(2)} ms/round (fastest ${(fastest * 1000).toFixed(2)} ms)`);
console.log(`throughput (median wall clock): ${megabytesPerSecond.toFixed(1)} MB/s, ${Math.round(statementsPerRound / wall).toLocaleString('en-US')} statements/s`);
console.log(`throughput (mean CPU time):     ${cpuMegabytesPerSecond.toFixed(1)} MB/s, ${Math.round(statementsPerRound / cpuPerRound).toLocaleString('en-US')} statements/s`);
console.log(`throughput (fastest round):     ${(bytes / 1e6 / fastest).toFixed(1)} MB/s`);
// CPU time is the figure checked against the target: wall-clock medians mostly measure how busy
// the other processes on the machine are.
console.log(`target: >= ${targetMegabytesPerSecond} MB/s (CPU time): ${cpuMegabytesPerSecond >= targetMegabytesPerSecond ? 'met' : 'NOT met'}`);
