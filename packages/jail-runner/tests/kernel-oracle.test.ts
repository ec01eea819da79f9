// The kernel as the oracle of the code generator: for policies with argument filters (every
// operator, 64-bit constants), the decisions the real kernel takes for sampled calls must be the
// decisions bpf-codegen's emulator predicts for the same program.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePolicy, emulate } from '@syscage/bpf-codegen';
import { createMemoryHost, resolvePolicy } from '@syscage/include-resolver';
import { describe, expect, it } from 'vitest';
import { runCollect } from './collect.js';
import { table } from './table.js';

// getppid, getpgrp and munlockall ignore their arguments (the filter still sees them) and
// cannot fail, so a -1 result can only be the filter's errno. Node does not call them itself.
const policies: readonly [string, string][] = [
  [
    'equality',
    [
      'getppid: arg0 == 0x123456789abcdef0; return 120',
      'getppid: arg1 != 0xffffffff00000000 && arg2 == 7; return 121',
      'getpgrp: arg5 == 0xffffffffffffffff || arg4 == ~0x10; return 122',
      'munlockall: arg0 == 0x100000000; return 123',
    ].join('\n'),
  ],
  [
    'ordering',
    [
      'getppid: arg0 < 0x100000000; return 124',
      'getppid: arg1 <= 0xfffffffe00000001; return 125',
      'getpgrp: arg2 > 0x7fffffffffffffff; return 126',
      'getpgrp: arg3 >= 0x80000000; return 127',
      'munlockall: arg0 > 0xffffffff && arg0 < 0x1ffffffff; return 128',
    ].join('\n'),
  ],
  [
    'bits',
    [
      'getppid: arg0 & 0x8000000000000001; return 129',
      'getpgrp: arg1 in 0xff00ff00ff00ff00; return 130',
      'munlockall: arg4 & (0x10|0x100000000); return 131',
      'munlockall: arg2 in ~0x1; return 132',
    ].join('\n'),
  ],
  [
    'compound',
    [
      'getppid: arg0 == 1 && arg1 == 2 || arg2 > 0xffffffff && arg3 in 0xffff; return 133',
      'getpgrp: arg0 != 0 && arg0 < 0x1000 || arg5 & 0x4000000000000000; return 134',
      '{ getppid, munlockall }: arg1 >= 0xfffffffffffffff0 || arg0 <= 3 && arg0 != 2; return 135',
    ].join('\n'),
  ],
];

const MASK = (1n << 64n) - 1n;
const SYSCALLS = ['getppid', 'getpgrp', 'munlockall'];

/** A small deterministic generator (xorshift64*), so failures reproduce. */
function random(seed: bigint): () => bigint {
  let state = seed;
  return () => {
    state ^= state >> 12n;
    state ^= (state << 25n) & MASK;
    state ^= state >> 27n;
    return (state * 0x2545f4914f6cdd1dn) & MASK;
  };
}

/** Values near every constant of the policy: equal, off by one, halves swapped or cleared. */
function interestingValues(text: string): bigint[] {
  const values = new Set<bigint>([0n, 1n, 2n, 3n, 7n, MASK, 1n << 63n, 0xffffffffn, 1n << 32n]);
  for (const match of text.matchAll(/\b(0x[0-9a-f]+|\d+)\b/g)) {
    const constant = BigInt(match[1] ?? '0');
    for (const value of [constant, constant - 1n, constant + 1n, ~constant, constant ^ (1n << 32n), constant & 0xffffffffn, constant >> 32n << 32n]) {
      values.add(value & MASK);
    }
  }
  return [...values];
}

const harness = new URL('./programs/syscall-harness.mjs', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'syscage-oracle-'));

describe('kernel decisions match the emulator', () => {
  it.each(policies)('%s policy', async (name, body) => {
    const text = `@denylist\n${body}\n`;
    const resolved = resolvePolicy('/oracle.policy', { host: createMemoryHost({ '/oracle.policy': text }), arch: table.name });
    expect(resolved.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const compiled = compilePolicy(resolved, table, { denylist: true });
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const program = compiled.program;
    if (program === undefined) throw new Error('no program');

    const values = interestingValues(body);
    const next = random(0x9e3779b97f4a7c15n ^ BigInt(name.length));
    const pick = (): bigint => (next() % 4n === 0n ? next() : (values[Number(next() % BigInt(values.length))] ?? 0n));
    const cases: [number, bigint[]][] = [];
    for (const syscall of SYSCALLS) {
      const nr = table.syscalls[syscall];
      if (nr === undefined) throw new Error(`no ${syscall}`);
      for (let index = 0; index < 200; index++) cases.push([nr, Array.from({ length: 6 }, pick)]);
    }
    const input = join(scratch, `${name}.json`);
    writeFileSync(input, JSON.stringify(cases.map(([nr, args]) => [nr, args.map(String)])));

    const { result, stdout, stderr } = await runCollect({ command: process.execPath, args: [harness, input], filter: program });
    expect({ status: result.status, stderr }).toEqual({ status: 0, stderr: '' });
    const kernel = JSON.parse(stdout) as [number, number][];
    expect(kernel).toHaveLength(cases.length);

    const seen = new Set<number>();
    const mismatches: string[] = [];
    cases.forEach(([nr, args], index) => {
      const predicted = emulate(program, { nr, arch: table.auditArch, instructionPointer: 0n, args }, { recordPath: false });
      if (!predicted.ok) throw new Error(predicted.error.message);
      const expected = predicted.action === 'errno' ? predicted.data : 0;
      const [value, errno] = kernel[index] ?? [0, -1];
      const actual = value < 0 ? errno : 0;
      seen.add(expected);
      if (actual !== expected) mismatches.push(`nr ${nr} args ${args.map((a) => `0x${a.toString(16)}`).join(',')}: kernel ${actual}, emulator ${expected}`);
    });
    expect(mismatches).toEqual([]);
    // The samples must reach every rule of the policy and the fall-through allow, or the
    // comparison proves little.
    const errnos = [...body.matchAll(/return (\d+)/g)].map((match) => Number(match[1]));
    expect([...seen].sort()).toEqual([0, ...errnos].sort());
  });
});
