// readInstalledFilters: the filters a running process has, read with PTRACE_SECCOMP_GET_FILTER.
// A python3 target (python3-seccomp) installs two filters with libseccomp, writes what it
// installed with export_bpf and waits; the filters read back must be those programs, in
// installation order. Needs root (CAP_SYS_ADMIN) and python3-seccomp; skips visibly otherwise.
import { type ChildProcessByStdio, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { decodeProgram } from '@syscage/bpf-codegen';
import { afterAll, describe, expect, it } from 'vitest';
import { readInstalledFilters } from '../src/installed-filters.js';

const python = '/usr/bin/python3';
/** Whether this process has the capabilities reading filters takes: CAP_SYS_ADMIN (21) and CAP_SYS_PTRACE (19). */
function mayReadFilters(): boolean {
  if (process.platform !== 'linux') return false;
  const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  const caps = BigInt(`0x${effective ?? '0'}`);
  return ((caps >> 21n) & 1n) === 1n && ((caps >> 19n) & 1n) === 1n;
}
const usable = mayReadFilters() && spawnSync(python, ['-c', 'import seccomp'], { timeout: 30_000 }).status === 0;
if (!usable) console.warn('SKIPPED: reading installed filters needs Linux with CAP_SYS_ADMIN and CAP_SYS_PTRACE, and python3-seccomp');

// Two filters: ERRNO(1) for getppid, then ERRNO(2) for getuid; then the pid, then a long sleep.
const target = `
import os, sys, time, seccomp
for i, name in enumerate(["getppid", "getuid"]):
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    f.add_rule(seccomp.ERRNO(1 + i), name)
    with open(f"{sys.argv[1]}/{i}.bpf", "wb") as out:
        f.export_bpf(out)
    if sys.argv[2] == "filtered":
        f.load()
print(os.getpid(), flush=True)
time.sleep(60)
`;

const folder = mkdtempSync(join(tmpdir(), 'syscage-installed-'));
const children: ChildProcessByStdio<null, Readable, null>[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(folder, { recursive: true, force: true });
});

/** Starts the target and resolves with its pid once it has installed its filters. */
function start(mode: 'filtered' | 'plain'): Promise<number> {
  const child = spawn(python, ['-c', target, folder, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (data: Buffer) => { resolve(Number(data.toString().trim())); });
    child.once('error', reject);
  });
}

describe.runIf(usable)('readInstalledFilters', () => {
  it('reads every filter of a process, in installation order, exactly as installed', async () => {
    const pid = await start('filtered');
    const read = readInstalledFilters(pid);
    if (!read.ok) throw new Error(read.message);
    const installed = [0, 1].map((index) => decodeProgram(readFileSync(join(folder, `${index}.bpf`))).program);
    expect(read.programs).toEqual(installed);
    // The target was only stopped while being read: it is still there and can be read again.
    expect(readInstalledFilters(pid)).toEqual(read);
  });

  it('gives no program for a process without filters', async () => {
    const pid = await start('plain');
    expect(readInstalledFilters(pid)).toEqual({ ok: true, programs: [] });
  });

  it('names the problem for a process that does not exist and for itself', () => {
    expect(readInstalledFilters(0x3ffffff)).toMatchObject({ ok: false, problem: 'no-process' });
    expect(readInstalledFilters(process.pid)).toMatchObject({ ok: false, problem: 'attach-refused' });
  });
});
