/**
 * Benchmark: the cost of one `compile_seccomp_policy` process per policy, as a VMM build runs it
 * (issue 14 item 5). crosvm's build compiles every policy of crosvm-2026-08 in its own process,
 * so the start-up of that process is paid once per file.
 *
 * For every policy (each architecture folder copied with `/usr/share/policy/crosvm` replaced by
 * `.`, as the build does), interleaved so that machine load hits every variant alike:
 *
 * - `node -e 0`: a bare Node start, the floor;
 * - `compile_seccomp_policy --help`: start-up and loading the bundled bin, no work;
 * - `compile_seccomp_policy --arch-json constants.json --default-action trap X.policy X.bpf`;
 * - the same compile in this process (already warm), i.e. the work without the start-up.
 *
 * It prints the median over the corpus of each (every policy's own median over the rounds), and
 * the ratio of the compile process to the bare Node start, measured in the same run. Target:
 * at most 1.5. Wall time on a shared machine is noisy, so it also prints the processes' CPU time.
 * Needs a build (`pnpm build`) and ../shared/corpus; without the corpus it says so and stops.
 * `SYSCAGE_BENCH_ROUNDS` sets the rounds (default 5).
 *
 * Run with `pnpm bench` in this package (`pnpm --filter @syscage/cli bench` from the root).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedData } from '../../../tools/shared-data/index.js';
import { processContext } from '../src/context.js';
import { runCompileSeccompPolicy } from '../src/minijail/compile-seccomp-policy.js';

const corpusData = sharedData('corpus/crosvm-2026-08');
const corpus = `${corpusData.path}/`;
const bin = fileURLToPath(new URL('../dist/minijail/compile-seccomp-policy.cjs', import.meta.url));
const rounds = Number(process.env.SYSCAGE_BENCH_ROUNDS ?? '5');
const target = 1.5;

if (!corpusData.present) {
  console.log(`cold-start: skipped: ${corpusData.skipReason}`);
  process.exit(0);
}
if (!existsSync(bin)) {
  console.error(`cold-start: ${bin} is missing; run \`pnpm build\` first`);
  process.exit(1);
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

interface Sample {
  readonly wall: number;
  readonly cpu: number;
}

/** Wall and CPU milliseconds of one child process (CPU from the child's resource usage). */
function spawnTimed(args: readonly string[], cwd: string): Sample {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { cwd, stdio: 'ignore' });
  const wall = performance.now() - start;
  if (result.status !== 0) throw new Error(`${args.join(' ')} in ${cwd}: exit ${String(result.status)}`);
  // spawnSync reports no resource usage, so the children's CPU comes from the growth of
  // /proc/self/stat's cutime/cstime (Linux) since the previous sample.
  return { wall, cpu: childCpuMs() };
}

let lastChildCpu = 0;
function childCpuMs(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    // Fields after the command name: cutime is the 14th, cstime the 15th (0-based 13, 14), in clock ticks (100 Hz).
    const total = (Number(fields[13]) + Number(fields[14])) * 10;
    const spent = total - lastChildCpu;
    lastChildCpu = total;
    return spent;
  } catch {
    return Number.NaN;
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'syscage-cold-start-'));
const policies: { folder: string; policy: string }[] = [];
for (const arch of readdirSync(corpus)) {
  const source = join(corpus, arch);
  if (!existsSync(join(source, 'constants.json'))) continue;
  const folder = join(scratch, arch);
  spawnSync('mkdir', ['-p', folder]);
  for (const name of readdirSync(source)) {
    const text = readFileSync(join(source, name), 'utf8');
    writeFileSync(join(folder, name), name.endsWith('.policy') ? text.replaceAll('/usr/share/policy/crosvm', '.') : text);
    if (name.endsWith('.policy')) policies.push({ folder, policy: name });
  }
}

const variants = {
  node: () => ['-e', '0'],
  help: () => [bin, '--help'],
  compile: (policy: string) => [bin, '--arch-json', 'constants.json', '--default-action', 'trap', policy, policy.replace(/\.policy$/, '.bpf')],
} as const;
type Variant = keyof typeof variants;
const samples = new Map<string, Record<Variant, Sample[]>>();
const inProcess = new Map<string, number[]>();
const quiet = { ...processContext(false), stdout: () => undefined, stderr: () => undefined };

childCpuMs();
for (let round = 0; round < rounds; round++) {
  for (const { folder, policy } of policies) {
    const key = `${folder}/${policy}`;
    const entry = samples.get(key) ?? { node: [], help: [], compile: [] };
    samples.set(key, entry);
    for (const variant of Object.keys(variants) as Variant[]) entry[variant].push(spawnTimed(variants[variant](policy), folder));
    const start = performance.now();
    const code = runCompileSeccompPolicy(['--arch-json', 'constants.json', '--default-action', 'trap', policy, policy.replace(/\.policy$/, '.in-process.bpf')], { ...quiet, cwd: folder }, {});
    if (code !== 0) throw new Error(`in-process compile of ${key}: exit ${String(code)}`);
    const list = inProcess.get(key) ?? [];
    list.push(performance.now() - start);
    inProcess.set(key, list);
  }
}
rmSync(scratch, { recursive: true, force: true });

const corpusMedian = (variant: Variant, field: keyof Sample): number => median([...samples.values()].map((entry) => median(entry[variant].map((sample) => sample[field]))));
const row = (label: string, wall: number, cpu: number): string => `${label.padEnd(40)} ${wall.toFixed(1).padStart(8)} ms ${Number.isNaN(cpu) ? '' : `${cpu.toFixed(1).padStart(8)} ms CPU`}`;
console.log(`cold start of compile_seccomp_policy: ${policies.length} policies of crosvm-2026-08, ${rounds} rounds, medians over the corpus`);
console.log(row('node -e 0', corpusMedian('node', 'wall'), corpusMedian('node', 'cpu')));
console.log(row('compile_seccomp_policy --help', corpusMedian('help', 'wall'), corpusMedian('help', 'cpu')));
console.log(row('compile_seccomp_policy (one policy)', corpusMedian('compile', 'wall'), corpusMedian('compile', 'cpu')));
console.log(row('the same compile in-process (warm)', median([...inProcess.values()].map(median)), Number.NaN));
const ratio = corpusMedian('compile', 'wall') / corpusMedian('node', 'wall');
const cpuRatio = corpusMedian('compile', 'cpu') / corpusMedian('node', 'cpu');
console.log(`per-process wall time vs node -e 0: ${ratio.toFixed(2)}x (CPU ${cpuRatio.toFixed(2)}x); target at most ${target}x: ${ratio <= target ? 'met' : 'NOT met'}`);
