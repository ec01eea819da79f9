// `syscage learn`, in-process: the rules it writes let the same command run in enforce mode.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCliAsync } from './contract-support.js';
import { binPath, runInProcess } from './helpers.js';

let folder = '';

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'syscage-learn-'));
  mkdirSync(join(folder, 'empty'));
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

// Each launch starts Node processes (the launcher, the supervisor): allow for a slow machine.
describe('syscage learn', { timeout: 120_000 }, () => {
  it('writes rules under which the command then runs', async () => {
    const learned = await runInProcess(['learn', '-o', 'sh.policy', '--', '/bin/sh', '-c', 'ls empty; exit 3'], folder);
    expect(learned.code).toBe(0);
    expect(learned.stderr).toMatch(/warning: `\/bin\/sh -c ls empty; exit 3` exited with status 3/);
    expect(learned.stderr).toMatch(/\d+ rules from one run \(user-notification supervisor\) → sh\.policy/);
    const policy = readFileSync(join(folder, 'sh.policy'), 'utf8');
    expect(policy).toMatch(/^# Made by `syscage learn` from one run of `\/bin\/sh -c ls empty; exit 3` on x86_64\.\n/);
    expect(policy).toMatch(/^execve: 1$/m);
    expect(policy).toMatch(/^exit_group: 1$/m);
    const run = await runInProcess(['run', '--policy', 'sh.policy', '--use-kill-process', '--', '/bin/sh', '-c', 'ls empty; exit 3'], folder);
    expect(run).toMatchObject({ code: 3, stderr: '' });
  });

  it('proposes only what a starting policy lacks, on stderr without -o (stdout stays the command’s)', async () => {
    writeFileSync(join(folder, 'start.policy'), 'execve: 1\nexit_group: 1\n');
    const learned = await runInProcess(['learn', '--policy', 'start.policy', '--', '/bin/true'], folder);
    expect(learned.code).toBe(0);
    expect(learned.stdout).toBe('');
    expect(learned.stderr).toMatch(/^# Made by `syscage learn` from one run of `\/bin\/true` on x86_64: the rules start\.policy lacks\.\n/);
    expect(learned.stderr).not.toMatch(/^(execve|exit_group):/m);
    expect(learned.stderr).toMatch(/^mmap: arg2 == PROT_READ/m);
  });

  it('learns through strace when asked, and says so', async () => {
    const learned = await runInProcess(['learn', '--monitor', 'strace', '--', '/bin/true'], folder);
    expect(learned.code).toBe(0);
    expect(learned.stderr).toMatch(/rules from one run \(strace; the command ran without a filter\)/);
    expect(learned.stderr).toMatch(/^execve: 1$/m);
  });

  // The built binary, as a user runs it: the command inherits syscage's stdout.
  it.runIf(existsSync(binPath))('leaves stdout to the command: its output only, no rules', async () => {
    const learned = await spawnCliAsync(['learn', '--', '/bin/echo', 'the command’s own line'], { cwd: folder });
    expect(learned.code).toBe(0);
    expect(learned.stdout).toBe('the command’s own line\n');
    expect(learned.stderr).toMatch(/^write: 1$/m);
  });

  it('writes the observed counts to a .frequency file the policy references, and a newline in an argument stays in the comment', async () => {
    mkdirSync(join(folder, 'out'), { recursive: true });
    const learned = await runInProcess(['learn', '-o', 'out/echo.policy', '--frequency', 'out/echo.frequency', '--', '/bin/sh', '-c', 'echo one\necho two'], folder);
    expect(learned.code).toBe(0);
    const policy = readFileSync(join(folder, 'out/echo.policy'), 'utf8');
    expect(policy).toMatch(/^# Made by `syscage learn` from one run of `\/bin\/sh -c echo one\\u000aecho two`/);
    expect(policy).toMatch(/^@frequency \.\/echo\.frequency$/m);
    const frequency = readFileSync(join(folder, 'out/echo.frequency'), 'utf8');
    expect(frequency).toMatch(/^# Made by `syscage learn`/);
    expect(frequency).toMatch(/^write: 2$/m);
    expect(frequency).toMatch(/^execve: [1-9]\d*$/m);
    const checked = await runInProcess(['check', 'out/echo.policy'], folder);
    expect(checked).toMatchObject({ code: 0 });
    const run = await runInProcess(['run', '--policy', 'out/echo.policy', '--', '/bin/sh', '-c', 'echo one\necho two'], folder);
    expect(run.code).toBe(0);
  });

  it.each<[string, string[], number, RegExp]>([
    ['a bad --monitor', ['--monitor', 'ptrace', '--', '/bin/true'], 2, /argument 'ptrace' is invalid/],
    ['--runs, which is gone (one run only)', ['--runs', '2', '--', '/bin/true'], 2, /unknown option '--runs'/],
    ['a missing command', ['--', 'syscage-no-such-command'], 127, /SC5007 exec: .*\(ENOENT\); the command did not run/],
    ['an unreadable starting policy (an I/O error)', ['--policy', 'missing.policy', '--', '/bin/true'], 3, /SC5002 filter/],
  ])('fails on %s', async (_name, args, code, message) => {
    const result = await runInProcess(['learn', ...args], folder);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });
});
