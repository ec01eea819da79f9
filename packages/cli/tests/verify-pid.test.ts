// `syscage verify --pid PID POLICY` (issue 21 item 6): a target started under `syscage run` is
// verified by pid, once against its own policy (proved) and once against a policy that allows
// one more syscall (a counterexample naming it). Needs x86_64 Linux and root (CAP_SYS_ADMIN).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';

// What a dynamically linked /bin/sleep needs on x86_64 (glibc's loader, the sleep, exit).
const sleepSyscalls = [
  'execve', 'brk', 'arch_prctl', 'mmap', 'access', 'openat', 'newfstatat', 'close', 'read', 'pread64', 'mprotect',
  'munmap', 'set_tid_address', 'set_robust_list', 'rseq', 'prlimit64', 'getrandom', 'futex', 'fstat', 'lseek',
  'rt_sigaction', 'rt_sigprocmask', 'nanosleep', 'clock_nanosleep', 'exit_group',
  // Stopping the target to read its filters interrupts its sleep; the kernel resumes it with
  // restart_syscall, which goes through the filter like any call.
  'restart_syscall',
];

/** Whether this process has the capabilities reading filters takes: CAP_SYS_ADMIN (21) and CAP_SYS_PTRACE (19). */
function mayReadFilters(): boolean {
  if (process.platform !== 'linux') return false;
  const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  const caps = BigInt(`0x${effective ?? '0'}`);
  return ((caps >> 21n) & 1n) === 1n && ((caps >> 19n) & 1n) === 1n;
}
const usable = process.arch === 'x64' && mayReadFilters();
if (!usable) console.warn('SKIPPED: verify --pid needs x86_64 Linux with CAP_SYS_ADMIN and CAP_SYS_PTRACE');

const folder = mkdtempSync(join(tmpdir(), 'syscage-verify-pid-'));
afterAll(() => { rmSync(folder, { recursive: true, force: true }); });

/** How long a test of this file may take: each step starts Node processes or builds a proof. */
const TEST_TIMEOUT_MS = 180_000;

/**
 * The pid of the process whose command line is exactly `argv`, once it exists (polling /proc);
 * rejects when `running` (the run that starts it) ends first. The loop has no attempt limit (on a
 * loaded machine a jailed start takes many times longer than alone); it stops polling after the
 * test's timeout, when the test has failed anyway.
 */
async function pidOf(argv: readonly string[], running: Promise<unknown>): Promise<number> {
  const wanted = `${argv.join('\0')}\0`;
  // An object, not a `let`: the callback sets it while this function waits.
  const run = { ended: false };
  const end = (): void => {
    run.ended = true;
  };
  running.then(end, end);
  for (const stop = Date.now() + TEST_TIMEOUT_MS; !run.ended && Date.now() < stop; ) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/cmdline`, 'utf8') === wanted) return Number(entry);
      } catch {
        // The process ended while being looked at.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no process ${argv.join(' ')}: ${run.ended ? `the target ended: ${JSON.stringify(await running)}` : 'not seen in time'}`);
}

describe.runIf(usable)('syscage verify --pid', { timeout: TEST_TIMEOUT_MS }, () => {
  it('proves a process started by syscage run against its policy, and shows a counterexample for another', async () => {
    // Either test may run first (vitest --sequence.shuffle).
    mkdirSync(join(folder, 'x86_64'), { recursive: true });
    writeFileSync(join(folder, 'x86_64', 'sleep.policy'), sleepSyscalls.map((name) => `${name}: 1\n`).join(''));
    writeFileSync(join(folder, 'x86_64', 'sleep-and-write.policy'), `${sleepSyscalls.map((name) => `${name}: 1\n`).join('')}write: arg0 == 1\n`);
    // A duration no other process on the machine sleeps, to find this one by its command line. It
    // outlasts the test (which kills it): a 20 s sleep could end before both verifications on a
    // loaded machine, and the second would then find no process.
    const argv = ['/bin/sleep', `${TEST_TIMEOUT_MS / 1000 + 60 + (process.pid % 1000) / 1000}`];
    // The tracer of `run` would hold the target, and a process has one tracer: run without it.
    const running = runInProcess(['run', '--policy', 'x86_64/sleep.policy', '--no-trace', '--', ...argv], folder);
    const pid = await pidOf(argv, running);
    try {
      const proved = await runInProcess(['verify', '--pid', String(pid), 'x86_64/sleep.policy'], folder);
      expect(proved.stdout).toBe(`proved: process ${pid} (1 filter) does what x86_64/sleep.policy says, for every input on x86_64 (${/\((\d+) diagram nodes\)/.exec(proved.stdout)?.[1] ?? ''} diagram nodes)\n`);
      expect(proved.code).toBe(0);
      const other = await runInProcess(['verify', '--pid', String(pid), 'x86_64/sleep-and-write.policy', '--format', 'json'], folder);
      expect(other.code).toBe(1);
      expect(JSON.parse(other.stdout)).toMatchObject({
        result: 'counterexample',
        counterexample: { nr: 1, args: ['0x1', '0x0', '0x0', '0x0', '0x0', '0x0'], filter: 'KILL_PROCESS', policy: 'ALLOW', rule: `x86_64/sleep-and-write.policy:${sleepSyscalls.length + 1}` },
      });
    } finally {
      try {
        process.kill(pid, 'SIGKILL');
      } catch (error) {
        // Already gone: the assertions above (or `running`) say why.
        console.warn(`target ${pid}: ${String(error)}; run: ${JSON.stringify(await running)}`);
      }
    }
    expect((await running).code).toBe(128 + 9);
  });

  it('says what is wrong with a pid it cannot read', async () => {
    mkdirSync(join(folder, 'x86_64'), { recursive: true });
    writeFileSync(join(folder, 'x86_64', 'tiny.policy'), 'read: 1\n');
    const missing = await runInProcess(['verify', '--pid', String(0x3ffffff), 'x86_64/tiny.policy'], folder);
    expect([missing.code, missing.stderr]).toEqual([3, `syscage: --pid 67108863: no process 67108863 (ESRCH)\n`]);
    const both = await runInProcess(['verify', '--pid', '1', 'x86_64/tiny.policy', 'x.bpf'], folder);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--pid reads the filters from the process: give only the policy');
    const none = await runInProcess(['verify', 'x86_64/tiny.policy'], folder);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('missing the filter to verify');
  });
});
