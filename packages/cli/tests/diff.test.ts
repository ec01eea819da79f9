import { describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';
import { makeToolInputs } from './simulate-fixture.js';

const root = makeToolInputs();

describe('syscage diff', () => {
  it('lists added, removed and changed decisions per syscall with examples', async () => {
    const result = await runInProcess(['diff', 'x86_64/old.policy', 'x86_64/new.policy', '--default-action', 'trap'], root);
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      '- write: no longer allowed (now TRAP), e.g. write(0x0, 0x0, 0x0, 0x0, 0x0, 0x0)',
      '+ close: now allowed (was TRAP), e.g. close(0x0, 0x0, 0x0, 0x0, 0x0, 0x0)',
      '+ mmap: now allowed (was TRAP), e.g. mmap(0x0, 0x0, 0x4, 0x0, 0x0, 0x0)',
      '- ioctl: no longer allowed (now TRAP), e.g. ioctl(0x0, 0x541b, 0x0, 0x0, 0x0, 0x0)',
      '~ openat: ERRNO(2) → ERRNO(13), e.g. openat(0x0, 0x0, 0x0, 0x0, 0x0, 0x0)',
      '5 syscalls differ: 2 with new allowances, 2 with removed allowances, 1 with other changes',
    ]);
  });

  it('finds no difference between a policy and its own compiled program', async () => {
    const compiled = await runInProcess(['compile', 'x86_64/new.policy', '--default-action', 'trap', '-o', 'new.bpf'], root);
    expect(compiled.code).toBe(0);
    const result = await runInProcess(['diff', 'x86_64/new.policy', 'new.bpf', '--arch', 'x86_64', '--default-action', 'trap'], root);
    expect(result.stdout).toBe('no difference between x86_64/new.policy and new.bpf on x86_64\n');
  });

  it('prints JSON', async () => {
    const result = await runInProcess(['diff', 'x86_64/old.policy', 'x86_64/new.policy', '--default-action', 'trap', '--format', 'json'], root);
    const parsed = JSON.parse(result.stdout) as { added: number; removed: number; changed: number; syscalls: { name: string; kinds: string[] }[] };
    expect(parsed).toMatchObject({ added: 2, removed: 2, changed: 1 });
    expect(parsed.syscalls.map((s) => [s.name, s.kinds])).toEqual([
      ['write', ['removed']],
      ['close', ['added']],
      ['mmap', ['added']],
      ['ioctl', ['removed']],
      ['openat', ['changed']],
    ]);
  });
});
