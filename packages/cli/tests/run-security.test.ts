// `syscage run` never reads a filter kill as success, and refuses options it would ignore or that
// would make the jail permissive (issue 22 items 3 and 5).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeProgram } from '@syscage/bpf-codegen';
import type { BpfProgram } from '@syscage/bpf-codegen';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';

const folder = mkdtempSync(join(tmpdir(), 'syscage-run-security-'));
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

const AUDIT_ARCH_X86_64 = 0xc000003e;
const AUDIT_ARCH_AARCH64 = 0xc00000b7;
// sched_yield: Python releases its lock around it, so the killed thread leaves the main one running.
const SCHED_YIELD_X86_64 = 24;
const RET_ALLOW = 0x7fff0000;
const RET_KILL_THREAD = 0;
const RET_KILL_PROCESS = 0x80000000;

/** Allows everything on `auditArch` except sched_yield, which kills the calling thread. */
function killYieldThread(auditArch: number): BpfProgram {
  return [
    { code: 0x20, jt: 0, jf: 0, k: 4 }, // ld [arch]
    { code: 0x15, jt: 1, jf: 0, k: auditArch }, // jeq arch
    { code: 0x06, jt: 0, jf: 0, k: RET_KILL_PROCESS },
    { code: 0x20, jt: 0, jf: 0, k: 0 }, // ld [nr]
    { code: 0x15, jt: 0, jf: 1, k: SCHED_YIELD_X86_64 },
    { code: 0x06, jt: 0, jf: 0, k: RET_KILL_THREAD },
    { code: 0x06, jt: 0, jf: 0, k: RET_ALLOW },
  ];
}
writeFileSync(join(folder, 'kill-yield-thread.bpf'), encodeProgram(killYieldThread(AUDIT_ARCH_X86_64), { byteOrder: 'little' }));
writeFileSync(join(folder, 'aarch64.bpf'), encodeProgram(killYieldThread(AUDIT_ARCH_AARCH64), { byteOrder: 'little' }));
writeFileSync(join(folder, 'true.policy'), 'execve: 1\nexit_group: 1\n');

// A second thread makes the denied call; the main thread goes on and exits 0 once that thread is
// gone. It waits for that, not for a duration: after a fixed 0.5 s sleep, a loaded machine could
// end the process before the thread made its call, and nothing would have been killed.
const threaded =
  'import os, threading, time\nthreading.Thread(target=os.sched_yield, daemon=True).start()\nwhile len(os.listdir("/proc/self/task")) > 1:\n    time.sleep(0.01)\nos._exit(0)\n';

describe.runIf(process.arch === 'x64' && process.platform === 'linux')('run after a thread kill', { timeout: 60_000 }, () => {
  it('exits 128 + SIGSYS although the process exited 0', async () => {
    const result = await runInProcess(['run', '--bpf', 'kill-yield-thread.bpf', '--', '/usr/bin/python3', '-c', threaded], folder);
    expect(result.stderr).toContain('killed by the seccomp filter at sched_yield');
    expect(result.stderr).toContain('exiting 159 (128 + SIGSYS)');
    expect(result.code).toBe(128 + 31);
  });

  it('exits 0 when no thread was killed', async () => {
    const result = await runInProcess(['run', '--bpf', 'kill-yield-thread.bpf', '--', '/usr/bin/python3', '-c', 'print(1)'], folder);
    expect(result.code).toBe(0);
  });
});

describe('run options that would be ignored or permissive', () => {
  it.each([
    ['--default-action allow', ['--policy', 'true.policy', '--default-action', 'allow']],
    ['--default-action log', ['--policy', 'true.policy', '--default-action', 'log']],
  ])('refuses %s as @default allow is refused (SC1028)', async (_name, args) => {
    const result = await runInProcess(['run', ...args, '--', '/bin/true'], folder);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SC1028');
    expect(result.stderr).toContain('--mode log');
  });

  it.each([
    ['--default-action', ['--default-action', 'trap']],
    ['--use-kill-process', ['--use-kill-process']],
    ['--kill-thread', ['--kill-thread']],
    ['--include-map', ['--include-map', '/etc/x=.']],
  ])('refuses %s with --bpf', async (flag, args) => {
    const result = await runInProcess(['run', '--bpf', 'kill-yield-thread.bpf', ...args, '--', '/bin/true'], folder);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${flag}: only for a .policy input`);
  });

  it('refuses --arch that is not the architecture the .bpf checks, before anything runs', async () => {
    const result = await runInProcess(['run', '--bpf', 'kill-yield-thread.bpf', '--arch', 'aarch64', '--', '/bin/true'], folder);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--arch aarch64: kill-yield-thread\.bpf is a filter for .*X86_64.*not aarch64/i);
  });

  it.runIf(process.arch === 'x64')('accepts --arch that matches the .bpf', async () => {
    const result = await runInProcess(['run', '--bpf', 'kill-yield-thread.bpf', '--arch', 'x86_64', '--', '/bin/true'], folder);
    expect(result.code).toBe(0);
  });
});
