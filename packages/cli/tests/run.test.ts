// `syscage run`, in-process, starting real processes under real filters.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';

let folder = '';

// What a dynamically linked /bin/true needs on x86_64 (glibc's loader and exit).
const trueSyscalls = [
  'execve', 'brk', 'arch_prctl', 'mmap', 'access', 'openat', 'newfstatat', 'close', 'read',
  'pread64', 'mprotect', 'munmap', 'set_tid_address', 'set_robust_list', 'rseq', 'prlimit64', 'exit_group',
];

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'syscage-run-'));
  writeFileSync(join(folder, 'true.policy'), trueSyscalls.map((name) => `${name}: 1\n`).join(''));
  writeFileSync(join(folder, 'no-mprotect.policy'), trueSyscalls.filter((name) => name !== 'mprotect').map((name) => `${name}: 1\n`).join(''));
  writeFileSync(join(folder, 'broken.policy'), 'read: 1\nwrite: arg0 ==\n');
  // What `grep -v ^execve` leaves, with kill-thread: the launcher's thread dies, Node's others live on.
  writeFileSync(join(folder, 'no-execve.policy'), `@default kill-thread\n${trueSyscalls.filter((name) => name !== 'execve').map((name) => `${name}: 1\n`).join('')}`);
  writeFileSync(join(folder, 'portable.policy'), 'execve: 1\nexit_group: 1\n');
  // The loader's mprotect(…, PROT_READ) misses the one rule for mprotect.
  writeFileSync(
    join(folder, 'mprotect-none.policy'),
    `${trueSyscalls.filter((name) => name !== 'mprotect').map((name) => `${name}: 1\n`).join('')}mprotect: arg2 == PROT_NONE\n`,
  );
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

// Each launch starts Node processes (the launcher, the supervisor): allow for a slow machine.
describe.runIf(process.arch === 'x64')('syscage run', { timeout: 60_000 }, () => {
  it('runs a command under its policy and exits with its status', async () => {
    const result = await runInProcess(['run', '--policy', 'true.policy', '--use-kill-process', '--', '/bin/true'], folder);
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('exits 128 + SIGSYS and names the syscall when the filter kills the command', async () => {
    const result = await runInProcess(['run', '--policy', 'no-mprotect.policy', '--use-kill-process', '--', '/bin/true'], folder);
    expect(result.code).toBe(128 + 31);
    expect(result.stderr).toMatch(/killed by the seccomp filter at mprotect \(\d+\)/);
    expect(result.stderr).toMatch(/to allow it, add: {2}mprotect: 1/);
  });

  it('after a kill at a syscall with conditional rules, names the rule, the failed value and the widened rule', async () => {
    const result = await runInProcess(['run', '--policy', 'mprotect-none.policy', '--use-kill-process', '--', '/bin/true'], folder);
    expect(result.code).toBe(128 + 31);
    expect(result.stderr).toMatch(/the call: mprotect\(0x[0-9a-f]+, 0x[0-9a-f]+, 0x1=PROT_READ, /);
    expect(result.stderr).toContain('no rule for mprotect matched this call:');
    expect(result.stderr).toContain('    mprotect-none.policy:17: mprotect: arg2 == PROT_NONE\n');
    expect(result.stderr).toContain('to the rule at mprotect-none.policy:17:\n');
    expect(result.stderr).toContain('failed: arg2 == PROT_NONE (arg2 is 0x1=PROT_READ)');
    expect(result.stderr).toContain('    mprotect: arg2 == PROT_NONE || arg2 == PROT_READ\n');
    expect(result.stderr).not.toMatch(/mprotect: 1/);
  });

  it('in log mode runs to the end and lists what would have been denied', async () => {
    const result = await runInProcess(['run', '--policy', 'no-mprotect.policy', '--mode', 'log', '--', '/bin/true'], folder);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/calls? of 1 syscall outside the policy/);
    expect(result.stderr).toMatch(/mprotect \(\d+\) x\d+ would kill-process; first: mprotect\(0x/);
  });

  it('in learn mode prints the rules the policy lacks', async () => {
    const result = await runInProcess(['run', '--policy', 'no-mprotect.policy', '--mode', 'learn', '--', '/bin/true'], folder);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/rules to add:\n# memory\n# mprotect: these protections only: none both writable and executable\nmprotect: arg2 == PROT_READ\n/);
  });

  it('runs under a compiled .bpf file', async () => {
    const compiled = await runInProcess(['compile', '--arch', 'x86_64', '--use-kill-process', '-o', 'true.bpf', 'true.policy'], folder);
    expect(compiled.code).toBe(0);
    expect((await runInProcess(['run', '--bpf', 'true.bpf', '--', '/bin/true'], folder)).code).toBe(0);
  });

  it.each<[string, string[]]>([
    ['traced', []],
    ['untraced', ['--no-trace']],
  ])('ends within seconds when the policy lacks execve (%s): SC5007, nothing ran', async (_name, flags) => {
    const result = await runInProcess(['run', '--policy', 'no-execve.policy', ...flags, '--', '/bin/true'], folder);
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(/SC5007 exec: .*before the target.*; the command did not run/);
  });

  it('refuses a .bpf for another architecture before anything runs', async () => {
    const compiled = await runInProcess(['compile', '--arch', 'aarch64', '-o', 'aarch64.bpf', 'portable.policy'], folder);
    expect(compiled.code).toBe(0);
    const result = await runInProcess(['run', '--bpf', 'aarch64.bpf', '--', '/bin/true'], folder);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/SC5001 arch: the filter is for AUDIT_ARCH_AARCH64 .*but this machine is x86_64; the command did not run/);
  });

  it.each<[string, string[], number, RegExp]>([
    ['a policy with errors', ['--policy', 'broken.policy', '--', '/bin/true'], 1, /SC5002 filter: .*broken\.policy has errors; the command did not run/],
    ['a missing command', ['--policy', 'true.policy', '--', './no-such-command'], 127, /SC5007 exec: cannot execute \.\/no-such-command \(ENOENT\)/],
    ['another architecture', ['--policy', 'true.policy', '--arch', 'aarch64', '--', '/bin/true'], 1, /SC5001 arch: .*aarch64/],
    ['no filter at all', ['--', '/bin/true'], 2, /give --policy or --bpf/],
    ['both a policy and a .bpf', ['--policy', 'true.policy', '--bpf', 'x.bpf', '--', '/bin/true'], 2, /not both/],
    ['an unreadable .bpf', ['--bpf', 'missing.bpf', '--', '/bin/true'], 3, /cannot read missing\.bpf: ENOENT/],
  ])('fails closed on %s', async (_name, args, code, message) => {
    const result = await runInProcess(['run', ...args], folder);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });
});
