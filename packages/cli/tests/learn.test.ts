// `syscage learn`, in-process: the rules it writes let the same command run in enforce mode.
import { spawnSync } from 'node:child_process';
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

  it('learns the same rules from a strace log of the command as from a live run', async () => {
    const command = ['/bin/sh', '-c', 'ls empty; ls / | head -n 1 > /dev/null'];
    const live = await runInProcess(['learn', '-o', 'live.policy', '--', ...command], folder);
    expect(live.code).toBe(0);
    for (const raw of [[], ['-n', '-X', 'raw', '-e', 'raw=all']]) {
      const traced = spawnSync('strace', ['-f', '-qq', ...raw, '-e', 'inject=clone3:error=ENOSYS', '-o', 'run.strace', '--', ...command], { cwd: folder });
      expect(traced.status).toBe(0);
      const fromLog = await runInProcess(['learn', '--from-strace', 'run.strace', '-o', 'log.policy'], folder);
      expect(fromLog).toMatchObject({ code: 0, stderr: expect.stringMatching(/rules from \d+ calls from 1 log → log\.policy/) as unknown });
      const body = (file: string): string => readFileSync(join(folder, file), 'utf8').replace(/^(#[^\n]*\n)+\n/, '');
      expect(readFileSync(join(folder, 'log.policy'), 'utf8')).toMatch(/^# Made by `syscage learn` from the strace log run\.strace\.\n/);
      expect(body('log.policy')).toBe(body('live.policy'));
    }
  });

  it('learns from audit records, and leaves rules that need arguments as a comment', async () => {
    const record = (nr: number): string => `audit: type=1326 audit(1700000000.123:45): pid=1234 comm="ls" exe="/usr/bin/ls" sig=0 arch=c000003e syscall=${nr} compat=0 ip=0x7f00 code=0x7ffc0000`;
    writeFileSync(join(folder, 'audit.log'), `${[record(1), record(9), record(1)].join('\n')}\n`);
    const learned = await runInProcess(['learn', '--from-audit', 'audit.log', '--frequency', 'audit.frequency', '-o', 'audit.policy'], folder);
    expect(learned.code).toBe(0);
    expect(learned.stderr).toMatch(/SC5011/);
    expect(learned.stderr).toMatch(/audit\.log:2:\d+/);
    const policy = readFileSync(join(folder, 'audit.policy'), 'utf8');
    expect(policy).toMatch(/^@frequency \.\/audit\.frequency$/m);
    expect(policy).toMatch(/^write: 1$/m);
    expect(policy).not.toMatch(/^mmap:/m);
    expect(policy).toMatch(/^# mmap: args arg2$/m);
    expect(readFileSync(join(folder, 'audit.frequency'), 'utf8')).toMatch(/^write: 2$/m);
  });

  it('merges into a starting policy in place: its conditional rules widen on their own line by observed values, never to 1', async () => {
    writeFileSync(join(folder, 'lines.txt'), 'a\nb\n');
    const command = ['/bin/sh', '-c', 'cat lines.txt'];
    writeFileSync(join(folder, 'base.policy'), '# the base\nread: arg0 == 1000\nwrite: arg0 == 1000\n');
    const merged = await runInProcess(['learn', '--policy', 'base.policy', '-o', 'merged.policy', '--', ...command], folder);
    expect(merged.code).toBe(0);
    expect(merged.stderr).toMatch(/merged into base\.policy \(2 widened in place: read at line 2, write at line 3; \d+ added\) → merged\.policy/);
    const policy = readFileSync(join(folder, 'merged.policy'), 'utf8');
    // The old merge appended `read: arg0 == 3` below: a second line for read, which libminijail rejects.
    expect(policy.startsWith('# the base\nread: arg0 == 1000 || arg0 == 3\nwrite: arg0 == 1000 || arg0 == 1\n\n# Made by `syscage learn` from one run of `/bin/sh -c cat lines.txt` on x86_64: the rules base.policy lacks.\n')).toBe(true);
    expect(policy.match(/^read:/gm)).toHaveLength(1);
    expect(policy.match(/^write:/gm)).toHaveLength(1);
    expect(policy).not.toMatch(/^(read|write): 1$/m);
    expect(await runInProcess(['check', 'merged.policy'], folder)).toMatchObject({ code: 0 });
    const cReading = await runInProcess(['check', '--dialect', 'minijail-c', 'merged.policy'], folder);
    expect(cReading.stderr).not.toMatch(/SC2039/);
    const run = await runInProcess(['run', '--policy', 'merged.policy', '--', ...command], folder);
    expect(run.code).toBe(0);
  });

  it('writes nothing when the rule to widen is in a file the starting policy includes, and says what to add there', async () => {
    writeFileSync(join(folder, 'common-io.policy'), 'read: arg0 == 1000\n');
    writeFileSync(join(folder, 'device.policy'), '@include ./common-io.policy\n');
    writeFileSync(join(folder, 'one-read.strace'), '1 execve("/bin/true", ["true"], 0x7ffc /* 1 var */) = 0\n1 read(3, "", 10) = 0\n');
    const merged = await runInProcess(['learn', '--from-strace', 'one-read.strace', '--policy', 'device.policy', '-o', 'device2.policy', '--frequency', 'device2.frequency'], folder);
    expect(merged.code).toBe(1);
    expect(merged.stderr).toMatch(/common-io\.policy:1:1: error\[SC5016\].*add `arg0 == 3` to it by hand/);
    expect(merged.stderr).toMatch(/help: read: arg0 == 1000 \|\| arg0 == 3/);
    expect(merged.stderr).toMatch(/nothing written/);
    expect(existsSync(join(folder, 'device2.policy'))).toBe(false);
    expect(existsSync(join(folder, 'device2.frequency'))).toBe(false);
  });

  it('counts the calls a log could not give whole, each with a warning at its line', async () => {
    writeFileSync(join(folder, 'cut.strace'), '1 execve("/bin/true", ["true"], 0x7ffc /* 1 var */) = 0\n1 mmap(NULL, 8192, PROT_READ|PROT_WR\n1 <... read resumed>"", 10) = 0\n');
    const learned = await runInProcess(['learn', '--from-strace', 'cut.strace', '-o', 'cut.policy'], folder);
    expect(learned.code).toBe(0);
    expect(learned.stderr).toMatch(/cut\.strace:2:3: warning\[SC5014\]/);
    expect(learned.stderr).toMatch(/cut\.strace:3:8: warning\[SC5015\]/);
    expect(learned.stderr).toMatch(/warning: 2 calls were left out or kept without their arguments/);
    const policy = readFileSync(join(folder, 'cut.policy'), 'utf8');
    expect(policy).not.toMatch(/^mmap:/m);
    expect(policy).toMatch(/^# mmap: args arg2$/m);
    expect(policy).toMatch(/^read: 1$/m);
  });

  it('writes the learned policy as an OCI profile with --format oci', async () => {
    const learned = await runInProcess(['learn', '--format', 'oci', '-o', 'true.json', '--', '/bin/true'], folder);
    expect(learned.code).toBe(0);
    const profile = JSON.parse(readFileSync(join(folder, 'true.json'), 'utf8')) as {
      defaultAction: string;
      syscalls: { names: string[]; action: string; args?: { index: number; value: number; op: string }[] }[];
    };
    expect(profile.defaultAction).toBe('SCMP_ACT_KILL_PROCESS');
    const allowed = profile.syscalls.filter((entry) => entry.action === 'SCMP_ACT_ALLOW');
    expect(allowed.flatMap((entry) => entry.names)).toEqual(expect.arrayContaining(['execve', 'exit_group', 'mmap']));
    // mmap keeps its protection condition: no entry allows it unconditionally.
    expect(allowed.filter((entry) => entry.names.includes('mmap')).every((entry) => (entry.args ?? []).some((arg) => arg.index === 2))).toBe(true);
    expect(profile.syscalls.some((entry) => entry.names.includes('clone3') && entry.action === 'SCMP_ACT_ERRNO')).toBe(true);
  });

  it.each<[string, string[], number, RegExp]>([
    ['a command and logs', ['--from-strace', 'run.strace', '--', '/bin/true'], 2, /give a command or --from-strace\/--from-audit logs, not both/],
    ['neither a command nor logs', [], 2, /give a command \(after --\) or --from-strace\/--from-audit logs/],
    ['a missing log', ['--from-strace', 'missing.strace'], 3, /cannot read missing\.strace: ENOENT/],
    ['a log without calls', ['--from-strace', 'lines.txt'], 1, /SC5012/],
    ['a merged policy in another folder than its ./ includes', ['--policy', 'inc.policy', '-o', 'out/inc.policy', '--', '/bin/true'], 2, /not in the folder of the starting policy/],
  ])('fails on %s', async (_name, args, code, message) => {
    // The log without calls; the files are written here, not by an earlier test (vitest --sequence.shuffle).
    writeFileSync(join(folder, 'lines.txt'), 'a\nb\n');
    writeFileSync(join(folder, 'inc.policy'), '@include ./start.policy\n');
    writeFileSync(join(folder, 'start.policy'), 'execve: 1\nexit_group: 1\n');
    mkdirSync(join(folder, 'out'), { recursive: true });
    const result = await runInProcess(['learn', ...args], folder);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
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
