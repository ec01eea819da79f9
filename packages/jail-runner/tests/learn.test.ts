import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryHost, dangerousSyscalls, lintReviewRules, resolvePolicy } from '@syscage/include-resolver';
import { describe, expect, it } from 'vitest';
import { type JailOptions, learnPolicy, proposeRules, runJailed } from '../src/index.js';
import { runCollect } from './collect.js';
import { onX86_64, table } from './table.js';

const scratch = mkdtempSync(join(tmpdir(), 'syscage-learn-'));
const data = join(scratch, 'data');
mkdirSync(data);
const lines = join(data, 'lines.txt');
writeFileSync(lines, 'one\ntwo\nthree\n');
const nodeScript = join(scratch, 'script.mjs');
writeFileSync(
  nodeScript,
  "import { readFileSync } from 'node:fs';\nconst text = readFileSync(process.argv[2], 'utf8');\nconsole.log(text.split('\\n').length - 1);\n",
);

const commands: readonly [string, Pick<JailOptions, 'command' | 'args'>, string][] = [
  ['/bin/ls', { command: '/bin/ls', args: [data] }, 'lines.txt\n'],
  ["sh -c 'cat file | wc -l'", { command: '/bin/sh', args: ['-c', `cat ${lines} | wc -l`] }, '3\n'],
];

const call = (name: string, args: bigint[]) => ({
  tid: 1,
  syscall: { nr: table.syscalls[name] ?? -1, name },
  arch: table.auditArch,
  instructionPointer: 0n,
  args,
  wouldBe: undefined,
});
const c = (name: string): bigint => table.constants[name] ?? -1n;

describe.runIf(onX86_64)('proposed rules (x86_64 values)', () => {
  it('writes a header, groups, comments on risky rules, and no speculative rule', () => {
    const proposal = proposeRules([call('read', [0n]), call('futex', [0n]), call('execve', [0n]), call('write', [1n])], table, {
      header: ['test'],
      frequencyPath: './t.frequency',
    });
    expect(proposal.text).toBe(
      [
        '# test',
        '@frequency ./t.frequency',
        '',
        '# processes',
        '# clone3: clone3 passes its flags in memory, which a filter cannot read: ENOSYS makes libc fall back to clone',
        'clone3: return ENOSYS',
        '# execve: runs other programs (they inherit this filter)',
        'execve: 1',
        'futex: 1',
        '',
        '# I/O',
        'read: 1',
        'write: 1',
        '',
      ].join('\n'),
    );
    expect(proposal.frequencyText).toBe('execve: 1\nfutex: 1\nread: 1\nwrite: 1\n');
  });

  it('gives the same text for the same calls in any order', () => {
    const calls = [call('ioctl', [1n, c('TIOCGWINSZ')]), call('openat', [0n, 0n, 0n]), call('ioctl', [1n, c('TCGETS')]), call('mmap', [0n, 0n, 3n]), call('read', [0n])];
    expect(proposeRules([...calls].reverse(), table).text).toBe(proposeRules(calls, table).text);
  });

  it('leaves clone3 to a starting policy that decides it', () => {
    expect(proposeRules([call('read', [0n])], table, { handles: (name) => name === 'clone3' }).text).not.toMatch(/clone3/);
    expect(proposeRules([call('clone3', [0n, 88n])], table).text).toMatch(/^# clone3: .*every clone3 is allowed\nclone3: 1$/m);
  });

  it.each<[string, [string, bigint[]][], string]>([
    ['one protection', [['mmap', [0n, 0n, 1n]]], 'arg2 == PROT_READ'],
    ['protections that are not every combination', [['mmap', [0n, 0n, 1n]], ['mmap', [0n, 0n, 3n]], ['mmap', [0n, 0n, 5n]]], 'arg2 == PROT_READ || arg2 == PROT_READ|PROT_WRITE || arg2 == PROT_READ|PROT_EXEC'],
    ['every combination of two flags', [['mprotect', [0n, 0n, 0n]], ['mprotect', [0n, 0n, 1n]], ['mprotect', [0n, 0n, 2n]], ['mprotect', [0n, 0n, 3n]]], 'arg2 in PROT_READ|PROT_WRITE'],
    ['PROT_NONE alone', [['mprotect', [0n, 0n, 0n]]], 'arg2 == PROT_NONE'],
    ['read-only opens', [['openat', [0n, 0n, 0x80000n]], ['openat', [0n, 0n, 0x90800n]]], 'arg2 in ~(O_WRONLY|O_RDWR|O_CREAT|O_EXCL|O_TRUNC)'],
    [
      'reads and a create-truncate write',
      [['openat', [0n, 0n, 0n]], ['openat', [0n, 0n, 0x241n]]],
      'arg2 in ~(O_WRONLY|O_RDWR|O_CREAT|O_EXCL|O_TRUNC) || arg2 in ~(O_RDWR|O_EXCL) && arg2 & O_WRONLY && arg2 & O_CREAT && arg2 & O_TRUNC',
    ],
    ['ioctl requests, named, and an unnamed one in hex', [['ioctl', [1n, 0x5401n]], ['ioctl', [2n, 0x5421n]], ['ioctl', [1n, 0x12345n]]], 'arg1 == TCGETS || arg1 == FIONBIO || arg1 == 0x12345'],
    ['socket family and type pairs', [['socket', [2n, 0x80001n, 0n]], ['socket', [1n, 0x80801n, 0n]]], 'arg0 == AF_UNIX && arg1 == SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC || arg0 == AF_INET && arg1 == SOCK_STREAM|SOCK_CLOEXEC'],
    ['clone flags with the exit signal', [['clone', [0x1200011n]]], 'arg0 == SIGCHLD|CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID'],
    ['prctl options', [['prctl', [15n]], ['prctl', [38n]]], 'arg0 == PR_SET_NAME || arg0 == PR_SET_NO_NEW_PRIVS'],
    ['fcntl commands', [['fcntl', [3n, 0n]], ['fcntl', [3n, 2n]]], 'arg1 == F_DUPFD || arg1 == F_SETFD'],
    ['madvise advice', [['madvise', [0n, 0n, 4n]]], 'arg2 == MADV_DONTNEED'],
    ['kill signals', [['kill', [1n, 15n]], ['kill', [1n, 0n]]], 'arg1 == 0 || arg1 == SIGTERM'],
    ['tgkill signals', [['tgkill', [1n, 2n, 6n]]], 'arg2 == SIGABRT'],
  ])('conditions on %s', (_name, calls, filter) => {
    const syscall = calls[0]?.[0] ?? '';
    const rule = proposeRules(
      calls.map(([name, args]) => call(name, args)),
      table,
    ).rules.find((candidate) => candidate.syscall === syscall);
    expect(rule?.filter).toBe(filter);
  });

  it('comments on writable and executable memory only when it was asked for', () => {
    const asked = proposeRules([call('mmap', [0n, 0n, 7n])], table).text;
    expect(asked).toMatch(/^# mmap: allows memory both writable and executable .*\nmmap: arg2 == PROT_READ\|PROT_WRITE\|PROT_EXEC$/m);
    expect(proposeRules([call('mmap', [0n, 0n, 3n])], table).text).toMatch(/^# mmap: these protections only: none both writable and executable\nmmap: arg2 == PROT_READ\|PROT_WRITE$/m);
  });

  // `syscage check` asks for a comment above every rule of a dangerous syscall (SC2050): what
  // learn writes passes that lint as it is.
  it('comments every rule of a dangerous syscall, as the review lint asks', () => {
    const names = dangerousSyscalls.map((entry) => entry.name).filter((name) => table.syscalls[name] !== undefined);
    const proposal = proposeRules(
      names.map((name) => call(name, [1n, 1n, 1n, 0n, 0n, 0n])),
      table,
    );
    const path = '/virtual/learned.policy';
    const resolved = resolvePolicy(path, { host: createMemoryHost({ [path]: proposal.text }), arch: table.name });
    expect(resolved.diagnostics.filter((found) => found.severity === 'error')).toEqual([]);
    expect(lintReviewRules(resolved).filter((found) => found.code === 'SC2050').map((found) => found.message)).toEqual([]);
  });

});

describe('learn mode', () => {
  // Node's helper threads meet on futexes only when they happen to contend, which one learn run
  // (slowed by the supervisor) may not show: learning it is checked, enforcing it is not.
  it('learns a Node script in one run', async () => {
    const learned = await learnPolicy({ command: process.execPath, args: [nodeScript, lines], cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(learned.run).toMatchObject({ exitCode: 0, mode: 'learn' });
    expect(learned.proposal.rules.map((rule) => rule.syscall)).toEqual(expect.arrayContaining(['execve', 'mmap', 'exit_group']));
  });

  it.each(commands)('learns a policy under which %s then runs in enforce mode', async (name, target, expected) => {
    // The same stdio as the enforce run below: Node inspects its stdout (a pipe here).
    const learned = await learnPolicy({ ...target, cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'], header: [`learned from ${name}`] });
    expect(learned.run).toMatchObject({ exitCode: 0, mode: 'learn', monitor: 'user-notification' });
    const { proposal } = learned;
    expect(proposal.unnamed).toEqual([]);
    const names = proposal.rules.map((rule) => rule.syscall);
    expect(names).toContain('execve');
    expect(names).toContain('exit_group');
    const policy = join(scratch, `${name.replace(/\W+/g, '-')}.policy`);
    writeFileSync(policy, proposal.text);
    if (process.env.SHOW_LEARNED) console.log(proposal.text);
    const enforced = await runCollect({ ...target, cwd: scratch, policy, compileOptions: { useKillProcess: true } });
    expect({ status: enforced.result.status, violation: enforced.result.violation }).toEqual({ status: 0, violation: undefined });
    expect(enforced.stdout).toBe(expected);
  });

  it('passes the learned calls through unchanged in the first pass', async () => {
    const learned = await runCollect({ command: '/bin/sh', args: ['-c', 'echo hi'], mode: 'learn' });
    expect(learned.stdout).toBe('hi\n');
    const write = learned.result.calls.find((call) => call.syscall.name === 'write');
    expect(write?.args[0]).toBe(1n);
    expect(write?.args[2]).toBe(3n);
    expect(write?.wouldBe?.action).toBe('user-notify');
  });

  it.each(['user-notification', 'strace'] as const)('runs the command exactly once (%s)', async (monitor) => {
    const counter = join(scratch, `runs-${monitor}.txt`);
    writeFileSync(counter, '');
    const learned = await learnPolicy({ command: '/bin/sh', args: ['-c', `echo ran >> ${counter}`], monitor, stdio: 'ignore' });
    expect(learned.monitor).toBe(monitor);
    expect(readFileSync(counter, 'utf8')).toBe('ran\n');
  });

  it('starts from a policy and proposes only what it lacks', async () => {
    const starting = join(scratch, 'starting.policy');
    writeFileSync(starting, 'execve: 1\nexit_group: 1\n');
    const learned = await runJailed({ command: '/bin/true', policy: starting, mode: 'learn', stdio: 'ignore' });
    const names = new Set(learned.calls.map((call) => call.syscall.name));
    expect(names.has('execve')).toBe(false);
    expect(names.has('exit_group')).toBe(false);
    expect(names.has('mmap')).toBe(true);
  });
});
