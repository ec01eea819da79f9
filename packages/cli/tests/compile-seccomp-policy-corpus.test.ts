// Both shared crosvm corpora built the way crosvm's build runs its compiler: each architecture
// folder copied, `/usr/share/policy/crosvm` replaced by `.`, and the built
// `compile_seccomp_policy --arch-json constants.json --default-action trap X.policy X.bpf` run once
// per policy, in parallel. Every decision of Minijail's in ../shared/conformance must agree.
// crosvm-2022-06 has no constants.json: the folder gets the one `syscage arch --format
// minijail-json` writes from Syscage's tables.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type ArchTable, formatMinijailArchJson, loadArchTable, readMinijailArchJson } from '@syscage/arch-tables';
import { decodeProgram, emulate } from '@syscage/bpf-codegen';
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
    for (const arch of arches) {
      const folder = await prepare(name, arch);
      const { table } = readMinijailArchJson(readFileSync(join(folder, 'constants.json'), 'utf8'), 'constants.json');
      if (table === undefined) throw new Error(`${name}/${arch}/constants.json does not read`);
      const policies = readdirSync(folder).filter((file) => file.endsWith('.policy')).sort();
      const jobs = policies.map((policy) => async () => {
        const output = policy.replace(/\.policy$/, '.bpf');
        await run(process.execPath, [bin, '--arch-json', 'constants.json', '--default-action', 'trap', policy, output], { cwd: folder });
        return output;
      });
      await inParallel(jobs, Math.max(2, availableParallelism()));
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
  }, 900_000);
});
