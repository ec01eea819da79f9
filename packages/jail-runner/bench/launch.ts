// Launch overhead and supervisor cost, from the built package (`pnpm build` first).
// Prints medians of wall-clock times; run with `pnpm bench`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { learnPolicy, runJailed } from '@syscage/jail-runner';

const RUNS = 7;
const CALLS = 20_000;

async function median(label: string, task: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let index = 0; index < RUNS; index++) {
    const start = performance.now();
    await task();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const value = times[Math.floor(times.length / 2)] ?? 0;
  console.log(`${label.padEnd(58)} ${value.toFixed(0).padStart(6)} ms`);
  return value;
}

const folder = mkdtempSync(join(tmpdir(), 'syscage-bench-'));
const trueLearned = await learnPolicy({ command: '/bin/true', stdio: 'ignore' });
const truePolicy = join(folder, 'true.policy');
writeFileSync(truePolicy, trueLearned.proposal.text);
// dd copies CALLS single bytes: CALLS reads and CALLS writes.
const dd = { command: 'dd', args: ['if=/dev/zero', 'of=/dev/null', 'bs=1', `count=${CALLS}`], stdio: 'ignore' as const };
const ddLearned = await learnPolicy(dd);
const ddPolicy = join(folder, 'dd.policy');
writeFileSync(ddPolicy, ddLearned.proposal.text);
const ddWithoutIo = join(folder, 'dd-no-io.policy');
writeFileSync(ddWithoutIo, ddLearned.proposal.text.replace(/^(read|write): .*\n/gm, ''));

console.log(`median of ${RUNS} runs`);
const bare = await median('/bin/true, plain spawn via Node (baseline)', async () => {
  const { spawnSync } = await import('node:child_process');
  spawnSync('/bin/true');
});
const enforce = await median('/bin/true, enforce (launcher + filter + kernel log)', () =>
  runJailed({ command: '/bin/true', policy: truePolicy, stdio: 'ignore' }),
);
await median('/bin/true, log mode (launcher + supervisor)', () =>
  runJailed({ command: '/bin/true', policy: truePolicy, mode: 'log', stdio: 'ignore' }),
);
await median('/bin/true, learnPolicy from nothing (one run)', () => learnPolicy({ command: '/bin/true', stdio: 'ignore' }));
const ddEnforce = await median(`dd ${2 * CALLS} read/write calls, enforce (allowed)`, () =>
  runJailed({ ...dd, policy: ddPolicy }),
);
const ddLog = await median(`dd ${2 * CALLS} read/write calls, log (each one notified)`, () =>
  runJailed({ ...dd, policy: ddWithoutIo, mode: 'log' }),
);
console.log(`launch overhead over a plain spawn: ${(enforce - bare).toFixed(0)} ms`);
console.log(`supervisor cost per notified call: ${(((ddLog - ddEnforce) * 1000) / (2 * CALLS)).toFixed(1)} µs`);
