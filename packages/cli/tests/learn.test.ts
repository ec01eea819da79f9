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
    expect(learned.stderr).toMatch(/\d+ rules from \d runs? \(user-notification supervisor\) → sh\.policy/);
    const policy = readFileSync(join(folder, 'sh.policy'), 'utf8');
    expect(policy).toMatch(/^# syscage learn: rules for `\/bin\/sh -c ls empty; exit 3`\n/);
    expect(policy).toMatch(/^execve: 1$/m);
    expect(policy).toMatch(/^exit_group: 1$/m);
    const run = await runInProcess(['run', '--policy', 'sh.policy', '--use-kill-process', '--', '/bin/sh', '-c', 'ls empty; exit 3'], folder);
    expect(run).toMatchObject({ code: 3, stderr: '' });
  });

  it('proposes only what a starting policy lacks, on stderr without -o (stdout stays the command’s)', async () => {
    writeFileSync(join(folder, 'start.policy'), 'execve: 1\nexit_group: 1\n');
    const learned = await runInProcess(['learn', '--policy', 'start.policy', '--runs', '1', '--', '/bin/true'], folder);
    expect(learned.code).toBe(0);
    expect(learned.stdout).toBe('');
    expect(learned.stderr).toMatch(/^# syscage learn: rules missing from start\.policy for `\/bin\/true`\n/);
    expect(learned.stderr).not.toMatch(/^(execve|exit_group):/m);
    expect(learned.stderr).toMatch(/^mmap: 1$/m);
  });

  it('learns through strace when asked, and says so', async () => {
    const learned = await runInProcess(['learn', '--monitor', 'strace', '--runs', '1', '--', '/bin/true'], folder);
    expect(learned.code).toBe(0);
    expect(learned.stderr).toMatch(/rules from 1 run \(strace; the command ran without a filter\)/);
    expect(learned.stderr).toMatch(/^execve: 1$/m);
  });

  // The built binary, as a user runs it: the command inherits syscage's stdout.
  it.runIf(existsSync(binPath))('leaves stdout to the command: its output only, no rules', async () => {
    const learned = await spawnCliAsync(['learn', '--runs', '1', '--', '/bin/echo', 'the command’s own line'], { cwd: folder });
    expect(learned.code).toBe(0);
    expect(learned.stdout).toBe('the command’s own line\n');
    expect(learned.stderr).toMatch(/^write: 1$/m);
  });

  it.each<[string, string[], number, RegExp]>([
    ['a bad --monitor', ['--monitor', 'ptrace', '--', '/bin/true'], 2, /argument 'ptrace' is invalid/],
    ['a bad --runs', ['--runs', '0', '--', '/bin/true'], 2, /--runs 0: expected a positive integer/],
    ['a missing command', ['--', 'syscage-no-such-command'], 127, /SC5007 exec: .*\(ENOENT\); the command did not run/],
    ['an unreadable starting policy (an I/O error)', ['--policy', 'missing.policy', '--', '/bin/true'], 3, /SC5002 filter/],
  ])('fails on %s', async (_name, args, code, message) => {
    const result = await runInProcess(['learn', ...args], folder);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });
});
