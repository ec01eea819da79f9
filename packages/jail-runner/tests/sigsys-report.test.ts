// Violation reports come from the killed task itself, not from the kernel's rate-limited,
// machine-wide audit log: a tracer reads the SIGSYS a trap sends (si_syscall, si_arch,
// si_call_addr) and the call of a task that dies of a kill action, while another process floods
// the audit log with seccomp records.
import { formatJailReport, runJailed, startJailed, type JailOptions } from '../src/index.js';
import { KernelLog } from '../src/kernel-log.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RET, assemble } from './asm.js';
import { onX86_64, table } from './table.js';

/** `SECCOMP_RET_LOG`: allowed, and an audit record for every call. */
const RET_LOG = 0x7ffc0000;

/** The kernel lets about 10 seccomp records per 5 s through for the whole machine: use them up. */
const FLOOD_RECORDS = 10;
/** Three of the kernel's 5 s rate-limit windows. */
const FLOOD_WAIT_MS = 15_000;

let stopFlood: (() => Promise<void>) | undefined;
let floodRecords = 0;

beforeAll(async () => {
  if (!onX86_64) return;
  // Every `write` of the loop is logged; the kernel rate-limits the records for the whole machine.
  const flooder = startJailed({
    command: '/bin/sh',
    args: ['-c', 'while :; do echo flood; done'],
    filter: assemble(table, new Map([['write', RET_LOG]]), RET.allow),
    stdio: 'ignore',
    trace: false,
  });
  const log = KernelLog.open();
  // Wait until the flood is on (when the log is readable here). The limit is shared by the whole
  // machine, so a window other processes used up first lets fewer through: wait up to three
  // windows, not one (3 s saw 8 of 10 records on a loaded CI machine).
  for (let waited = 0; waited < FLOOD_WAIT_MS && log.unavailableReason === undefined && floodRecords < FLOOD_RECORDS; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    floodRecords += log.readSeccompRecords().length;
  }
  log.close();
  stopFlood = async () => {
    flooder.child?.kill('SIGKILL');
    await flooder.result.catch(() => undefined);
  };
  // Up to FLOOD_WAIT_MS of waiting plus a jailed start on a loaded machine.
}, FLOOD_WAIT_MS + 60_000);

afterAll(async () => {
  await stopFlood?.();
});

const shell = (script: string, rules: ReadonlyMap<string, number>): JailOptions => ({
  command: '/bin/sh',
  args: ['-c', script],
  filter: assemble(table, rules, RET.allow),
  stdio: 'ignore',
});

describe.runIf(onX86_64)('violation reports under a flooded audit log', { timeout: 60_000 }, () => {
  it('the flood has used up the audit log’s rate limit (or the kernel log is unreadable here)', () => {
    expect(stopFlood).toBeDefined();
    if (KernelLog.open().unavailableReason === undefined) expect(floodRecords).toBeGreaterThanOrEqual(FLOOD_RECORDS);
  });

  it.each<[string, number]>([
    ['a trap (the kernel never logs it)', RET.trap],
    ['a kill-process', RET.killProcess],
  ])('%s is named from the task: getppid', async (_name, action) => {
    const result = await runJailed(shell('echo $PPID', new Map([['getppid', action]])));
    expect(result.signal).toBe('SIGSYS');
    expect(result.monitor).toBe('ptrace');
    expect(result.violation).toMatchObject({
      syscall: { name: 'getppid', nr: table.syscalls.getppid },
      arch: table.auditArch,
      returnValue: action,
      source: 'tracer',
      beforeExec: false,
    });
    expect(result.violation?.instructionPointer).toBeGreaterThan(0n);
    expect(formatJailReport(result, 'sh')).toMatch(/killed by the seccomp filter at getppid \(110\), ip 0x[0-9a-f]+/);
  });

  it('reads the arguments of the refused call', async () => {
    const result = await runJailed(shell('kill -0 $$', new Map([['kill', RET.trap]])));
    const violation = result.violation;
    expect(violation?.syscall.name).toBe('kill');
    expect(violation?.args?.slice(0, 2)).toEqual([BigInt(violation?.pid ?? -1), 0n]);
  });
});
