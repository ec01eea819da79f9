import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type JailOptions, learnPolicy, proposeRules, runJailed } from '../src/index.js';
import { runCollect } from './collect.js';
import { table } from './table.js';

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
  ['a Node script', { command: process.execPath, args: [nodeScript, lines] }, '3\n'],
];

describe('learn mode', () => {
  it.each(commands)('learns a policy under which %s then runs in enforce mode', async (name, target, expected) => {
    // The same stdio as the enforce run below: Node inspects its stdout (a pipe here).
    const learned = await learnPolicy({ ...target, cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'], header: `learned from ${name}` });
    expect(learned.passes[0]).toMatchObject({ exitCode: 0, mode: 'learn', monitor: 'user-notification' });
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

  it('proposes conditions for selector arguments, named with the table constants', () => {
    const call = (name: string, args: bigint[]) => ({
      tid: 1,
      syscall: { nr: table.syscalls[name] ?? -1, name },
      arch: table.auditArch,
      instructionPointer: 0n,
      args,
      wouldBe: undefined,
    });
    const tcgets = table.constants.TCGETS ?? 0n;
    const fionbio = table.constants.FIONBIO ?? 0n;
    const proposal = proposeRules(
      [
        call('ioctl', [1n, tcgets]),
        call('ioctl', [2n, fionbio]),
        call('ioctl', [1n, tcgets]),
        call('socket', [table.constants.AF_UNIX ?? 0n, 1n, 0n]),
        call('fcntl', [3n, table.constants.F_SETFD ?? 0n]),
        call('read', [0n]),
        call('futex', [0n]),
      ],
      table,
      { header: 'test' },
    );
    expect(proposal.text).toBe(
      [
        '# test',
        'ioctl: arg1 == TCGETS || arg1 == FIONBIO',
        'socket: arg0 == AF_UNIX',
        'fcntl: arg1 == F_SETFD',
        'read: 1',
        'futex: 1',
        '# sched_yield: not seen, but lock users yield when a lock is contended',
        'sched_yield: 1',
        '',
      ].join('\n'),
    );
  });

  it('writes a plain rule when a selector takes many values', () => {
    const calls = Array.from({ length: 5 }, (_, index) => ({
      tid: 1,
      syscall: { nr: table.syscalls.ioctl ?? -1, name: 'ioctl' },
      arch: table.auditArch,
      instructionPointer: 0n,
      args: [0n, BigInt(0x1000 + index)],
      wouldBe: undefined,
    }));
    expect(proposeRules(calls, table, { maxValues: 4 }).text).toBe('ioctl: 1\n');
    expect(proposeRules(calls, table, { maxValues: 5 }).text).toMatch(/^ioctl: arg1 == 0x1000 \|\| /);
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
