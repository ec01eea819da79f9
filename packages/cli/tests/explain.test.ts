import { describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';
import { makeToolInputs } from './simulate-fixture.js';

const root = makeToolInputs();
const explain = (...extra: string[]) => runInProcess(['explain', 'x86_64/old.policy', '--default-action', 'trap', ...extra], root);

describe('syscage explain', () => {
  it('names the rule, its line and the include chain, and confirms with the compiled filter', async () => {
    const result = await explain('--syscall', 'ioctl', '--args', '3,FIONREAD');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'ioctl(0x3, 0x541b=FIONREAD, 0x0, 0x0, 0x0, 0x0) on x86_64: allow',
      '  decided by the rule at x86_64/common.policy:1:1',
      '    ioctl: arg1 == FIONREAD',
      '  included from x86_64/old.policy:1:1',
    ]);
    expect(lines[4]).toMatch(/^ {2}the compiled filter agrees: ALLOW after \d+ instructions$/);
  });

  it.each([
    ['a listed syscall whose conditions do not match', ['--syscall', 'ioctl', '--args', '3,0'], 'trap', 'none of its conditions match: default action'],
    ['an unlisted syscall', ['--syscall', 'execve'], 'trap', 'not listed in the policy: default action'],
    ['a return rule', ['--syscall', 'openat'], 'errno 2', 'decided by the rule at x86_64/common.policy:2:1'],
    ['an unconditional rule in the top file', ['--syscall', 'read'], 'allow', 'decided by the rule at x86_64/old.policy:2:1'],
  ])('%s', async (_name, extra, action, reason) => {
    const result = await explain(...extra);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(new RegExp(`: ${action}$`));
    expect(result.stdout).toContain(reason);
    expect(result.stdout).toContain('the compiled filter agrees');
  });

  it('prints JSON', async () => {
    const result = await explain('--syscall', 'mmap', '--args', '0,0,PROT_EXEC', '--format', 'json');
    expect(JSON.parse(result.stdout)).toMatchObject({
      syscall: 'mmap',
      action: 'trap',
      decision: { kind: 'fallback-default' },
      compiled: { action: 'TRAP', agrees: true },
    });
  });

  it('wants a policy', async () => {
    const result = await runInProcess(['explain', 'allowlist.bpf', '--arch', 'x86_64', '--syscall', 'read'], root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('use simulate');
  });
});
