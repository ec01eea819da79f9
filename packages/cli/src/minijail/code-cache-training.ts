/**
 * The build's last step for the `compile_seccomp_policy` bundle (called from tsup.config.ts, not
 * part of any bundle): stamps the program with the SHA-256 of its text and writes its V8 code cache
 * by running the built bin, as a VMM build runs it, on real policies (see code-cache.ts).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { programStamp, stampPrefix } from './code-cache.js';

/** Where the built files are and what to train on. */
export interface TrainingInput {
  /** The built loader (`dist/minijail/compile-seccomp-policy.cjs`). */
  readonly bin: string;
  /** The bundled program it runs. */
  readonly program: string;
  /** The cache to write. */
  readonly cache: string;
  /** A folder of crosvm-shaped x86_64 policies that include each other from `/usr/share/policy/crosvm`. */
  readonly policies: string;
  /** The policies of that folder compiled in turn; each run adds the functions it compiled to the cache. */
  readonly train: readonly string[];
}

/**
 * Stamps the program and writes its code cache. Throws when a training compile fails, since a
 * cache made from a failed run would miss the compile's own functions.
 */
export async function trainCodeCache(input: TrainingInput): Promise<void> {
  const text = readFileSync(input.program, 'utf8');
  if (programStamp(text) === undefined) {
    writeFileSync(input.program, `${text}${stampPrefix}${createHash('sha256').update(text).digest('hex')}`);
  }
  rmSync(input.cache, { force: true });
  // Imported here rather than at the top, so that loading tsup's config (for every build of the
  // package) does not need the built arch tables; only this step does.
  const { formatMinijailArchJson, loadArchTable } = await import('@syscage/arch-tables');
  const loaded = await loadArchTable('x86_64', (specifier) => import(specifier));
  if (!loaded.ok) throw new Error(loaded.message);
  const folder = mkdtempSync(join(tmpdir(), 'syscage-code-cache-'));
  try {
    writeFileSync(join(folder, 'constants.json'), formatMinijailArchJson(loaded.table));
    // Copied as crosvm's build copies them: the install prefix replaced by the folder itself.
    for (const name of readdirSync(input.policies).filter((file) => /\.(?:policy|frequency)$/.test(file))) {
      const policy = readFileSync(join(input.policies, name), 'utf8');
      writeFileSync(join(folder, name), policy.replaceAll('/usr/share/policy/crosvm', '.'));
    }
    for (const policy of input.train) {
      const args = [input.bin, '--arch-json', 'constants.json', '--default-action', 'trap', policy, `${policy}.bpf`];
      const run = spawnSync(process.execPath, args, { cwd: folder, encoding: 'utf8', env: { ...process.env, SYSCAGE_CODE_CACHE_WRITE: input.cache } });
      if (run.status !== 0) throw new Error(`code cache training on ${policy}: exit ${String(run.status)}\n${run.stderr}`);
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
