import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { learnPolicy, runJailed } from '../src/index.js';
import { RET, assemble } from './asm.js';
import { runCollect } from './collect.js';
import { onX86_64, table } from './table.js';

describe('learning through strace', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'syscage-strace-'));

  it('learns a pipeline that then runs in enforce mode', async () => {
    const target = { command: '/bin/sh', args: ['-c', 'echo a b c | wc -w'] };
    const learned = await learnPolicy({ ...target, monitor: 'strace', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(learned.monitor).toBe('strace');
    expect(learned.run).toMatchObject({ exitCode: 0, monitor: 'strace' });
    const names = learned.proposal.rules.map((rule) => rule.syscall);
    expect(names).toEqual(expect.arrayContaining(['execve', 'pipe2', 'wait4', 'exit_group']));
    const policy = join(scratch, 'pipeline.policy');
    writeFileSync(policy, learned.proposal.text);
    const { result, stdout } = await runCollect({ ...target, policy, compileOptions: { useKillProcess: true } });
    expect({ status: result.status, stdout }).toEqual({ status: 0, stdout: '3\n' });
  });

  it('keeps only what the starting policy does not allow', async () => {
    const starting = join(scratch, 'start.policy');
    writeFileSync(starting, 'execve: 1\nbrk: 1\nexit_group: 1\n');
    const learned = await learnPolicy({ command: '/bin/true', policy: starting, monitor: 'strace', stdio: 'ignore' });
    const names = learned.proposal.rules.map((rule) => rule.syscall);
    expect(names).not.toContain('execve');
    expect(names).not.toContain('brk');
    expect(names).toContain('mmap');
  });

  // Inside an outer sandbox that denies pidfd_getfd the supervisor cannot attach: learn says so
  // by falling back to strace.
  it.runIf(onX86_64)('falls back to strace when the supervisor cannot attach', async () => {
    const outer = assemble(table, new Map([['pidfd_getfd', RET.errno(1)]]), RET.allow);
    // tests/programs/nested.ts, bundled once by tests/global-setup.ts.
    const nested = inject('nestedProgram');
    const { result, stdout } = await runCollect({
      command: process.execPath,
      args: [nested, 'learn'],
      filter: outer,
    });
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(stdout) as { monitor: string; rules: string[] };
    expect(report.monitor).toBe('strace');
    expect(report.rules).toEqual(expect.arrayContaining(['execve', 'mmap', 'exit_group']));
  });

  // The fallback reads its own log as --from-strace reads one: a call it cannot read whole is a
  // warning with its line, never dropped or read with a value nobody saw. A stand-in strace
  // writes a log with a cut line (as a killed tracee can leave) to the file it is given with -o.
  it.runIf(onX86_64)('reports the calls of its log it cannot read whole, and keeps them for review', async () => {
    const bin = join(scratch, 'fake-bin');
    mkdirSync(bin, { recursive: true });
    const log = ['7 execve(0x1, 0x2, 0x3) = 0', '7 mmap(0, 0x2000, 0x3, 0x22, 0xffffffff, 0) = 0x7f00', '7 mmap(0, 0x2000, 0x7', '7 <... openat resumed>) = 3', '7 exit_group(0) = ?'].join('\n');
    writeFileSync(join(bin, 'strace'), `#!/bin/sh\nwhile [ "$1" != "-o" ]; do shift; done\nprintf '%s\\n' '${log.replaceAll('\n', "' '")}' > "$2"\n`);
    chmodSync(join(bin, 'strace'), 0o755);
    const learned = await learnPolicy({ command: '/bin/true', monitor: 'strace', env: { PATH: bin }, stdio: 'ignore' });
    expect(learned.diagnostics.map((found) => `${found.code} ${found.file}:${found.range.start.line}:${found.range.start.column}`)).toEqual([
      'SC5014 strace-f.log:3:3',
      'SC5015 strace-f.log:4:8',
    ]);
    expect(learned.straceLog?.text.split('\n')[2]).toBe('7 mmap(0, 0x2000, 0x7');
    expect(learned.proposal.needsArguments).toEqual(['mmap', 'openat']);
    // The mmap that was read whole gives the rule; the cut one (0x7, perhaps more) is not allowed.
    expect(learned.proposal.rules.find((rule) => rule.syscall === 'mmap')?.filter).toBe('arg2 == PROT_READ|PROT_WRITE');
  });

  it('uses the supervisor where it can attach', async () => {
    const result = await runJailed({ command: '/bin/true', mode: 'learn', stdio: 'ignore' });
    expect(result.monitor).toBe('user-notification');
  });
});
