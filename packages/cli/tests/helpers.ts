// Test helpers: run syscage in-process (fast, no build needed) or as the real built binary.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/index.js';

/** What a syscage run printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Path of the built executable (`pnpm build` makes it). */
export const binPath = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** Runs the CLI in this process with colours off. */
export async function runInProcess(argv: readonly string[], cwd = process.cwd()): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    color: false,
    cwd,
    debug: false,
  });
  return { code, stdout, stderr };
}

/**
 * The environment of a spawned built binary: this process's, with colours off, and without the
 * launcher the in-process runs use (tests/setup-launcher.ts), so that the binary starts its own.
 */
export function binEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  delete env.SYSCAGE_LAUNCHER;
  return env;
}

/** Spawns the built `syscage` binary, as a user would run it. Throws if it was not built. */
export function spawnCli(argv: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
  if (!existsSync(binPath)) throw new Error(`${binPath} is missing: run \`pnpm build\` first`);
  const result = spawnSync(process.execPath, [binPath, ...argv], {
    cwd: options.cwd ?? process.cwd(),
    env: binEnv(options.env),
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
