// `--help` through the built binary: the command list, each command's usage with examples, the
// shared flag vocabulary, and every example in the help run as written in a shell.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helpExamples } from '../src/help-examples.js';
import { helpOf, repoRoot, runShellInProcess, stackFrame } from './contract-support.js';
import { binEnv, binPath, runInProcess } from './helpers.js';

// Every command, in `--help` order: the commands help-examples.json gives examples for (each
// must have some), so a new command is listed once, there, and not again here.
const commands = Object.keys(helpExamples);

// Commands that print results, and so take --format json (build's --format is the format of the
// files it writes; its stdout summary takes --summary json).
const printsResults = ['parse', 'check', 'disasm', 'simulate', 'explain', 'stats', 'diff', 'verify', 'audit', 'arch'];

function commandList(help: string): string[] {
  const section = help.split('\nCommands:\n')[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z]+) /gm)].map((match) => match[1] ?? '');
}

describe('syscage --help (the command list from the built binary)', { timeout: 60_000 }, () => {
  it('lists every command, in order', async () => {
    expect(commandList(await helpOf(''))).toEqual([...commands, 'help']);
  });

  it('`pnpm exec syscage --help` from the repository root lists every command', () => {
    const result = spawnSync('pnpm', ['exec', 'syscage', '--help'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(commandList(result.stdout)).toEqual([...commands, 'help']);
  });

  it.concurrent.each(commands)('%s --help shows its usage and examples', async (command) => {
    const help = await helpOf(command);
    expect(help).toMatch(new RegExp(`^Usage: syscage ${command} `));
    const examples = helpExamples[command] ?? [];
    expect(examples.length).toBeGreaterThan(0);
    const shown = help.split('\nExamples:\n')[1] ?? '';
    for (const example of examples) expect(shown).toContain(`  $ ${example.command}\n`);
  });

  it.concurrent.each(printsResults)('%s takes --format json', async (command) => {
    expect(await helpOf(command)).toMatch(/--format <format> .*\n?.*"json"/);
  });

  it.concurrent.each(['check', 'compile', 'flatten', 'export', 'build', 'disasm', 'simulate', 'explain', 'stats', 'diff', 'verify', 'audit', 'run', 'learn'])('%s takes --arch and --include-map FROM=TO', async (command) => {
    const help = await helpOf(command);
    expect(help).toContain('--arch <arch>');
    expect(help).toMatch(/--include-map <from=to>/);
  });

  it.concurrent.each(['compile', 'build', 'learn'])('%s writes to -o', async (command) => {
    expect(await helpOf(command)).toMatch(/^ {2}-o, --(out|output) </m);
  });
});

// The README documents every command as its --help shows it: the same synopsis, every flag.
describe('README.md matches --help', { timeout: 60_000 }, () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const sections = new Map(
    readme.split(/^### /m).slice(1).map((section) => [/^`syscage ([a-z]+)/.exec(section)?.[1] ?? '', section]),
  );

  it.concurrent.each(commands)('%s', async (command) => {
    const help = await helpOf(command);
    const section = sections.get(command);
    expect(section, `README.md has no section for ${command}`).toBeDefined();
    const usage = /^Usage: (syscage .+)$/m.exec(help)?.[1];
    expect(section?.split('\n')[0]).toBe(`\`${usage ?? ''}\``);
    const flags = [...help.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((match) => match[1] ?? '').filter((flag) => flag !== '--help');
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) expect(section, `README.md's ${command} section lacks ${flag}`).toContain(flag);
  });
});

// Every example runs from a folder that has the repository's examples/ and policies/, in the
// order the help shows them (a later example may read what an earlier one wrote).
let workdir = '';
let pathWithSyscage = '';

beforeAll(() => {
  workdir = mkdtempSync(join(tmpdir(), 'syscage-help-examples-'));
  symlinkSync(join(repoRoot, 'examples'), join(workdir, 'examples'));
  symlinkSync(join(repoRoot, 'policies'), join(workdir, 'policies'));
  const bin = join(workdir, '.bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'syscage'), `#!/bin/sh\nexec "${process.execPath}" "${binPath}" "$@"\n`);
  chmodSync(join(bin, 'syscage'), 0o755);
  pathWithSyscage = `${bin}${delimiter}${process.env.PATH ?? ''}`;
});

afterAll(() => {
  rmSync(workdir, { recursive: true, force: true });
});

// run and learn start real processes under seccomp filters written for x86_64.
const runnable = commands.filter((command) => process.arch === 'x64' || (command !== 'run' && command !== 'learn'));
const exampleRows = runnable.flatMap((command) => (helpExamples[command] ?? []).map((example) => ({ name: `${command}: ${example.command}`, command: example.command, exitCode: example.exitCode })));

/**
 * The words of an example that is one `syscage` command and nothing else of the shell's (no
 * `&&`, redirection, pipe or substitution), as the shell splits them, or undefined. The shell
 * itself splits them: `syscage` is a function there that prints its arguments.
 */
function syscageWords(command: string): string[] | undefined {
  if (!command.startsWith('syscage ') || /[&|;<>`$]/.test(command.replace(/'[^']*'/g, "''"))) return undefined;
  const words = spawnSync('/bin/sh', ['-c', `syscage() { printf '%s\\0' "$@"; }; ${command}`], { encoding: 'utf8', timeout: 60_000 });
  if (words.status !== 0) throw new Error(`/bin/sh could not split ${command}: ${words.stderr}`);
  return words.stdout.split('\0').slice(0, -1);
}

// An example that is one syscage command runs in this process, on the words the shell split it
// into (runContract's reasoning: bin.ts only hands runCli's result to process.exitCode); one that
// uses the shell (&&, redirection) runs in the shell with each `syscage` call in this process
// (runShellInProcess). One example runs as a user runs it: in the shell, through the built binary
// on PATH, starting and tracing its command. The build examples compile a whole architecture of
// policies/: up to a minute of wall time under load (3 s of CPU); the timeouts catch a hang only.
// In the help's order even under vitest --sequence.shuffle: a later example reads what an earlier one wrote.
describe('the examples in --help work as written', { timeout: 600_000, shuffle: false }, () => {
  const throughBinary = new Set(exampleRows.filter((row) => row.command === 'syscage run --mode learn -- /bin/true').map((row) => row.command));

  it('some run in the shell, the others in this process', async () => {
    const inShell = exampleRows.filter((row) => syscageWords(row.command) === undefined).map((row) => row.command);
    expect(inShell).toContain('syscage arch --format json x86_64 > x86_64.json');
    expect(exampleRows.length - inShell.length).toBeGreaterThan(20);
    expect(syscageWords("syscage simulate --syscall mmap --args '0,4096,PROT_READ|PROT_WRITE' examples/echo_server.policy")).toEqual([
      'simulate', '--syscall', 'mmap', '--args', '0,4096,PROT_READ|PROT_WRITE', 'examples/echo_server.policy',
    ]);
    // In the shell, each `syscage` call runs in this process: && stops at a failing call, and
    // stdout goes where the shell redirects it.
    const bridged = await runShellInProcess("syscage arch --syscall 'not a syscall' x86_64 && syscage arch > never.txt", workdir);
    expect(bridged).toMatchObject({ code: 1, stdout: '' });
    expect(bridged.stderr).toMatch(/unknown syscall 'not a syscall' on x86_64/);
    expect(existsSync(join(workdir, 'never.txt'))).toBe(false);
    expect(await runShellInProcess('syscage arch arm64 --syscall openat > openat.txt && echo "exit $?"', workdir)).toMatchObject({ code: 0, stdout: 'exit 0\n', stderr: '' });
    expect(readFileSync(join(workdir, 'openat.txt'), 'utf8')).toBe((await runInProcess(['arch', 'arm64', '--syscall', 'openat'], workdir)).stdout);
    // run starts its command only on x86_64 (the filters are written for it).
    expect(throughBinary.size).toBe(process.arch === 'x64' ? 1 : 0);
  });

  it.each(exampleRows)('$name', async ({ command, exitCode }) => {
    const words = syscageWords(command);
    const result = throughBinary.has(command)
      ? spawnSync('/bin/sh', ['-c', command], {
          cwd: workdir,
          env: binEnv({ PATH: pathWithSyscage }),
          encoding: 'utf8',
          timeout: 600_000,
        })
      : words === undefined
        ? await runShellInProcess(command, workdir)
        : await runInProcess(words, workdir);
    const status = 'status' in result ? result.status : result.code;
    expect(status, result.stderr).toBe(exitCode ?? 0);
    expect(result.stderr).not.toMatch(stackFrame);
  });
});
