// Benchmark (not a timed test): what proving every filter costs `syscage build`. Builds the
// repository's policies/ tree in-process, alternately with proofs (the default) and with
// --no-verify, three times each, and compares the CPU time (user + system, so other load on the
// machine counts less than in wall time) of the medians. Target: at most 1.3×.
// Run: `pnpm --filter @syscage/cli exec tsx --conditions=@syscage/source bench/build-verify.ts`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/index.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'syscage-build-verify-'));
const quiet = { stdout: (): void => undefined, stderr: (text: string): void => void process.stderr.write(text), color: false, cwd: repoRoot, debug: false };

async function build(verify: boolean): Promise<number> {
  const before = process.cpuUsage();
  const code = await runCli(['build', 'policies', '-o', join(out, verify ? 'proved' : 'plain'), '--summary', 'json', ...(verify ? [] : ['--no-verify'])], quiet);
  const used = process.cpuUsage(before);
  if (code !== 0) throw new Error(`build exited ${code}`);
  return (used.user + used.system) / 1000;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
// A first build of each kind warms the JIT and the module cache; it is not counted.
await build(false);
await build(true);
const plain: number[] = [];
const proved: number[] = [];
for (let run = 0; run < 3; run++) {
  plain.push(await build(false));
  proved.push(await build(true));
}
rmSync(out, { recursive: true, force: true });
const ratio = median(proved) / median(plain);
console.log(`build of policies/: ${median(plain).toFixed(0)} ms CPU with --no-verify, ${median(proved).toFixed(0)} ms CPU with proofs`);
console.log(`${ratio <= 1.3 ? 'PASS' : 'FAIL'} proofs cost ${ratio.toFixed(2)}× the build (≤ 1.3×)`);
process.exitCode = ratio <= 1.3 ? 0 : 1;
