import { describe, expect, it } from 'vitest';
import { runJailed } from '../src/index.js';
import { RET, TRUE_SYSCALLS, allowList, assemble } from './asm.js';
import { runCollect } from './collect.js';
import { onX86_64, table } from './table.js';

describe.runIf(onX86_64)('enforce mode', () => {
  it('runs /bin/true under a minimal allow-list', async () => {
    const result = await runJailed({ command: '/bin/true', filter: allowList(table, TRUE_SYSCALLS), stdio: 'ignore' });
    expect(result).toMatchObject({ exitCode: 0, signal: null, status: 0, violation: undefined, monitor: 'ptrace' });
  });

  it.each(['mprotect', 'exit_group', 'set_robust_list'])('names %s when it is missing from the list', async (missing) => {
    const names = TRUE_SYSCALLS.filter((name) => name !== missing);
    const result = await runJailed({ command: '/bin/true', filter: allowList(table, names), stdio: 'ignore' });
    expect(result.signal).toBe('SIGSYS');
    expect(result.status).toBe(128 + 31);
    expect(result.violation?.syscall).toEqual({ nr: table.syscalls[missing], name: missing });
    expect(result.violation?.beforeExec).toBe(false);
    expect(result.violation?.exe).toBe('/usr/bin/true');
  });

  it('makes exactly the errno call fail and lets the program go on', async () => {
    // chdir fails with EPERM; the shell reports it and runs the next command.
    const filter = assemble(table, new Map([['chdir', RET.errno(1)]]), RET.allow);
    const { result, stdout, stderr } = await runCollect({
      command: '/bin/sh',
      args: ['-c', 'cd /tmp; echo "cd=$?"; pwd'],
      cwd: '/',
      filter,
    });
    expect(result.exitCode).toBe(0);
    expect(stdout).toBe('cd=2\n/\n');
    expect(stderr).toMatch(/can't cd to \/tmp/);
  });

  it('lets the same shell change directory without the errno rule', async () => {
    const filter = assemble(table, new Map([['getppid', RET.errno(1)]]), RET.allow);
    const { result, stdout } = await runCollect({ command: '/bin/sh', args: ['-c', 'cd /tmp; echo "cd=$?"; pwd'], cwd: '/', filter });
    expect(result.exitCode).toBe(0);
    expect(stdout).toBe('cd=0\n/tmp\n');
  });
});
