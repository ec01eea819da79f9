import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { encodeProgram } from '@syscage/bpf-codegen';
import { describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';
import { makeToolInputs } from './simulate-fixture.js';

const root = makeToolInputs();

describe('syscage diff', () => {
  it('lists exactly the inputs whose decision changed, per syscall, as conditions with a witness', async () => {
    const result = await runInProcess(['diff', 'x86_64/old.policy', 'x86_64/new.policy', '--default-action', 'trap'], root);
    // Like diff(1): 1 when the filters differ (issue 20 item 9).
    expect(result.code).toBe(1);
    // write was always allowed and now only for fd 1 and 2 (so exactly 0 and 3 and up lost it);
    // mmap was allowed without PROT_EXEC; ioctl was allowed for FIONREAD only. Names come from
    // the policies' own constants.
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      '- write: allowed for fewer argument values (now TRAP) when arg0 == 0x0 or arg0 >= 0x3, e.g. write(0x0, 0x0, 0x0, 0x0, 0x0, 0x0)',
      '+ close: now allowed (was TRAP) for any arguments, e.g. close(0x0, 0x0, 0x0, 0x0, 0x0, 0x0)',
      '+ mmap: allowed for more argument values (was TRAP) when (arg2 & PROT_EXEC) != 0, e.g. mmap(0x0, 0x0, 0x4=PROT_EXEC, 0x0, 0x0, 0x0)',
      '- ioctl: no longer allowed (now TRAP) when arg1 == FIONREAD, e.g. ioctl(0x0, 0x541b=FIONREAD, 0x0, 0x0, 0x0, 0x0)',
      '~ openat: ERRNO(2=ENOENT) → ERRNO(13=EACCES) for any arguments, e.g. openat(0x0, 0x0, 0x0=O_RDONLY, 0x0, 0x0, 0x0)',
      '5 syscalls differ: 2 with new allowances, 2 with removed allowances, 1 with other changes',
    ]);
  });

  it('compares a hand-written filter with a policy exactly, numbers that are no syscall and other architectures included', async () => {
    // allowlist.bpf: read/write/exit_group allowed, mmap allowed unless arg2 has PROT_EXEC or a
    // high word (ERRNO(1)), other numbers below 0x40000000 TRAP, the rest and other arches KILL_PROCESS.
    writeFileSync(join(root, 'x86_64', 'allowlist.policy'), '@default trap\nread: 1\nwrite: 1\nexit_group: 1\nmmap: arg2 in ~PROT_EXEC\n');
    const result = await runInProcess(['diff', 'allowlist.bpf', 'x86_64/allowlist.policy'], root);
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    // Where the filter answers ERRNO(1) (PROT_EXEC, or a high word in arg2), the policy traps
    // PROT_EXEC and allows the rest; numbers with the x32 bit are killed by the filter only.
    expect(lines).toEqual([
      '~ mmap: ERRNO(1=EPERM) → TRAP when (arg2 & PROT_EXEC) != 0, e.g. mmap(0x0, 0x0, 0x4=PROT_EXEC, 0x0, 0x0, 0x0)',
      '+ mmap: allowed for more argument values (was ERRNO(1=EPERM)) when arg2 >= 0x100000000 and (arg2 & PROT_EXEC) == 0, e.g. mmap(0x0, 0x0, 0x100000000, 0x0, 0x0, 0x0)',
      '~ numbers that are no syscall of x86_64: KILL_PROCESS → TRAP when nr >= 0x40000000, e.g. syscall 0x40000000(0x0, 0x0, 0x0, 0x0, 0x0, 0x0)',
      '1 syscall differ: 1 with new allowances, 0 with removed allowances, 1 with other changes; decisions on numbers that are no syscall differ too',
    ]);
  });

  it('names a change of the default action first and lists every syscall it changes', async () => {
    const result = await runInProcess(['diff', 'x86_64/old.policy', 'x86_64/old.policy', '--default-action', 'trap'], root);
    expect(result.code).toBe(0);
    const changed = await runInProcess(['diff', 'x86_64/common.policy', 'x86_64/old.policy', '--default-action', 'trap'], root);
    expect(changed.code).toBe(1);
    const kill = await runInProcess(['diff', 'x86_64/old.policy', 'x86_64/new.policy'], root);
    const trap = await runInProcess(['diff', 'x86_64/old.policy', 'x86_64/new.policy', '--default-action', 'trap'], root);
    expect([kill.code, trap.code]).toEqual([1, 1]);
    writeFileSync(join(root, 'x86_64', 'old-trap.policy'), '@default trap\n@include ./common.policy\nread: 1\nwrite: 1\nmmap: arg2 in ~PROT_EXEC\n');
    const both = await runInProcess(['diff', 'x86_64/old.policy', 'x86_64/old-trap.policy'], root);
    expect(both.code).toBe(1);
    const lines = both.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^~ default action: KILL_PROCESS → TRAP; (\d+) syscalls below change with it$/);
    const count = Number(/; (\d+) syscalls/.exec(lines[0] ?? '')?.[1]);
    // Every one of them on its own line, none collapsed.
    expect(lines.filter((line) => /^~ [a-z0-9_]+: KILL_PROCESS → TRAP (for any arguments|when .+), e\.g\. /.test(line))).toHaveLength(count);
    // ioctl and mmap change with the default only where their rules do not decide.
    expect(lines).toContain('~ ioctl: KILL_PROCESS → TRAP when arg1 != FIONREAD, e.g. ioctl(0x0, 0x0, 0x0, 0x0, 0x0, 0x0)');
    expect(lines).toContain('~ mmap: KILL_PROCESS → TRAP when (arg2 & PROT_EXEC) != 0, e.g. mmap(0x0, 0x0, 0x4=PROT_EXEC, 0x0, 0x0, 0x0)');
    expect(lines).toContain('~ close: KILL_PROCESS → TRAP for any arguments, e.g. close(0x0, 0x0, 0x0, 0x0, 0x0, 0x0)');
    expect(lines.at(-1)).toBe(`${count} syscalls differ: 0 with new allowances, 0 with removed allowances, ${count} with other changes; the default action changed from KILL_PROCESS to TRAP; decisions on numbers that are no syscall differ too`);
    // The invalid-number action follows the default: exactly the holes of the table and the numbers past it.
    expect(lines).toContain('~ numbers that are no syscall of x86_64: KILL_PROCESS → TRAP when 0x151 <= nr <= 0x1a7 or nr >= 0x1d8, e.g. syscall 0x151(0x0, 0x0, 0x0, 0x0, 0x0, 0x0)');
    const json = await runInProcess(['diff', 'x86_64/old.policy', 'x86_64/old-trap.policy', '--format', 'json'], root);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ defaultAction: { old: 'KILL_PROCESS', new: 'TRAP' }, changed: count });
  });

  it('finds no difference between a policy and its own compiled program', async () => {
    const compiled = await runInProcess(['compile', 'x86_64/new.policy', '--default-action', 'trap', '-o', 'new.bpf'], root);
    expect(compiled.code).toBe(0);
    const result = await runInProcess(['diff', 'x86_64/new.policy', 'new.bpf', '--arch', 'x86_64', '--default-action', 'trap'], root);
    expect(result.stdout).toBe('no difference between x86_64/new.policy and new.bpf on x86_64 (proved for every input)\n');
  });

  // One default action for every command: what `build` ships is what `diff` compiles from the
  // same source without flags (before, build killed the process and diff the thread, and this
  // printed a line for every unlisted syscall).
  it('finds no difference between a policy and what build wrote for it, without flags', async () => {
    const built = await runInProcess(['build', '.', '--arch', 'x86_64', '--lint', 'off', '-o', `../${basename(root)}-diff-built`], root);
    expect(built.code).toBe(0);
    const result = await runInProcess(['diff', 'x86_64/old.policy', `../${basename(root)}-diff-built/x86_64/old.bpf`, '--arch', 'x86_64'], root);
    expect(result.stdout).toMatch(/^no difference between x86_64\/old\.policy and \S*diff-built\/x86_64\/old\.bpf on x86_64 \(proved for every input\)\n$/);
    expect(result.code).toBe(0);
  });

  it('refuses policy options when no input is a policy', async () => {
    const compiled = await runInProcess(['compile', 'x86_64/new.policy', '-o', 'new.bpf'], root);
    expect(compiled.code).toBe(0);
    const result = await runInProcess(['diff', 'new.bpf', 'new.bpf', '--arch', 'x86_64', '--default-action', 'trap'], root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--default-action: only for a .policy input');
  });

  it('prints JSON', async () => {
    const result = await runInProcess(['diff', 'x86_64/old.policy', 'x86_64/new.policy', '--default-action', 'trap', '--format', 'json'], root);
    const parsed = JSON.parse(result.stdout) as { added: number; removed: number; changed: number; syscalls: { name: string; kinds: string[] }[] };
    expect(result.code).toBe(1);
    expect(parsed).toMatchObject({ added: 2, removed: 2, changed: 1, defaultAction: null });
    expect(parsed.syscalls.find((s) => s.name === 'mmap')).toMatchObject({ oldAllowed: 'sometimes', newAllowed: 'always' });
    expect(parsed.syscalls.map((s) => [s.name, s.kinds])).toEqual([
      ['write', ['removed']],
      ['close', ['added']],
      ['mmap', ['added']],
      ['ioctl', ['removed']],
      ['openat', ['changed']],
    ]);
    // The documented shape: per change the actions, the conditions (hex values, names in text),
    // one witness and the rule of a policy side that decided it.
    expect(parsed.syscalls[0]).toEqual({
      nr: 1,
      name: 'write',
      kinds: ['removed'],
      oldAllowed: 'always',
      newAllowed: 'sometimes',
      changes: [
        {
          kind: 'removed',
          before: 'ALLOW',
          after: 'TRAP',
          when: [[{ field: 'arg0', op: '==', value: '0x0', text: 'arg0 == 0x0' }], [{ field: 'arg0', op: 'range', min: '0x3', max: '0xffffffffffffffff', text: 'arg0 >= 0x3' }]],
          text: 'when arg0 == 0x0 or arg0 >= 0x3',
          complete: true,
          example: { nr: 1, arch: '0xc000003e', args: ['0x0', '0x0', '0x0', '0x0', '0x0', '0x0'], ip: '0x0' },
          rule: { old: 'x86_64/old.policy:3', new: null },
        },
      ],
    });
    expect(JSON.parse(result.stdout)).toMatchObject({ result: 'different', otherNumbers: [], otherArchitectures: [] });
  });

  it('says undecided (exit 4) for a program the procedure does not decide exactly', async () => {
    // ld args[0] (low half); ret A: the return value is computed from the input.
    writeFileSync(join(root, 'ret-a.bpf'), encodeProgram([{ code: 0x20, jt: 0, jf: 0, k: 16 }, { code: 0x16, jt: 0, jf: 0, k: 0 }]));
    const result = await runInProcess(['diff', 'ret-a.bpf', 'allowlist.bpf', '--arch', 'x86_64'], root);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('undecided: `ret a` returns a value computed from the input (instruction 1); nothing is claimed about the difference between ret-a.bpf and allowlist.bpf\n');
    const json = await runInProcess(['diff', 'ret-a.bpf', 'allowlist.bpf', '--arch', 'x86_64', '--format', 'json'], root);
    expect(JSON.parse(json.stdout)).toEqual({ old: 'ret-a.bpf', new: 'allowlist.bpf', arch: 'x86_64', result: 'undecided', reason: '`ret a` returns a value computed from the input (instruction 1)' });
  });
});
