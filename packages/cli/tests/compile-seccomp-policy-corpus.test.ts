// Both shared crosvm corpora built the way crosvm's build runs its compiler: each architecture
// folder copied, `/usr/share/policy/crosvm` replaced by `.`, and the built
// `compile_seccomp_policy --arch-json constants.json --default-action trap X.policy X.bpf` run once
// per policy. Every decision of Minijail's in ../shared/conformance must agree.
// crosvm-2022-06 has no constants.json: the folder gets the one `syscage arch --format
// minijail-json` writes from Syscage's tables.
//
// The built bin is spawned, in parallel, for a representative set of each architecture folder
// (see spawnedPolicies), and must write the same bytes as the bin's program run in this process
// on the same command line. The other policies go through that program in this process: the
// bin's start-up (most of a spawn's cost) is the same for every policy, the compilation is
// what differs.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type ArchTable, formatMinijailArchJson, loadArchTable, readMinijailArchJson } from '@syscage/arch-tables';
import { decodeProgram, emulate } from '@syscage/bpf-codegen';
import { runCompileSeccompPolicy } from '../src/minijail/compile-seccomp-policy.js';
import { sharedRoot } from '../../../tools/shared-data/index.js';
import { type ConformanceVector, readConformanceVectors } from '../../../tools/shared-data/conformance.js';

const run = promisify(execFile);
const shared = `${sharedRoot}/`;
const bin = fileURLToPath(new URL('../dist/minijail/compile-seccomp-policy.cjs', import.meta.url));
const present = existsSync(join(shared, 'conformance'));

const corpora = [
  { name: 'crosvm-2022-06', arches: ['x86_64', 'aarch64', 'arm'], vectors: 8321 },
  { name: 'crosvm-2026-08', arches: ['x86_64', 'aarch64', 'riscv64'], vectors: 9599 },
] as const;

const scratch: string[] = [];
afterAll(() => {
  for (const folder of scratch) rmSync(folder, { recursive: true, force: true });
});

/** Copies one architecture folder as crosvm's build does; returns the copy. */
async function prepare(corpus: string, arch: string): Promise<string> {
  const source = join(shared, 'corpus', corpus, arch);
  const folder = mkdtempSync(join(tmpdir(), `syscage-crosvm-${arch}-`));
  scratch.push(folder);
  for (const name of readdirSync(source)) {
    const text = readFileSync(join(source, name), 'utf8');
    writeFileSync(join(folder, name), name.endsWith('.policy') ? text.replaceAll('/usr/share/policy/crosvm', '.') : text);
  }
  if (!existsSync(join(folder, 'constants.json'))) {
    const loaded = await loadArchTable(arch, (specifier) => import(specifier));
    if (!loaded.ok) throw new Error(loaded.message);
    writeFileSync(join(folder, 'constants.json'), formatMinijailArchJson(loaded.table));
  }
  return folder;
}

/** Runs `jobs` with at most `limit` at a time. */
async function inParallel<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index];
      if (job !== undefined) results[index] = await job();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

/**
 * The policies of one folder that run through the built bin: every policy that sets a
 * @frequency file, and the first (by name) that includes others and the first that includes
 * none, so each folder's constants.json, include resolution and frequency hints are read by a
 * real process.
 */
function spawnedPolicies(folder: string, policies: readonly string[]): Set<string> {
  const texts = new Map(policies.map((policy) => [policy, readFileSync(join(folder, policy), 'utf8')]));
  const includes = (policy: string): boolean => /^\s*@include\b/m.test(texts.get(policy) ?? '');
  const chosen = new Set(policies.filter((policy) => /^\s*@frequency\b/m.test(texts.get(policy) ?? '')));
  for (const pick of [policies.find(includes), policies.find((policy) => !includes(policy))]) if (pick !== undefined) chosen.add(pick);
  return chosen;
}

/** Runs the bin's program in this process, as the bin would in `folder`; throws with its stderr on failure. */
function compileInProcess(folder: string, argv: readonly string[]): void {
  let stderr = '';
  const ctx = {
    stdout: () => undefined,
    stderr: (text: string) => {
      stderr += text;
    },
    color: false,
    cwd: folder,
    debug: false,
  };
  const code = runCompileSeccompPolicy(argv, ctx, process.env);
  if (code !== 0) throw new Error(`compile_seccomp_policy ${argv.join(' ')} exited ${String(code)} in ${folder}: ${stderr}`);
}

function decide(program: ReturnType<typeof decodeProgram>['program'], table: ArchTable, vector: ConformanceVector): string {
  const nr = table.syscalls[vector.syscall];
  if (nr === undefined) return `no syscall ${vector.syscall}`;
  const arch = vector.audit_arch === undefined ? table.auditArch : Number(vector.audit_arch);
  const result = emulate(program, { nr, arch, instructionPointer: 0n, args: vector.args.map((value) => BigInt(value)) });
  if (!result.ok) return `invalid: ${result.error.message}`;
  return result.action === 'errno' ? `errno ${result.data}` : result.action;
}

describe.skipIf(!present)('compile_seccomp_policy builds the crosvm corpora as crosvm does', () => {
  it.each(corpora)('$name: every conformance decision agrees', async ({ name, arches, vectors: expectedCount }) => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`pnpm build\` first`);
    const vectors = readConformanceVectors(join(shared, 'conformance', `${name}.jsonl`));
    expect(vectors).toHaveLength(expectedCount);
    const mismatches: string[] = [];
    let compiled = 0;
    let spawnedCount = 0;
    for (const arch of arches) {
      const folder = await prepare(name, arch);
      const { table } = readMinijailArchJson(readFileSync(join(folder, 'constants.json'), 'utf8'), 'constants.json');
      if (table === undefined) throw new Error(`${name}/${arch}/constants.json does not read`);
      const policies = readdirSync(folder).filter((file) => file.endsWith('.policy')).sort();
      const argv = (policy: string, output: string): string[] => ['--arch-json', 'constants.json', '--default-action', 'trap', policy, output];
      const spawned = spawnedPolicies(folder, policies);
      const jobs = [...spawned].map((policy) => async () => {
        await run(process.execPath, [bin, ...argv(policy, policy.replace(/\.policy$/, '.bpf'))], { cwd: folder });
      });
      await inParallel(jobs, Math.max(2, availableParallelism()));
      for (const policy of policies) {
        if (!spawned.has(policy)) {
          compileInProcess(folder, argv(policy, policy.replace(/\.policy$/, '.bpf')));
          continue;
        }
        // The same command line in this process writes the bin's bytes.
        const again = policy.replace(/\.policy$/, '.in-process.bpf');
        compileInProcess(folder, argv(policy, again));
        expect(readFileSync(join(folder, again)), `${name}/${arch}/${policy}`).toEqual(readFileSync(join(folder, policy.replace(/\.policy$/, '.bpf'))));
        spawnedCount++;
      }
      for (const policy of policies) {
        const program = decodeProgram(new Uint8Array(readFileSync(join(folder, policy.replace(/\.policy$/, '.bpf'))))).program;
        compiled++;
        for (const vector of vectors.filter((entry) => entry.policy === `${arch}/${policy}`)) {
          const got = decide(program, table, vector);
          if (got !== vector.expect) mismatches.push(`${vector.policy} ${vector.syscall}(${vector.args.join(', ')}): expected ${vector.expect}, got ${got}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    // Every policy the vectors name was compiled.
    expect(compiled).toBe(new Set(vectors.map((vector) => vector.policy)).size);
    // Each folder had at least two policies through the built bin (one with an include, one without).
    expect(spawnedCount).toBeGreaterThanOrEqual(2 * arches.length);
  }, 900_000);
});
