// Node's helper threads in the launcher must not fall under the target's policy: between the
// filter install and execve they may wake each other (futex), and a policy for the target need
// not allow that. Many launches at once make such a wake likely; under a list that is exactly
// what /bin/true needs (no futex), every launch must run the target to a clean exit. (No kill
// is expected, so no kernel-log record is spent: the kernel rate-limits them.)
import { describe, expect, it } from 'vitest';
import { runJailed } from '../src/index.js';
import { TRUE_SYSCALLS, allowList } from './asm.js';
import { onX86_64, table } from './table.js';

describe.runIf(onX86_64)('launcher helper threads', () => {
  it('twenty concurrent launches under a list without futex all run /bin/true to exit 0', async () => {
    expect(TRUE_SYSCALLS).not.toContain('futex');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => runJailed({ command: '/bin/true', filter: allowList(table, TRUE_SYSCALLS), stdio: 'ignore' })),
    );
    expect(results.map((result) => result.status)).toEqual(Array.from({ length: 20 }, () => 0));
  }, 120_000);
});
