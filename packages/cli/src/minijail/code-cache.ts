/**
 * Runs the bundled `compile_seccomp_policy` program with a V8 code cache written by the build.
 *
 * A VMM build starts one process per policy, and in each of them V8 would parse the bundle, then
 * compile to bytecode every function the compile calls: work that is the same in every process.
 * The build runs the program once on a real policy and saves V8's code cache of the script
 * afterwards (so it holds every function that run compiled, not only the top level); each process
 * then deserializes that bytecode instead of compiling it. Node 20 has no compile cache of its own
 * (`module.enableCompileCache` came in Node 22), hence `vm.Script` with `cachedData`.
 *
 * V8 accepts a cache only for the same V8 version, the same flags and a source of the same
 * length; it does not compare the text. So the build stamps the program with the SHA-256 of its
 * text (its last line) and writes the same stamp before the cache: a cache is used only for the
 * exact text it was made from. A missing, stale or rejected cache only costs the time it saves.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** The program file's last line starts with this and ends with 64 hexadecimal digits. */
export const stampPrefix = '\n//# syscage-build-sha256 ';
const stampLength = 64;

/** The stamp of a program's text (its SHA-256, written by the build), or undefined if it has none. */
export function programStamp(source: string): string | undefined {
  const at = source.length - stampLength;
  if (at < stampPrefix.length || source.slice(at - stampPrefix.length, at) !== stampPrefix) return undefined;
  const stamp = source.slice(at);
  return /^[0-9a-f]{64}$/.test(stamp) ? stamp : undefined;
}

/** How the code cache was used, for `SYSCAGE_CODE_CACHE=report`. */
export type CodeCacheUse = 'accepted' | 'rejected' | 'stale' | 'absent' | 'off';

/** Environment variables the loader reads. */
export interface CodeCacheEnv {
  /** `off` ignores the cache (to measure without it); `report` prints how it was used on stderr. */
  readonly SYSCAGE_CODE_CACHE?: string;
  /** The build's training run: write the cache to this file when the program ends. */
  readonly SYSCAGE_CODE_CACHE_WRITE?: string;
}

/**
 * Runs a CommonJS program file (as Node would run it as the main module) with the code cache
 * `cacheFile`, and returns how the cache was used. With `SYSCAGE_CODE_CACHE_WRITE` set, writes a
 * new cache for the program when the process exits (made after the run, so it holds the bytecode
 * of every function the run compiled, including those taken from the old cache).
 */
export function runWithCodeCache(program: string, cacheFile: string, env: CodeCacheEnv): CodeCacheUse {
  const source = readFileSync(program, 'utf8');
  const stamp = programStamp(source);
  let use: CodeCacheUse = 'absent';
  let cachedData: Buffer | undefined;
  if (env.SYSCAGE_CODE_CACHE === 'off') use = 'off';
  else if (stamp !== undefined) {
    try {
      const cache = readFileSync(cacheFile);
      if (cache.toString('latin1', 0, stampLength) === stamp) cachedData = cache.subarray(stampLength);
      else use = 'stale';
    } catch {
      // No cache next to the program (not built yet, or removed): compile from source.
    }
  }
  // The same wrapper as Node's own for a CommonJS module, so the program sees what it would as main.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: program,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  if (cachedData !== undefined) use = script.cachedDataRejected === true ? 'rejected' : 'accepted';
  const target = env.SYSCAGE_CODE_CACHE_WRITE;
  if (target !== undefined && target !== '' && stamp !== undefined) {
    process.once('exit', () => {
      // Written whole and renamed, so a concurrent reader never sees half a cache.
      writeFileSync(`${target}.tmp`, Buffer.concat([Buffer.from(stamp, 'latin1'), script.createCachedData()]));
      renameSync(`${target}.tmp`, target);
    });
  }
  if (env.SYSCAGE_CODE_CACHE === 'report') process.stderr.write(`code cache: ${use}\n`);
  const main = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(main.exports, createRequire(program), main, program, dirname(program));
  return use;
}
