import { describe, expect, it } from 'vitest';
import {
  type JailResult,
  type ObservedCall,
  type Violation,
  formatJailReport,
  formatObservedCalls,
  parseSeccompAuditRecord,
  programForMode,
} from '../src/index.js';

describe('kernel log records', () => {
  it.each<[string, string, ReturnType<typeof parseSeccompAuditRecord>]>([
    [
      'a kill-process record',
      'audit: type=1326 audit(1795889644.982:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=10941 comm="python3" exe="/usr/bin/python3.11" sig=31 arch=c000003e syscall=110 compat=0 ip=0x7f4f16df24f7 code=0x80000000',
      {
        pid: 10941,
        comm: 'python3',
        exe: '/usr/bin/python3.11',
        signal: 31,
        arch: 0xc000003e,
        syscall: 110,
        instructionPointer: 0x7f4f16df24f7n,
        code: 0x80000000,
      },
    ],
    [
      'a log record with a quoted comm holding spaces',
      'audit: type=1326 audit(1.2:3): pid=7 comm="my prog" exe="/a b" sig=0 arch=40000003 syscall=5 compat=1 ip=0x10 code=0x7ffc0000',
      { pid: 7, comm: 'my prog', exe: '/a b', signal: 0, arch: 0x40000003, syscall: 5, instructionPointer: 0x10n, code: 0x7ffc0000 },
    ],
    ['another audit type', 'audit: type=1400 audit(1.2:3): apparmor="DENIED" pid=3', undefined],
    ['an unrelated message', 'EXT4-fs (vda): mounted filesystem', undefined],
  ])('%s', (_name, line, expected) => {
    expect(parseSeccompAuditRecord(line)).toEqual(expected);
  });
});

const call = (name: string, nr: number, args: bigint[], wouldBe: ObservedCall['wouldBe']): ObservedCall => ({
  tid: 42,
  syscall: { nr, name },
  arch: 0xc000003e,
  instructionPointer: 0n,
  args,
  wouldBe,
});

const baseResult: JailResult = {
  mode: 'enforce',
  exitCode: null,
  signal: 'SIGSYS',
  status: 159,
  monitor: 'kernel-log',
  violation: undefined,
  violationUnknownReason: undefined,
  calls: [],
  killedAfterThreadKill: false,
};

const violation = (name: string, beforeExec: boolean): Violation => ({
  pid: 9,
  syscall: { nr: 10, name },
  arch: 0xc000003e,
  instructionPointer: 0x1234n,
  returnValue: 0x80000000,
  comm: 'true',
  exe: '/usr/bin/true',
  beforeExec,
  args: undefined,
  source: 'kernel-log',
});

describe('reports', () => {
  it.each<[string, JailResult, string]>([
    [
      'a kill at a loader call',
      { ...baseResult, violation: violation('mprotect', false) },
      [
        '/bin/true (pid 9) was killed by the seccomp filter at mprotect (10), ip 0x1234',
        '  executable: /usr/bin/true',
        '  mprotect is a call the dynamic loader makes: the program may have died before its main',
        '  to allow it, add:  mprotect: 1',
        '  (the kernel log has no arguments; `--mode log` runs to the end and shows them)',
        '',
      ].join('\n'),
    ],
    [
      'a thread killed at a later call',
      { ...baseResult, signal: null, exitCode: 0, status: 0, violation: { ...violation('socket', false), returnValue: 0 } },
      [
        'a thread of /bin/true (pid 9) was killed by the seccomp filter at socket (10), ip 0x1234',
        '  executable: /usr/bin/true',
        '  to allow it, add:  socket: 1',
        '  (the kernel log has no arguments; `--mode log` runs to the end and shows them)',
        '',
      ].join('\n'),
    ],
    [
      'a kill at a later call',
      { ...baseResult, violation: violation('socket', false) },
      [
        '/bin/true (pid 9) was killed by the seccomp filter at socket (10), ip 0x1234',
        '  executable: /usr/bin/true',
        '  to allow it, add:  socket: 1',
        '  (the kernel log has no arguments; `--mode log` runs to the end and shows them)',
        '',
      ].join('\n'),
    ],
    [
      'a kill at the launch',
      { ...baseResult, violation: violation('execve', true) },
      [
        '/bin/true (pid 9) was killed by the seccomp filter at execve (10), ip 0x1234',
        '  executable: /usr/bin/true',
        '  the target never started: the policy must allow execve (the filter covers the launch itself)',
        '  to allow it, add:  execve: 1',
        '  (the kernel log has no arguments; `--mode log` runs to the end and shows them)',
        '',
      ].join('\n'),
    ],
    [
      'SIGSYS without a record',
      { ...baseResult, violationUnknownReason: 'cannot read /dev/kmsg (EACCES)' },
      '/bin/true died of SIGSYS, but the call is unknown (cannot read /dev/kmsg (EACCES)).\n  If it died before its main, the policy may lack execve or a call of the dynamic loader.\n',
    ],
    [
      'a trap the tracer read, with the arguments',
      {
        ...baseResult,
        monitor: 'ptrace',
        violation: { ...violation('kill', false), returnValue: 0x00030000, args: [9n, 0n, 0n, 0n, 0n, 0n], source: 'tracer' },
      },
      [
        '/bin/true (pid 9) was killed by the seccomp filter at kill (10), ip 0x1234',
        '  executable: /usr/bin/true',
        '  the call: kill(0x9, 0x0, 0x0, 0x0, 0x0, 0x0)',
        '  to allow it, add:  kill: 1',
        '',
      ].join('\n'),
    ],
    [
      'a thread kill after which the runner ended the process',
      { ...baseResult, signal: 'SIGKILL', status: 137, killedAfterThreadKill: true, violation: { ...violation('getppid', false), returnValue: 0 } },
      [
        'a thread of /bin/true (pid 9) was killed by the seccomp filter at getppid (10), ip 0x1234',
        '  executable: /usr/bin/true',
        '  to allow it, add:  getppid: 1',
        '  (the kernel log has no arguments; `--mode log` runs to the end and shows them)',
        '  the rest of the process did not end after that thread was killed, so the runner killed it (SIGKILL)',
        '',
      ].join('\n'),
    ],
    ['a clean exit', { ...baseResult, signal: null, exitCode: 0, status: 0 }, ''],
  ])('%s', (_name, result, expected) => {
    expect(formatJailReport(result, '/bin/true')).toBe(expected);
  });

  it('groups log-mode calls per syscall with the first call and the would-be action', () => {
    const text = formatObservedCalls([
      call('chdir', 80, [0x10n, 0n, 0n, 0n, 0n, 0n], { action: 'errno', data: 1 }),
      call('mprotect', 10, [0x7f00n, 0x1000n, 1n, 0n, 0n, 0n], { action: 'kill-process', data: 0 }),
      call('chdir', 80, [0x20n, 0n, 0n, 0n, 0n, 0n], { action: 'errno', data: 1 }),
    ]);
    expect(text).toBe(
      [
        '3 calls of 2 syscalls outside the policy:',
        '  chdir (80) x2 would fail with EPERM; first: chdir(0x10, 0x0, 0x0, 0x0, 0x0, 0x0) in thread 42',
        '  mprotect (10) x1 would kill-process; first: mprotect(0x7f00, 0x1000, 0x1=PROT_READ, 0x0, 0x0, 0x0) in thread 42',
        '',
      ].join('\n'),
    );
    expect(formatObservedCalls([])).toBe('no call was outside the policy\n');
  });
});

describe('mode rewrites', () => {
  const ret = (k: number) => ({ code: 0x06, jt: 0, jf: 0, k });
  const program = [
    { code: 0x20, jt: 0, jf: 0, k: 0 },
    ret(0x7fff0000), // allow
    ret(0x00050001), // errno 1
    ret(0x80000000), // kill-process
    ret(0x00000000), // kill-thread
    ret(0x00030000), // trap
    ret(0x7ffc0000), // log
  ];
  it.each<[string, 'enforce' | 'log' | 'learn', number[]]>([
    ['enforce keeps every return', 'enforce', [0x7fff0000, 0x00050001, 0x80000000, 0, 0x00030000, 0x7ffc0000]],
    ['log sends every denial to the supervisor', 'log', [0x7fff0000, 0x7fc00000, 0x7fc00000, 0x7fc00000, 0x7fc00000, 0x7ffc0000]],
    ['learn keeps errno returns', 'learn', [0x7fff0000, 0x00050001, 0x7fc00000, 0x7fc00000, 0x7fc00000, 0x7ffc0000]],
  ])('%s', (_name, mode, returns) => {
    const rewritten = programForMode(program, mode);
    expect(rewritten?.[0]).toEqual(program[0]);
    expect(rewritten?.slice(1).map((insn) => insn.k)).toEqual(returns);
  });

  it('refuses a program that returns the accumulator outside enforce mode', () => {
    const returnsA = [{ code: 0x16, jt: 0, jf: 0, k: 0 }];
    expect(programForMode(returnsA, 'log')).toBeUndefined();
    expect(programForMode(returnsA, 'enforce')).toBe(returnsA);
  });
});
