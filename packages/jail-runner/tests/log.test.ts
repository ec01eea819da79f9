import { describe, expect, it } from 'vitest';
import { runJailed } from '../src/index.js';
import { RET, TRUE_SYSCALLS, allowList, assemble } from './asm.js';
import { runCollect } from './collect.js';
import { onX86_64, table } from './table.js';

describe.runIf(onX86_64)('log mode', () => {
  it('runs to completion and lists every call the filter would deny', async () => {
    const names = TRUE_SYSCALLS.filter((name) => name !== 'mprotect' && name !== 'set_robust_list');
    const result = await runJailed({ command: '/bin/true', filter: allowList(table, names), mode: 'log', stdio: 'ignore' });
    expect(result).toMatchObject({ exitCode: 0, signal: null, monitor: 'user-notification', violation: undefined });
    const denied = new Set(result.calls.map((call) => call.syscall.name));
    expect(denied).toEqual(new Set(['mprotect', 'set_robust_list']));
    for (const call of result.calls) {
      expect(call.wouldBe).toEqual({ action: 'kill-process', data: 0 });
      expect(call.tid).toBeGreaterThan(0);
    }
  });

  it('lets errno calls succeed and reports them with their errno', async () => {
    const filter = assemble(table, new Map([['chdir', RET.errno(1)]]), RET.allow);
    const { result, stdout } = await runCollect({ command: '/bin/sh', args: ['-c', 'cd /tmp; pwd'], cwd: '/', filter, mode: 'log' });
    expect(result.exitCode).toBe(0);
    expect(stdout).toBe('/tmp\n');
    expect(result.calls).toHaveLength(1);
    const [call] = result.calls;
    expect(call?.syscall.name).toBe('chdir');
    expect(call?.wouldBe).toEqual({ action: 'errno', data: 1 });
  });

  it('reports nothing when the filter allows everything the program does', async () => {
    const result = await runJailed({ command: '/bin/true', filter: allowList(table, TRUE_SYSCALLS), mode: 'log', stdio: 'ignore' });
    expect(result.exitCode).toBe(0);
    expect(result.calls).toEqual([]);
  });
});
