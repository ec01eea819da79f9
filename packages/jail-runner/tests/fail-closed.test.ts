import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BpfProgram } from '@syscage/bpf-codegen';
import { describe, expect, inject, it } from 'vitest';
import { type JailOptions, runJailed } from '../src/index.js';
import { RET, assemble } from './asm.js';
import { jailError, runCollect } from './collect.js';
import { onX86_64, table } from './table.js';

const scratch = mkdtempSync(join(tmpdir(), 'syscage-fail-closed-'));
const allowAll = assemble(table, new Map(), RET.allow);

/** A target that leaves a file behind if it ever runs. */
function markerTarget(name: string): { marker: string; options: Pick<JailOptions, 'command' | 'args'> } {
  const marker = join(scratch, name);
  return { marker, options: { command: '/bin/sh', args: ['-c', `echo ran > ${marker}`] } };
}

/** A jump past the end: the kernel's checker rejects it with EINVAL. */
const outOfRange: BpfProgram = [
  { code: 0x15, jt: 5, jf: 0, k: 0 },
  { code: 0x06, jt: 0, jf: 0, k: RET.allow },
];

describe('fail closed: the target never runs unfiltered', () => {
  it.each<[string, Partial<JailOptions>, string, string | undefined]>([
    ['arch: a filter for another architecture', { filter: allowAll, arch: 'aarch64' }, 'arch', undefined],
    ['arch: an unknown architecture', { filter: allowAll, arch: 'vax' }, 'arch', undefined],
    ['filter: neither filter nor policy', {}, 'filter', undefined],
    ['filter: ret A cannot be rewritten for log mode', { filter: [{ code: 0x16, jt: 0, jf: 0, k: 0 }], mode: 'log' }, 'filter', undefined],
    ['install-filter: the kernel rejects a jump out of range', { filter: outOfRange }, 'install-filter', 'EINVAL'],
    ['install-filter: the kernel rejects an empty program', { filter: [] }, 'install-filter', 'EINVAL'],
  ])('%s', async (name, options, step, errno) => {
    const { marker, options: target } = markerTarget(name.replace(/\W+/g, '-'));
    const error = await jailError(runJailed({ ...target, stdio: 'ignore', ...options }));
    expect({ step: error.step, errno: error.errno }).toEqual({ step, errno });
    expect(existsSync(marker)).toBe(false);
  });

  it('filter: a policy with errors carries its diagnostics', async () => {
    const policy = join(scratch, 'broken.policy');
    writeFileSync(policy, 'read: 1\nwrite: arg0 ==\n');
    const error = await jailError(runJailed({ command: '/bin/true', policy, stdio: 'ignore' }));
    expect(error.step).toBe('filter');
    expect(error.code).toBe('SC5002');
    expect(error.diagnostics.length).toBeGreaterThan(0);
  });

  it.each<[string, string, string]>([
    ['a missing command', join(scratch, 'no-such-program'), 'ENOENT'],
    ['a command not on PATH', 'syscage-no-such-program', 'ENOENT'],
    ['a file without execute permission', join(scratch, 'not-executable'), 'EACCES'],
  ])('exec: %s', async (_name, command, errno) => {
    writeFileSync(join(scratch, 'not-executable'), '#!/bin/sh\n', { mode: 0o644 });
    const error = await jailError(runJailed({ command, filter: allowAll, stdio: 'ignore' }));
    expect({ step: error.step, errno: error.errno, code: error.code }).toEqual({ step: 'exec', errno, code: 'SC5007' });
  });

  it('exec: a filter that makes execve fail stops the launch with the errno', async () => {
    const { marker, options } = markerTarget('execve-errno');
    const filter = assemble(table, new Map([['execve', RET.errno(1)]]), RET.allow);
    const error = await jailError(runJailed({ ...options, filter, stdio: 'ignore' }));
    expect({ step: error.step, errno: error.errno }).toEqual({ step: 'exec', errno: 'EPERM' });
    expect(existsSync(marker)).toBe(false);
  });

  it('exec: a filter that kills at execve names execve and says the target never started', async () => {
    const { marker, options } = markerTarget('execve-kill');
    const filter = assemble(table, new Map([['execve', RET.killProcess]]), RET.allow);
    const error = await jailError(runJailed({ ...options, filter, stdio: 'ignore' }));
    expect(error.step).toBe('exec');
    expect(error.message).toMatch(/must allow execve/);
    expect(error.violation).toMatchObject({ syscall: { name: 'execve' }, beforeExec: true });
    expect(existsSync(marker)).toBe(false);
  });

  it('spawn: a launcher that cannot start', async () => {
    const saved = process.env.SYSCAGE_LAUNCHER;
    process.env.SYSCAGE_LAUNCHER = join(scratch, 'no-launcher.js');
    try {
      const { marker, options } = markerTarget('spawn');
      const error = await jailError(runJailed({ ...options, filter: allowAll, stdio: 'ignore' }));
      expect(error.step).toBe('spawn');
      expect(existsSync(marker)).toBe(false);
    } finally {
      process.env.SYSCAGE_LAUNCHER = saved;
    }
  });

  // Under an outer sandbox that denies what a step needs, that step fails with its errno.
  // tests/programs/nested.ts, bundled once by tests/global-setup.ts.
  const nested = inject('nestedProgram');
  it.runIf(onX86_64).each<[string, string, 'enforce' | 'log', string]>([
    ['no-new-privs', 'prctl', 'enforce', 'no-new-privs'],
    ['install-filter', 'seccomp', 'enforce', 'install-filter'],
    ['supervisor', 'pidfd_getfd', 'log', 'supervisor'],
  ])('%s: an outer filter that denies %s', async (_name, denied, mode, step) => {
    const outer = assemble(table, new Map([[denied, RET.errno(1)]]), RET.allow);
    const { result, stdout } = await runCollect({
      command: process.execPath,
      args: [nested, mode],
      filter: outer,
    });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ step, errno: 'EPERM' });
  });
});
