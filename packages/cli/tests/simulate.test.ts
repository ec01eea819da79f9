import { describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';
import { makeToolInputs } from './simulate-fixture.js';

const root = makeToolInputs();

describe('syscage simulate', () => {
  it.each([
    ['read is allowed after 6 instructions', ['--syscall', 'read'], 'read(0x0, 0x0, 0x0, 0x0, 0x0, 0x0) on x86_64: ALLOW (allow) after 6 instructions'],
    ['mmap without PROT_EXEC is allowed', ['--syscall', 'mmap', '--args', '0,4096,PROT_READ|PROT_WRITE'], 'ALLOW (allow) after 13 instructions'],
    ['mmap with PROT_EXEC gets ERRNO(1)', ['--syscall', 'mmap', '--args', '0,4096,PROT_READ|PROT_EXEC'], 'mmap(0x0, 0x1000, 0x5=PROT_READ|PROT_EXEC, 0x0, 0x0, 0x0) on x86_64: ERRNO(1=EPERM) (errno) after 13 instructions'],
    ['a high word in args[2] gets ERRNO(1)', ['--syscall', '9', '--args', '0,0,0x100000000'], 'ERRNO(1=EPERM) (errno) after 11 instructions'],
    ['a negative argument is taken modulo 2^64', ['--syscall', 'mmap', '--args', '0,0,-1'], 'mmap(0x0, 0x0, 0xffffffffffffffff'],
    ['execve is trapped', ['--syscall', 'execve'], 'TRAP (trap) after 9 instructions'],
  ])('%s', async (_name, extra, expected) => {
    const result = await runInProcess(['simulate', 'allowlist.bpf', '--arch', 'x86_64', ...extra], root);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(expected);
  });

  it('lists the executed instructions', async () => {
    const result = await runInProcess(['simulate', 'allowlist.bpf', '--arch', 'x86_64', '--syscall', 'read'], root);
    expect(result.stdout.split('\n').slice(1, 7).map((line) => line.trim().split(':')[0])).toEqual(['0', '1', '3', '4', '5', '10']);
  });

  it('prints JSON', async () => {
    const result = await runInProcess(['simulate', 'allowlist.bpf', '--arch', 'x86_64', '--syscall', 'write', '--args', '1,2', '--format', 'json'], root);
    expect(JSON.parse(result.stdout)).toMatchObject({
      syscall: 'write',
      nr: 1,
      args: ['1', '2', '0', '0', '0', '0'],
      returnValue: 0x7fff0000,
      action: 'allow',
      returnText: 'ALLOW',
      instructionsExecuted: 7,
      path: [0, 1, 3, 4, 5, 6, 10],
    });
  });

  it('compiles a policy first', async () => {
    const result = await runInProcess(['simulate', 'x86_64/old.policy', '--syscall', 'ioctl', '--args', '3,FIONREAD', '--default-action', 'trap'], root);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ioctl\(0x3, 0x541b=FIONREAD, .*: ALLOW \(allow\)/);
    expect(result.stdout).toMatch(/jeq #0x541b jt \d+ jf \d+ +; FIONREAD\n/);
  });

  it.each([
    ['an unknown constant', ['--syscall', 'mmap', '--args', '0,PROT_RAED'], 'did you mean PROT_READ?'],
    ['an unknown syscall', ['--syscall', 'mmapp'], 'did you mean mmap?'],
    ['seven arguments', ['--syscall', 'read', '--args', '1,2,3,4,5,6,7'], 'at most 6 arguments'],
  ])('rejects %s', async (_name, extra, message) => {
    const result = await runInProcess(['simulate', 'allowlist.bpf', '--arch', 'x86_64', ...extra], root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  // Issue 20 item 14: without --arch, a .bpf says its architecture in its first comparison.
  it.each([
    ['x86_64', 'allowlist.bpf', 'read(0x0, 0x0, 0x0, 0x0, 0x0, 0x0) on x86_64: ALLOW (allow) after 6 instructions'],
    ['s390x (big-endian)', 's390x.bpf', 'read(0x0, 0x0, 0x0, 0x0, 0x0, 0x0) on s390x: TRAP (trap)'],
  ])('takes the architecture of a .bpf from the program (%s)', async (_name, file, expected) => {
    const result = await runInProcess(['simulate', file, '--syscall', 'read'], root);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(expected);
  });

  it('reports a path that is invalid at run time', async () => {
    const result = await runInProcess(['simulate', 'no-ret.bpf', '--arch', 'x86_64', '--syscall', 'read'], root);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('the program is invalid on this path');
    expect(result.stdout).toContain('SC4630');
  });
});
