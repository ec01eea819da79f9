import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';
import { makeToolInputs } from './simulate-fixture.js';

const root = makeToolInputs();

describe('syscage diff', () => {
  it('lists added, removed and changed decisions per syscall with examples', async () => {
    const result = await runInProcess(['diff', 'x86_64/old.policy', 'x86_64/new.policy', '--default-action', 'trap'], root);
    // Like diff(1): 1 when the filters differ (issue 20 item 9).
    expect(result.code).toBe(1);
    // write was always allowed and now only for fd 1 and 2; mmap was allowed without PROT_EXEC.
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      '- write: allowed for fewer argument values (now TRAP), e.g. write(0x0, 0x0, 0x0, 0x0, 0x0, 0x0)',
      '+ close: now allowed (was TRAP), e.g. close(0x0, 0x0, 0x0, 0x0, 0x0, 0x0)',
      '+ mmap: allowed for more argument values (was TRAP), e.g. mmap(0x0, 0x0, 0x4=PROT_EXEC, 0x0, 0x0, 0x0)',
      '- ioctl: no longer allowed (now TRAP), e.g. ioctl(0x0, 0x541b=FIONREAD, 0x0, 0x0, 0x0, 0x0)',
      '~ openat: ERRNO(2=ENOENT) → ERRNO(13=EACCES), e.g. openat(0x0, 0x0, 0x0=O_RDONLY, 0x0, 0x0, 0x0)',
      '5 syscalls differ: 2 with new allowances, 2 with removed allowances, 1 with other changes',
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
    expect(lines.filter((line) => / KILL_PROCESS → TRAP, e\.g\. /.test(line))).toHaveLength(count);
    expect(lines).toContain('~ close: KILL_PROCESS → TRAP, e.g. close(0x0, 0x0, 0x0, 0x0, 0x0, 0x0)');
    expect(lines.at(-1)).toBe(`${count} syscalls differ: 0 with new allowances, 0 with removed allowances, ${count} with other changes; the default action changed from KILL_PROCESS to TRAP`);
    const json = await runInProcess(['diff', 'x86_64/old.policy', 'x86_64/old-trap.policy', '--format', 'json'], root);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ defaultAction: { old: 'KILL_PROCESS', new: 'TRAP' }, changed: count });
  });

  it('finds no difference between a policy and its own compiled program', async () => {
    const compiled = await runInProcess(['compile', 'x86_64/new.policy', '--default-action', 'trap', '-o', 'new.bpf'], root);
    expect(compiled.code).toBe(0);
    const result = await runInProcess(['diff', 'x86_64/new.policy', 'new.bpf', '--arch', 'x86_64', '--default-action', 'trap'], root);
    expect(result.stdout).toBe('no difference between x86_64/new.policy and new.bpf on x86_64\n');
  });

  // One default action for every command: what `build` ships is what `diff` compiles from the
  // same source without flags (before, build killed the process and diff the thread, and this
  // printed a line for every unlisted syscall).
  it('finds no difference between a policy and what build wrote for it, without flags', async () => {
    const built = await runInProcess(['build', '.', '--arch', 'x86_64', '--lint', 'off', '-o', `../${basename(root)}-diff-built`], root);
    expect(built.code).toBe(0);
    const result = await runInProcess(['diff', 'x86_64/old.policy', `../${basename(root)}-diff-built/x86_64/old.bpf`, '--arch', 'x86_64'], root);
    expect(result.stdout).toMatch(/^no difference between x86_64\/old\.policy and \S*diff-built\/x86_64\/old\.bpf on x86_64\n$/);
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
  });
});
