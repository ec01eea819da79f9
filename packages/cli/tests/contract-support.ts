// Inputs shared by the contract tests: the repository's examples, and a scratch folder with a
// policy that has a syntax error, a truncated .bpf, a compiled .bpf and a file that blocks paths.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliResult, binEnv, binPath, runInProcess } from './helpers.js';

/** The repository root (holds examples/ and policies/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A loaded example policy for x86_64 and aarch64, with an include and a frequency file. */
export const echoPolicy = join(repoRoot, 'examples', 'echo_server.policy');
/** The example policy of a block device (it includes common.policy): it allows what echo.bpf does not. */
export const blockPolicy = join(repoRoot, 'examples', 'block_device.policy');
/** The example OCI container profile. */
export const containerProfile = join(repoRoot, 'examples', 'container.json');

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

/** A scratch folder made by makeScratch, with its cleanup function. */
export interface Scratch {
  readonly dir: string;
  readonly cleanup: () => void;
}

/**
 * Makes the scratch folder (cwd of the tests) and returns it with a cleanup function. Its
 * echo.bpf is compiled in this process: an input of the tests, not what they check.
 */
export async function makeScratch(): Promise<Scratch> {
  const dir = mkdtempSync(join(tmpdir(), 'syscage-contract-'));
  mkdirSync(join(dir, 'x86_64'));
  writeFileSync(join(dir, 'x86_64', 'syntax.policy'), 'read: 1\nwrite: (\n');
  writeFileSync(join(dir, 'odd.bpf'), 'abc');
  writeFileSync(join(dir, 'afile'), 'a file, so afile/anything cannot be created\n');
  const compiled = await runInProcess(['compile', '--arch', 'x86_64', '-o', 'echo.bpf', echoPolicy], dir);
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
      env: binEnv(options.env),
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

/**
 * Runs a command line in `/bin/sh` (its `&&`, redirections and quoting are the shell's), where
 * `syscage` is a shell function that runs each of its calls in this process (`runInProcess` in
 * `cwd`): the function sends its arguments through a named pipe, prints the call's stdout and
 * stderr as its own, and returns its exit code. So a compound example runs as written without
 * a Node start-up and a load of the bundle per call (about 0.45 s of CPU each). Throws if the
 * shell cannot start; a call that throws exits 70 with the error on stderr, as the binary would.
 */
export async function runShellInProcess(command: string, cwd: string): Promise<CliResult> {
  const pipes = mkdtempSync(join(tmpdir(), 'syscage-sh-'));
  try {
    const [request, out, err, status] = ['request', 'out', 'err', 'status'].map((name) => join(pipes, name)) as [string, string, string, string];
    const made = spawnSync('mkfifo', [request, out, err, status], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
    // The argument count first, so that a call with no arguments is told from one empty argument.
    const define = `syscage() { printf '%s\\0' "$#" "$@" > '${request}'; cat '${out}'; cat '${err}' >&2; read -r syscage_status < '${status}'; return "$syscage_status"; }`;
    const shell = spawn('/bin/sh', ['-c', `${define}\n${command}`], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    shell.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    shell.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number>((resolvePromise, reject) => {
      shell.on('error', reject);
      shell.on('close', (code, signal) => {
        resolvePromise(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
      });
    });
    // When the shell has ended (or did not start), an empty request ends the loop below, which
    // waits for the next call.
    const ended = exited.finally(() => writeFile(request, ''));
    ended.catch(() => undefined);
    for (;;) {
      const text = await readFile(request, 'utf8');
      if (text === '') break;
      const [, ...words] = text.split('\0').slice(0, -1);
      let result: CliResult;
      try {
        result = await runInProcess(words, cwd);
      } catch (error) {
        result = { code: 70, stdout: '', stderr: `${String(error)}\n` };
      }
      await writeFile(out, result.stdout);
      await writeFile(err, result.stderr);
      await writeFile(status, `${String(result.code)}\n`);
    }
    return { code: await ended, stdout, stderr };
  } finally {
    rmSync(pipes, { recursive: true, force: true });
  }
}
