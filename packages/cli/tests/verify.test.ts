// `syscage verify`: proved (exit 0), counterexample (exit 1), undecided (exit 4), in text and
// JSON; stacks of filters; --within.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeProgram } from '@syscage/bpf-codegen';
import { runInProcess } from './helpers.js';
import { makeToolInputs } from './simulate-fixture.js';

const root = makeToolInputs();
// allowlist.bpf's own rules written as a policy; the program also kills x32 numbers, which the policy traps.
writeFileSync(join(root, 'x86_64', 'allowlist.policy'), 'read: allow\nwrite: allow\nexit_group: allow\nmmap: arg2 in 0xfffffffb\nmmap: return 1\n');
writeFileSync(join(root, 'x86_64', 'wider.policy'), 'read: 1\nwrite: 1\nmmap: 1\nopenat: return EACCES\nclose: 1\nfstat: 1\n');
writeFileSync(join(root, 'x86_64', 'widened.policy'), 'read: 1\nwrite: arg0 == 1 || arg0 == 2 || arg0 == 3\nmmap: 1\nopenat: return EACCES\nclose: 1\n');
// ld args[0].lo; ret a: the action comes from the input.
writeFileSync(join(root, 'ret-a.bpf'), encodeProgram([{ code: 0x20, jt: 0, jf: 0, k: 16 }, { code: 0x16, jt: 0, jf: 0, k: 0 }]));

interface VerifyJson {
  readonly result: string;
  readonly counterexample?: { nr: number; arch: string; args: string[]; ip: string; filter: string; policy: string; rule: string | null };
  readonly reason?: string;
}

async function compile(policy: string, output: string): Promise<void> {
  const result = await runInProcess(['compile', policy, '--default-action', 'trap', '-o', output], root);
  expect(result.code, result.stderr).toBe(0);
}

describe('syscage verify', () => {
  it('proves a compiled filter against its policy (exit 0)', async () => {
    await compile('x86_64/new.policy', 'new.bpf');
    const text = await runInProcess(['verify', 'x86_64/new.policy', 'new.bpf', '--default-action', 'trap'], root);
    expect(text.stdout).toMatch(/^proved: new\.bpf does what x86_64\/new\.policy says, for every input on x86_64 \(\d+ diagram nodes\)\n$/);
    expect(text.code).toBe(0);
    const json = await runInProcess(['verify', 'x86_64/new.policy', 'new.bpf', '--default-action', 'trap', '--format', 'json'], root);
    expect(JSON.parse(json.stdout)).toEqual({ result: 'proved' });
  });

  it('gives a counterexample with both actions and the deciding rule (exit 1)', async () => {
    // allowlist.bpf allows write whatever its arguments; new.policy only for fd 1 or 2.
    const json = await runInProcess(['verify', 'x86_64/new.policy', 'allowlist.bpf', '--arch', 'x86_64', '--default-action', 'trap', '--format', 'json'], root);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as VerifyJson;
    expect(parsed.result).toBe('counterexample');
    expect(parsed.counterexample).toEqual({
      nr: 1,
      arch: '0xc000003e',
      args: ['0x0', '0x0', '0x0', '0x0', '0x0', '0x0'],
      ip: '0x0',
      filter: 'ALLOW',
      policy: 'TRAP',
      rule: null,
    });
  });

  it('names the x32 number a hand-made filter kills and the policy traps', async () => {
    const text = await runInProcess(['verify', 'x86_64/allowlist.policy', 'allowlist.bpf', '--default-action', 'trap'], root);
    expect(text.code).toBe(1);
    expect(text.stdout.split('\n')).toEqual([
      'counterexample: allowlist.bpf and x86_64/allowlist.policy differ',
      '  input:  x32 read (0x40000000, the x32 bit set)(0x0, 0x0, 0x0, 0x0, 0x0, 0x0) with arch AUDIT_ARCH_X86_64',
      '  allowlist.bpf: KILL_PROCESS',
      '  x86_64/allowlist.policy: TRAP, for a number that is no syscall of x86_64',
      '',
    ]);
  });

  it('quotes the rule that decided', async () => {
    await compile('x86_64/new.policy', 'new.bpf');
    const text = await runInProcess(['verify', 'x86_64/old.policy', 'new.bpf', '--default-action', 'trap'], root);
    expect(text.code).toBe(1);
    expect(text.stdout.split('\n')).toEqual([
      'counterexample: new.bpf and x86_64/old.policy differ',
      '  input:  write(0x0, 0x0, 0x0, 0x0, 0x0, 0x0) with arch AUDIT_ARCH_X86_64',
      '  new.bpf: TRAP',
      '  x86_64/old.policy: ALLOW, rule x86_64/old.policy:3: write: 1',
      '',
    ]);
  });

  it('answers undecided for a filter whose action comes from the input (exit 4)', async () => {
    const result = await runInProcess(['verify', 'x86_64/new.policy', 'ret-a.bpf', '--format', 'json'], root);
    expect(result.code).toBe(4);
    expect(JSON.parse(result.stdout)).toEqual({ result: 'undecided', reason: '`ret a` returns a value computed from the input', pc: 1, program: 0 });
  });

  it('proves a stack of filters as the kernel runs it', async () => {
    await compile('x86_64/new.policy', 'new.bpf');
    await compile('x86_64/wider.policy', 'wider.bpf');
    const result = await runInProcess(['verify', 'x86_64/new.policy', 'wider.bpf', 'new.bpf', '--default-action', 'trap'], root);
    expect(result.stdout).toMatch(/^proved: wider\.bpf \+ new\.bpf does what/);
    expect(result.code).toBe(0);
  });

  it('--within: a filter is within a wider policy, and a widened policy is not within the filter', async () => {
    await compile('x86_64/new.policy', 'new.bpf');
    const within = await runInProcess(['verify', '--within', 'x86_64/wider.policy', 'new.bpf', '--default-action', 'trap'], root);
    expect(within.stdout).toMatch(/^proved: everything new\.bpf lets run, x86_64\/wider\.policy lets run too/);
    expect(within.code).toBe(0);
    const widened = await runInProcess(['verify', '--within', 'new.bpf', 'x86_64/widened.policy', '--default-action', 'trap', '--format', 'json'], root);
    expect(widened.code).toBe(1);
    const parsed = JSON.parse(widened.stdout) as VerifyJson;
    expect(parsed.counterexample).toMatchObject({ nr: 1, args: ['0x3', '0x0', '0x0', '0x0', '0x0', '0x0'], policy: 'ALLOW', filter: 'TRAP', rule: 'x86_64/widened.policy:2' });
    const added = await runInProcess(['verify', '--within', 'new.bpf', 'x86_64/wider.policy', '--default-action', 'trap', '--format', 'json'], root);
    expect((JSON.parse(added.stdout) as VerifyJson).counterexample).toMatchObject({ nr: 1 });
  });

  it.each([
    [['verify', 'new.bpf', 'new.bpf'], '--arch is required'],
    [['verify', 'x86_64/new.policy', 'new.bpf', '--max-nodes', 'lots'], '--max-nodes lots'],
    [['verify', 'new.bpf', 'new.bpf', '--arch', 'x86_64', '--default-action', 'trap'], '--default-action: only for a .policy input'],
  ])('usage error: %j', async (argv, message) => {
    await compile('x86_64/new.policy', 'new.bpf');
    const result = await runInProcess(argv, root);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
