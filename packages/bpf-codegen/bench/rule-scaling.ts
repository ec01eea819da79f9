/**
 * Benchmark: how compiling one policy scales with its rules (issue 13 item 5). Each shape is
 * compiled at 1,000 to 8,000 rules, each size in a fresh process, measuring the CPU time of
 * `compilePolicy` and the growth of the process's peak resident memory over what it held just
 * before. The shapes are the directions a policy grows in: many separate rules of one syscall
 * (the shape that was quadratic: 4,000 sparse `ioctl: arg1 == V` lines took ~27 s and ~870 MB),
 * rules whose actions alternate, long `||` chains, `in` masks, two-argument clauses, one deep
 * `&&` chain, and rules spread over every syscall.
 *
 * A policy past the kernel's 4,096 instructions ends in SC4020 (a diagnostic, not a crash); that
 * is the expected outcome of the larger sizes of most shapes, and the work up to it is measured.
 *
 * Targets: time grows linearly (CPU time per rule at the largest size at most 2.5 times that at
 * the smallest, room for noise and for the value trees' pieces but not for a quadratic step,
 * which makes it 8 times) and peak memory grows by under 50 KB per rule at the largest size.
 *
 * Run: `pnpm bench:scaling` in this package; `--sizes 1000,2000` picks the sizes, `--shapes`
 * a comma-separated list of shape names.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { archX86_64 } from '@syscage/arch-x86-64';
import { createMemoryHost, resolvePolicy } from '@syscage/include-resolver';
import { compilePolicy } from '../src/compile.js';

const lines = (count: number, line: (index: number) => string): string => Array.from({ length: count }, (_, index) => line(index)).join('');
const syscallNames = Object.keys(archX86_64.syscalls).sort();

/** Policy text of each shape with `count` rules. */
const shapes: Readonly<Record<string, (count: number) => string>> = {
  'separate-lines': (n) => lines(n, (i) => `ioctl: arg1 == ${i * 7919 + 3}\n`),
  'alternating-actions': (n) => lines(n, (i) => `ioctl: arg1 == ${i * 3}; return ${1 + (i % 2)}\n`),
  'or-chain': (n) => `ioctl: ${lines(n, (i) => `${i === 0 ? '' : ' || '}arg1 & ${i + 1}`)}\n`,
  'in-masks': (n) => lines(n, (i) => `ioctl: arg1 in ${((i * 2654435761) >>> 0) | 1}; return ${1 + (i % 3)}\n`),
  'two-arguments': (n) => lines(n, (i) => `fcntl: arg1 == ${i * 13} && arg2 != ${i}\n`),
  'and-chain': (n) => `ioctl: ${lines(n, (i) => `${i === 0 ? '' : ' && '}arg${i % 6} != ${i}`)}\n`,
  'many-syscalls': (n) => lines(n, (i) => `${syscallNames[i % syscallNames.length] ?? 'read'}: arg0 == ${i}\n`),
};

const sizesArgument = process.argv[process.argv.indexOf('--sizes') + 1];
const sizes = process.argv.includes('--sizes') && sizesArgument !== undefined ? sizesArgument.split(',').map(Number) : [1000, 2000, 4000, 8000];
const shapesArgument = process.argv[process.argv.indexOf('--shapes') + 1];
const shapeNames = process.argv.includes('--shapes') && shapesArgument !== undefined ? shapesArgument.split(',') : Object.keys(shapes);
const maxGrowth = 2.5;
const maxBytesPerRule = 50_000;

function compileShape(shape: string, count: number): { instructions: number | undefined; codes: string } {
  const text = shapes[shape]?.(count) ?? '';
  const resolved = resolvePolicy('/p/main.policy', { host: createMemoryHost({ '/p/main.policy': text }), arch: archX86_64.name });
  const result = compilePolicy(resolved, archX86_64, { defaultAction: 'trap' });
  return { instructions: result.program?.length, codes: result.diagnostics.map((diagnostic) => diagnostic.code).join(',') };
}

/** In the child: warm up on a small policy of the shape, then measure one compilation. */
function child(shape: string, count: number): void {
  compileShape(shape, 100);
  const before = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const outcome = compileShape(shape, count);
  const used = process.cpuUsage(cpu);
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ ...outcome, cpuSeconds: (used.user + used.system) / 1e6, peakGrowth: Math.max(0, peak - before) }));
}

interface Row {
  readonly count: number;
  readonly cpuSeconds: number;
  readonly peakGrowth: number;
  readonly outcome: string;
}

function measure(shape: string, count: number): Row {
  const result = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', shape, String(count)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(`${shape} at ${count} rules failed: ${result.stderr}`);
  const measured = JSON.parse(result.stdout) as { instructions?: number; codes: string; cpuSeconds: number; peakGrowth: number };
  const outcome = measured.instructions === undefined ? measured.codes : `${measured.instructions} instructions`;
  return { count, cpuSeconds: measured.cpuSeconds, peakGrowth: measured.peakGrowth, outcome };
}

if (process.argv[2] === '--child') {
  child(process.argv[3] ?? '', Number(process.argv[4]));
} else {
  let met = true;
  for (const shape of shapeNames) {
    if (shapes[shape] === undefined) throw new Error(`no shape ${shape}; shapes: ${Object.keys(shapes).join(', ')}`);
    const rows = sizes.map((count) => measure(shape, count));
    for (const row of rows) {
      console.log(
        `${shape} ${String(row.count).padStart(5)} rules: ${row.cpuSeconds.toFixed(2)} s CPU, ${((row.cpuSeconds / row.count) * 1e6).toFixed(0)} µs/rule, ` +
          `peak memory +${(row.peakGrowth / 1e6).toFixed(0)} MB (${(row.peakGrowth / row.count / 1000).toFixed(1)} KB/rule); ${row.outcome}`,
      );
    }
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (first === undefined || last === undefined || first === last) continue;
    const growth = last.cpuSeconds / last.count / (first.cpuSeconds / first.count);
    const linear = growth <= maxGrowth;
    const small = last.peakGrowth / last.count < maxBytesPerRule;
    met &&= linear && small;
    console.log(
      `${shape}: time per rule ×${growth.toFixed(2)} from ${first.count} to ${last.count} rules (target ≤ ×${maxGrowth}): ${linear ? 'met' : 'NOT met'}; ` +
        `memory ${(last.peakGrowth / last.count / 1000).toFixed(1)} KB/rule (target < ${maxBytesPerRule / 1000}): ${small ? 'met' : 'NOT met'}`,
    );
  }
  console.log(met ? 'all targets met' : 'some targets NOT met');
}
