// Inputs shared by the contract tests: the repository's examples, and a scratch folder with a
// policy that has a syntax error, a truncated .bpf, a compiled .bpf and a file that blocks paths.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliResult, binPath, runInProcess, spawnCli } from './helpers.js';

/** The repository root (holds examples/ and policies/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A loaded example policy for x86_64 and aarch64, with an include and a frequency file. */
export const echoPolicy = join(repoRoot, 'examples', 'echo_server.policy');

/** Build fixtures: a tree that builds, and one whose included block has a syntax error. */
export const goodTree = fileURLToPath(new URL('./fixtures/build/default-from-policy/tree', import.meta.url));
export const syntaxErrorTree = fileURLToPath(new URL('./fixtures/build/_error_/syntax/tree', import.meta.url));

/**
 * The syntax error in `x86_64/syntax.policy` is at line 2, column 8; every command that reads
 * a policy must name it like this.
 */
export const syntaxErrorAt = /x86_64\/syntax\.policy:2:8: error\[SC1005\]/;

/** A node stack frame: never printed without --debug. */
export const stackFrame = /^\s+at .+:\d+:\d+\)?$/m;

/** Makes the scratch folder (cwd of the tests) and returns it with a cleanup function. */
export function makeScratch(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'syscage-contract-'));
  mkdirSync(join(dir, 'x86_64'));
  writeFileSync(join(dir, 'x86_64', 'syntax.policy'), 'read: 1\nwrite: (\n');
  writeFileSync(join(dir, 'odd.bpf'), 'abc');
  writeFileSync(join(dir, 'afile'), 'a file, so afile/anything cannot be created\n');
  const compiled = spawnCli(['compile', '--arch', 'x86_64', '-o', 'echo.bpf', echoPolicy], { cwd: dir });
  if (compiled.code !== 0) throw new Error(`compiling the example failed: ${compiled.stderr}`);
  return {
    dir,
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Like spawnCli (the built binary, NO_COLOR=1 unless `env` says otherwise), but without blocking,
 * so that independent runs can overlap (`it.concurrent`).
 */
export function spawnCliAsync(argv: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [binPath, ...argv], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
  });
}

const helpTexts = new Map<string, Promise<string>>();

/**
 * `syscage <command> --help` (or the top-level help for ''), run once per command. The top-level
 * help is spawned from the built binary, so the command list is checked across the process
 * boundary; a command's help is the same text in-process (commander prints it through the
 * context), without a Node start-up and a load of the bundle per command.
 */
export function helpOf(command: string): Promise<string> {
  let help = helpTexts.get(command);
  if (help === undefined) {
    help = runContract(command === '' ? ['--help'] : [command, '--help'], { spawn: command === '' }).then((result) => {
      if (result.code !== 0) throw new Error(`syscage ${command} --help exited ${String(result.code)}: ${result.stderr}`);
      return result.stdout;
    });
    helpTexts.set(command, help);
  }
  return help;
}

/**
 * Runs one row of a contract table. `bin.ts` only hands `runCli`'s result to
 * `process.exitCode`, so what a row checks (exit code, stdout, stderr, files written) is the
 * same in this process, without a Node start-up and a load of the bundle per row: most rows run
 * in-process. Rows with `spawn: true` run the built binary, so that every exit code, the
 * colour and stream handling and `--debug` keep being checked across the process boundary.
 */
export function runContract(argv: readonly string[], options: { readonly cwd?: string; readonly spawn?: boolean } = {}): Promise<CliResult> {
  if (options.spawn === true) return spawnCliAsync(argv, options.cwd === undefined ? {} : { cwd: options.cwd });
  return runInProcess(argv, options.cwd);
}
