/**
 * Benchmark: how `syscage parse` and `syscage check` scale with the size of one policy
 * (issue 20 item 6). Policies of 10k to 200k lines of `ioctl: arg1 == N` (the shape a generator
 * writes) are parsed and checked, each size in a fresh process, measuring the CPU time of the
 * command and the growth of the process's peak resident memory over what it held just before.
 *
 * Targets: time grows linearly (CPU time per line at the largest size at most twice that at the
 * smallest, which leaves room for the machine's noise but not for a quadratic step, which would
 * make it 20 times), and memory stays under 200 bytes per byte of input (at the largest size,
 * and per byte added from the smallest to the largest).
 *
 * Run with `pnpm bench` in this package (`pnpm --filter @syscage/cli bench` from the root).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/index.js';

const sizes = [10_000, 25_000, 50_000, 100_000, 200_000];
const commands = ['parse', 'check'] as const;
type Measured = (typeof commands)[number];
const maxGrowth = 2;
const maxBytesPerInputByte = 200;

function policyText(lines: number): string {
  let text = '';
  for (let n = 0; n < lines; n++) text += `ioctl: arg1 == ${n}\n`;
  return text;
}

function argv(command: Measured, file: string): string[] {
  return command === 'parse' ? ['parse', file] : ['check', '--arch', 'x86_64', file];
}

const sink = { stdout: () => undefined, stderr: () => undefined, color: false, cwd: process.cwd(), debug: false };

/** In the child: warm up on a small policy, then measure one run on the big one. */
async function child(command: Measured, file: string, warmUp: string): Promise<void> {
  await runCli(argv(command, warmUp), sink);
  const before = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const code = await runCli(argv(command, file), sink);
  const used = process.cpuUsage(cpu);
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ code, cpuSeconds: (used.user + used.system) / 1e6, peakGrowth: Math.max(0, peak - before) }));
}

interface Row {
  readonly command: Measured;
  readonly lines: number;
  readonly bytes: number;
  readonly cpuSeconds: number;
  readonly bytesPerByte: number;
}

function measure(command: Measured, lines: number, folder: string, warmUp: string): Row {
  const text = policyText(lines);
  const file = join(folder, `ioctl-${lines}.policy`);
  writeFileSync(file, text);
  const result = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', command, file, warmUp], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(`${command} of ${lines} lines failed: ${result.stderr}`);
  const measured = JSON.parse(result.stdout) as { code: number; cpuSeconds: number; peakGrowth: number };
  if (measured.code !== 0) throw new Error(`${command} of ${lines} lines exited ${measured.code}`);
  return { command, lines, bytes: text.length, cpuSeconds: measured.cpuSeconds, bytesPerByte: measured.peakGrowth / text.length };
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] as Measured, process.argv[4] ?? '', process.argv[5] ?? '');
} else {
  const folder = mkdtempSync(join(tmpdir(), 'syscage-scaling-'));
  try {
    const warmUp = join(folder, 'warm-up.policy');
    writeFileSync(warmUp, policyText(100));
    let met = true;
    for (const command of commands) {
      const rows = sizes.map((lines) => measure(command, lines, folder, warmUp));
      for (const row of rows) {
        console.log(
          `${command} ${String(row.lines).padStart(7)} lines (${(row.bytes / 1e6).toFixed(2)} MB): ` +
            `${row.cpuSeconds.toFixed(2)} s CPU, ${((row.cpuSeconds / row.lines) * 1e6).toFixed(1)} µs/line, ` +
            `peak memory +${row.bytesPerByte.toFixed(0)} bytes per input byte`,
        );
      }
      const first = rows[0];
      const last = rows[rows.length - 1];
      if (first === undefined || last === undefined) continue;
      const growth = last.cpuSeconds / last.lines / (first.cpuSeconds / first.lines);
      // Memory is judged where the input dominates: at the largest size, and as the slope between
      // the smallest and the largest (the few tens of MB of young generation and compiled code
      // that any run adds weigh most against the smallest input).
      const slope = (last.bytesPerByte * last.bytes - first.bytesPerByte * first.bytes) / (last.bytes - first.bytes);
      const linear = growth <= maxGrowth;
      const small = last.bytesPerByte < maxBytesPerInputByte && slope < maxBytesPerInputByte;
      met &&= linear && small;
      console.log(`${command}: time per line ×${growth.toFixed(2)} from ${first.lines} to ${last.lines} lines (target ≤ ×${maxGrowth}): ${linear ? 'met' : 'NOT met'}`);
      console.log(
        `${command}: ${last.bytesPerByte.toFixed(0)} bytes of memory per input byte at ${last.lines} lines, ${slope.toFixed(0)} per added byte ` +
          `(target < ${maxBytesPerInputByte}): ${small ? 'met' : 'NOT met'}`,
      );
    }
    console.log(met ? 'all targets met' : 'some targets NOT met');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
