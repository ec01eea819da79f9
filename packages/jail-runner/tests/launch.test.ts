import { describe, expect, it } from 'vitest';
import { runJailed } from '../src/index.js';
import { TRUE_SYSCALLS, allowList } from './asm.js';
import { scratchHostTable } from './scratch-arch.js';

const table = scratchHostTable();

describe('enforce mode', () => {
  it('runs /bin/true under a minimal allow-list', async () => {
    const result = await runJailed({ command: '/bin/true', filter: allowList(table, TRUE_SYSCALLS), archTable: table, stdio: 'ignore' });
    expect(result).toMatchObject({ exitCode: 0, signal: null, status: 0, violation: undefined });
  });

  it.each(['mprotect', 'exit_group', 'set_robust_list'])('names %s when it is missing from the list', async (missing) => {
    const names = TRUE_SYSCALLS.filter((name) => name !== missing);
    const result = await runJailed({ command: '/bin/true', filter: allowList(table, names), archTable: table, stdio: 'ignore' });
    expect(result.signal).toBe('SIGSYS');
    expect(result.status).toBe(128 + 31);
    expect(result.violation?.syscall).toEqual({ nr: table.syscalls[missing], name: missing });
    expect(result.violation?.beforeExec).toBe(false);
  });
});
