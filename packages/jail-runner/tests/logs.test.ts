// Recorded runs as learn input: strace logs (raw and decoded, `-o` and stderr forms) and audit
// records. Bad input gives diagnostics with a code, the file, the line and the column, never a throw.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '@syscage/policy-parser';
import { learnFromLogs, learnLogCodes, parseAuditLog, parseStraceLog } from '../src/index.js';
import { onX86_64, table } from './table.js';

/** Name and the arguments a rule reads, per call. */
const summary = (text: string): string[] =>
  parseStraceLog(text, 'log', table).calls.map((call) => `${call.syscall.name ?? '?'}(${call.args.map((arg) => `0x${arg.toString(16)}`).join(',')})`);

const where = (diagnostic: Diagnostic): string => `${diagnostic.code} ${diagnostic.file}:${diagnostic.range.start.line}:${diagnostic.range.start.column}`;

describe.runIf(onX86_64)('strace logs (x86_64)', () => {
  it.each<[string, string, string[]]>([
    [
      'decoded, -o form with pids',
      [
        '7929  execve("/bin/sh", ["/bin/sh", "-c", "x, y"], 0x7ffc /* 35 vars */) = 0',
        '7929  mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f00',
        '7929  openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3',
        '7929  ioctl(2, TCGETS, {c_iflag=ICRNL}) = 0',
        '7929  ioctl(1, SNDCTL_TMR_TIMEBASE or TCGETS, 0x7ffc) = -1 ENOTTY (Inappropriate ioctl for device)',
        '7929  ioctl(3, _IOC(_IOC_READ, 0x12, 0x72, 0x8), 0x7ffc) = 0',
        '7929  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>',
        '7930  close(3 <unfinished ...>',
        '7929  <... clone resumed>, child_tidptr=0x7f10) = 7930',
        '7930  <... close resumed>)       = 0',
        '7930  +++ exited with 0 +++',
        '7929  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7930} ---',
        '7929  kill(7930, SIGTERM)        = 0',
        '7929  arch_prctl(0x3001 /* ARCH_??? */, 0x7ffc) = -1 EINVAL (Invalid argument)',
        '7929  clone3({flags=CLONE_VM, exit_signal=0, stack=0x7f, stack_size=0x7ff}, 88) = -1 ENOSYS (Function not implemented) (INJECTED)',
        '7929  exit_group(0)              = ?',
      ].join('\n'),
      [
        'execve(0x0,0x0,0x7ffc,0x0,0x0,0x0)',
        'mmap(0x0,0x2000,0x3,0x22,0xffffffffffffffff,0x0)',
        'openat(0xffffffffffffff9c,0x0,0x80000,0x0,0x0,0x0)',
        'ioctl(0x2,0x5401,0x0,0x0,0x0,0x0)',
        'ioctl(0x1,0x5401,0x7ffc,0x0,0x0,0x0)',
        'ioctl(0x3,0x80081272,0x7ffc,0x0,0x0,0x0)',
        'clone(0x1200011,0x0,0x0,0x0,0x0,0x0)',
        'close(0x3,0x0,0x0,0x0,0x0,0x0)',
        'kill(0x1efa,0xf,0x0,0x0,0x0,0x0)',
        'arch_prctl(0x3001,0x7ffc,0x0,0x0,0x0,0x0)',
        'exit_group(0x0,0x0,0x0,0x0,0x0,0x0)',
      ],
    ],
    [
      'raw (-n -X raw -e raw=all)',
      ['7929  [  59] execve(0x7ffc, 0x7ffd, 0x7ffe) = 0', '7929  [   9] mmap(0, 0x2000, 0x3, 0x22, 0xffffffff, 0) = 0x7f00', '7929  [ 435] clone3(0x7ffc, 0x58) = -1 (errno 38) (INJECTED)', '7929  [  39] getpid() = 7929'].join('\n'),
      ['execve(0x7ffc,0x7ffd,0x7ffe,0x0,0x0,0x0)', 'mmap(0x0,0x2000,0x3,0x22,0xffffffff,0x0)', 'getpid(0x0,0x0,0x0,0x0,0x0,0x0)'],
    ],
    [
      'stderr form: a lone process has no pid, and "attached" cuts a line',
      [
        'pipe2([3, 4], 0)                        = 0',
        'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLDstrace: Process 28066 attached',
        ' <unfinished ...>',
        '[pid 28066] set_robust_list(0x7fd0, 24) = 0',
        '[pid 28065] <... clone resumed>, child_tidptr=0x7fd0) = 28066',
        '[pid 28065] wait4(-1,  <unfinished ...>',
        '[pid 28066] exit_group(0)               = ?',
        '[pid 28066] +++ exited with 0 +++',
        '<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 28066',
      ].join('\n'),
      [
        'pipe2(0x0,0x0,0x0,0x0,0x0,0x0)',
        'set_robust_list(0x7fd0,0x18,0x0,0x0,0x0,0x0)',
        'clone(0x1200011,0x0,0x0,0x0,0x0,0x0)',
        'exit_group(0x0,0x0,0x0,0x0,0x0,0x0)',
        'wait4(0xffffffffffffffff,0x0,0x0,0x0,0x0,0x0)',
      ],
    ],
  ])('reads a %s log', (_name, text, calls) => {
    expect(summary(text)).toEqual(calls);
    expect(parseStraceLog(text, 'log', table).diagnostics).toEqual([]);
  });

  it.each<[string, string, string[]]>([
    ['a line that is not a call', '1 execve(0x1) = 0\n1 hello there\n', ['SC5008 log:2:3']],
    ['an unknown syscall', '1 execve(0x1) = 0\n1 frobnicate(1) = 0\n', ['SC5009 log:2:3']],
    ['a value the table cannot name', '1 execve(0x1) = 0\n1 mmap(NULL, 4096, PROT_FROBNICATE, MAP_PRIVATE, -1, 0) = 0x1\n', ['SC5010 log:2:20']],
    ['a call that never resumed', '1 execve(0x1) = 0\n1 read(3, <unfinished ...>\n', ['SC5013 log:2:3']],
    ['no calls at all', 'hello\n', ['SC5008 log:1:1', 'SC5012 log:1:1']],
    ['an empty log', '', ['SC5012 log:1:1']],
  ])('diagnoses %s', (_name, text, expected) => {
    const { diagnostics } = parseStraceLog(text, 'log', table);
    expect(diagnostics.map(where)).toEqual(expected);
  });
});

// No call is dropped or approximated without a word: each one is a warning at its line, and a
// call whose filtered argument is unknown is kept without arguments (listed for review, never
// allowed with a value nobody saw).
describe.runIf(onX86_64)('strace calls that cannot be read whole (x86_64)', () => {
  it.each<[string, string, string[], string[]]>([
    ['a line cut inside the filtered argument', '1 getpid() = 1\n1 mmap(NULL, 4096, PROT_READ|PROT_WRITE', ['SC5014 log:2:3'], ['getpid(6)', 'mmap(?)']],
    ['a line cut after the filtered argument', '1 mmap(NULL, 4096, PROT_READ, MAP_PRIV', ['SC5014 log:1:3'], ['mmap(6)']],
    ['a resumption without its start', '1 <... mmap resumed>) = 0x7f00\n1 <... getpid resumed>) = 1\n', ['SC5015 log:1:8', 'SC5015 log:2:8'], ['mmap(?)', 'getpid(6)']],
    [
      'a resumption of another call than the one started',
      '1 mprotect(0x7f00, 4096, <unfinished ...>\n1 <... read resumed>"x", 1) = 1\n',
      ['SC5015 log:2:8', 'SC5013 log:1:3'],
      ['read(6)', 'mprotect(?)'],
    ],
    ['two starts on one thread', '1 read(3, <unfinished ...>\n1 write(1, <unfinished ...>\n1 <... write resumed>"x", 1) = 1\n', ['SC5013 log:1:3'], ['read(6)', 'write(6)']],
    ['an unreadable filtered argument', '1 mmap(NULL, 4096, PROT_FROBNICATE, MAP_PRIVATE, -1, 0) = 0x1\n', ['SC5010 log:1:20'], ['mmap(?)']],
  ])('%s', (_name, text, expected, calls) => {
    const parsed = parseStraceLog(text, 'log', table);
    expect(parsed.diagnostics.map(where)).toEqual(expected);
    expect(parsed.calls.map((call) => `${call.syscall.name ?? ''}(${call.args.length === 0 ? '?' : String(call.args.length)})`)).toEqual(calls);
  });

  it('lists a syscall whose filtered argument was unreadable for review, with a rule for the calls it could read', () => {
    const text = ['1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, -1, 0) = 0x1', '1 mmap(NULL, 4096, PROT_FROBNICATE, MAP_PRIVATE, -1, 0) = 0x2', '1 mprotect(0x1, 4096, PROT_READ|PROT_WRITE'].join('\n');
    const learned = learnFromLogs({ logs: [{ file: 'run.strace', text, kind: 'strace' }], archTable: table });
    expect(learned.proposal.needsArguments).toEqual(['mmap', 'mprotect']);
    expect(learned.proposal.text).toMatch(/^mmap: arg2 == PROT_READ$/m);
    expect(learned.proposal.text).not.toMatch(/^mprotect:/m);
    expect(learned.proposal.text).toMatch(/^# mprotect: args arg2$/m);
    expect(learned.diagnostics.map(where)).toEqual(['SC5010 run.strace:2:20', 'SC5014 run.strace:3:3']);
  });

  it('does not read an unreadable argument the starting policy compares as 0', () => {
    const folder = mkdtempSync(join(tmpdir(), 'syscage-logs-'));
    const policy = join(folder, 'start.policy');
    writeFileSync(policy, 'getrandom: arg2 == GRND_NONBLOCK\n');
    const text = '1 getrandom("\\x01", 16, GRND_FROBNICATE) = 16\n';
    const learned = learnFromLogs({ logs: [{ file: 'run.strace', text, kind: 'strace' }], policy, archTable: table });
    expect(learned.diagnostics.map(where)).toEqual(['SC5010 run.strace:1:25']);
    expect(learned.proposal.rules.filter((rule) => rule.syscall === 'getrandom')).toEqual([]);
    expect(learned.proposal.needsArguments).toEqual(['getrandom']);
  });
});

describe.runIf(onX86_64)('audit logs (x86_64)', () => {
  const kmsg = 'audit: type=1326 audit(1700000000.123:45): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=1234 comm="ls" exe="/usr/bin/ls" sig=0 arch=c000003e syscall=';
  const auditd = 'type=SECCOMP msg=audit(1700000000.123:46): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid=1235 comm="ls" exe="/usr/bin/ls" sig=0 arch=c000003e syscall=';
  const text = [`${kmsg}1 compat=0 ip=0x7f00 code=0x7ffc0000`, 'type=SYSCALL msg=audit(1.2:3): arch=c000003e syscall=2', `${auditd}9 compat=0 ip=0x7f01 code=0x7ffc0000\u001dAUID="unset"`, `${kmsg}5 compat=0 ip=zz code=0x7ffc0000`, `${kmsg}999 compat=0 ip=0x1 code=0x7ffc0000`].join('\n');

  it('reads SECCOMP records of both forms, without arguments', () => {
    const parsed = parseAuditLog(text, 'audit.log', table);
    expect(parsed.calls.map((call) => [call.tid, call.syscall.name, call.args.length])).toEqual([
      [1234, 'write', 0],
      [1235, 'mmap', 0],
    ]);
    expect(parsed.diagnostics.map(where)).toEqual(['SC5009 audit.log:5:144', 'SC5011 audit.log:3:160']);
  });

  it('writes syscalls whose rules need arguments as a comment, not a rule', () => {
    const learned = learnFromLogs({ logs: [{ file: 'audit.log', text, kind: 'audit' }], archTable: table });
    expect(learned.proposal.text).toMatch(/^write: 1$/m);
    expect(learned.proposal.text).not.toMatch(/^mmap:/m);
    expect(learned.proposal.text).toMatch(/^# mmap: args arg2$/m);
    expect(learned.proposal.needsArguments).toEqual(['mmap']);
  });
});

describe('log parsers never throw', () => {
  const codes = new Set(Object.keys(learnLogCodes));
  const wellFormed = (text: string, diagnostics: readonly Diagnostic[]): void => {
    const lines = Math.max(1, text.split('\n').length);
    for (const diagnostic of diagnostics) {
      expect(codes.has(diagnostic.code)).toBe(true);
      expect(diagnostic.file).toBe('fuzz.log');
      expect(diagnostic.range.start.line).toBeGreaterThanOrEqual(1);
      expect(diagnostic.range.start.line).toBeLessThanOrEqual(lines);
      expect(diagnostic.range.start.column).toBeGreaterThanOrEqual(1);
    }
  };
  const seed = [
    '7929  openat(AT_FDCWD, "/etc/x", O_RDONLY|O_CLOEXEC) = 3',
    '7929  clone(child_stack=NULL, flags=CLONE_VM|SIGCHLD <unfinished ...>',
    '7930  <... clone resumed>, child_tidptr=0x7f10) = 7930',
    '[pid 1] ioctl(1, _IOC(_IOC_READ, 0x12, 0x72, 0x8), 0x7ffc) = 0',
    '7929  [   9] mmap(0, 0x2000, 0x3, 0x22, 0xffffffff, 0) = 0x7f00',
    'audit: type=1326 audit(1.2:3): pid=1 sig=0 arch=c000003e syscall=1 compat=0 ip=0x7f00 code=0x7ffc0000',
  ].join('\n');
  const mutated = fc
    .array(fc.record({ at: fc.nat(seed.length), cut: fc.nat(8), insert: fc.string({ maxLength: 8, unit: fc.constantFrom('(', ')', '"', '\\', ',', '|', '<', '>', ' ', '\n', '{', '}', '=', 'x', '0', '-', '.', '[', ']') }) }), { maxLength: 6 })
    .map((edits) => edits.reduce((text, edit) => text.slice(0, edit.at) + edit.insert + text.slice(edit.at + edit.cut), seed));

  it.each([
    ['any text', fc.string({ maxLength: 400, unit: 'binary' })],
    ['mutated logs', mutated],
  ])('%s', (_name, texts) => {
    fc.assert(
      fc.property(texts, (text) => {
        for (const parse of [parseStraceLog, parseAuditLog]) {
          const parsed = parse(text, 'fuzz.log', table);
          wellFormed(text, parsed.diagnostics);
          for (const call of parsed.calls) expect(call.syscall.name).toBeDefined();
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400) },
    );
  });

  it.runIf(onX86_64)('loses no call of a log whose lines are cut anywhere: each is kept, and each cut is a warning on its line', () => {
    const whole = [
      'openat(AT_FDCWD, "/etc/x", O_RDONLY|O_CLOEXEC) = 3',
      'mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f00',
      'ioctl(1, _IOC(_IOC_READ, 0x12, 0x72, 0x8), 0x7ffc) = 0',
      'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f10) = 7930',
      'read(3, "a,b)\\"", 4096) = 5',
      'getpid() = 7',
    ];
    const line = fc.record({ call: fc.constantFrom(...whole), cut: fc.nat(120) });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), (lines) => {
        const texts = lines.map(({ call, cut }) => `7929  ${call.slice(0, Math.max(call.indexOf('(') + 1, cut))}`);
        const parsed = parseStraceLog(texts.join('\n'), 'fuzz.log', table);
        expect(parsed.calls).toHaveLength(lines.length);
        lines.forEach(({ call, cut }, index) => {
          // Cut before the `)` that closes the call: the line must carry a warning.
          const closing = call.lastIndexOf(') = ');
          if (Math.max(call.indexOf('(') + 1, cut) <= closing) {
            expect(parsed.diagnostics.some((found) => found.range.start.line === index + 1 && found.severity === 'warning')).toBe(true);
          }
        });
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400) },
    );
  });

  it.runIf(onX86_64)('reads back every protection it is given, spelled as strace spells it', () => {
    const names = ['PROT_READ', 'PROT_WRITE', 'PROT_EXEC'];
    fc.assert(
      fc.property(fc.subarray(names), fc.nat(0xffff), (flags, pid) => {
        const spelled = flags.length === 0 ? 'PROT_NONE' : flags.join('|');
        const value = flags.reduce((bits, name) => bits | (table.constants[name] ?? 0n), 0n);
        const parsed = parseStraceLog(`${pid} mprotect(0x7f00, 4096, ${spelled}) = 0\n`, 'fuzz.log', table);
        expect(parsed.calls.map((call) => call.args[2])).toEqual([value]);
      }),
    );
  });
});
