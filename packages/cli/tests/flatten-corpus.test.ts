// `flatten` over every loaded policy of both shared crosvm trees and of policies/: each one
// either flattens into a file that libminijail's C dialect checks find clean and whose compiled
// decisions equal the original's on sampled calls, or gets an error naming the rule the C
// dialect cannot express (SC4030–SC4034). Nothing in between.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type BpfProgram, compilePolicy, emulate, flattenPolicy } from '@syscage/bpf-codegen';
import { createMemoryHost, resolvePolicy } from '@syscage/include-resolver';
import { sharedData } from '../../../tools/shared-data/index.js';
import { loadPolicies } from '../src/input.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const shared = `${sharedData('corpus').path}/`;
const trees = [
  { name: 'policies', path: `${repo}policies`, present: true },
  { name: 'crosvm-2022-06', path: `${shared}crosvm-2022-06`, present: existsSync(`${shared}crosvm-2022-06`) },
  { name: 'crosvm-2026-08', path: `${shared}crosvm-2026-08`, present: existsSync(`${shared}crosvm-2026-08`) },
];
const refusals = new Set(['SC4030', 'SC4031', 'SC4032', 'SC4034']);
// crosvm's build: trap for unlisted syscalls, Minijail's thread kill for the rest.
const options = { defaultAction: 'trap', useKillProcess: false } as const;
const wordMask = (1n << 64n) - 1n;

function decide(program: BpfProgram, nr: number, arch: number, args: readonly bigint[]): number {
  const result = emulate(program, { nr, arch, instructionPointer: 0n, args }, { recordPath: false });
  if (!result.ok) throw new Error(result.error.message);
  return result.returnValue >>> 0;
}

function sameInstructions(a: BpfProgram, b: BpfProgram): boolean {
  return a.length === b.length && a.every((insn, pc) => {
    const other = b[pc];
    return other !== undefined && insn.code === other.code && insn.jt === other.jt && insn.jf === other.jf && insn.k === other.k;
  });
}

describe('syscage flatten over every loaded policy', () => {
  it.each(trees.filter((tree) => tree.present).map((tree) => [tree.name, tree.path] as const))('%s', async (_name, path) => {
    const input = await loadPolicies({ paths: [path], cwd: repo, includeMap: [], lint: 'off' });
    const loaded = input.policies.filter((policy) => !policy.standalone && policy.table !== undefined);
    expect(loaded.length).toBeGreaterThan(10);
    const problems: string[] = [];
    let flattened = 0;
    for (const { file, table, resolved } of loaded) {
      if (table === undefined) continue;
      const result = flattenPolicy(resolved, table, options);
      if (result.text === undefined) {
        if (!result.diagnostics.some((diagnostic) => diagnostic.severity === 'error' && refusals.has(diagnostic.code))) {
          problems.push(`${file}: no text and no refusal: ${result.diagnostics.map((diagnostic) => diagnostic.code).join(', ')}`);
        }
        continue;
      }
      flattened++;
      const flatPath = `/flat/${table.name}/flat.policy`;
      const flat = resolvePolicy(flatPath, { host: createMemoryHost({ [flatPath]: result.text }), dialect: 'minijail-c', arch: table.name });
      const dialectErrors = flat.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
      if (dialectErrors.length > 0) problems.push(`${file}: ${dialectErrors.map((diagnostic) => `${diagnostic.code} ${diagnostic.message}`).join('; ')}`);
      const original = compilePolicy(resolved, table, options);
      const recompiled = compilePolicy(flat, table, options);
      if (original.program === undefined || recompiled.program === undefined || original.lowered === undefined) {
        problems.push(`${file}: does not compile`);
        continue;
      }
      // The same instructions decide every call alike: nothing to sample.
      if (sameInstructions(original.program, recompiled.program)) continue;
      // Sampled calls: every listed syscall and a few others, with every compared value, its
      // neighbours, and values with the high word set.
      const values = new Set<bigint>([0n, wordMask, 0x100000000n]);
      for (const syscall of original.lowered.syscalls) {
        for (const filter of syscall.filters) {
          for (const comparison of filter.clauses.flat()) {
            for (const value of [comparison.value - 1n, comparison.value, comparison.value + 1n, comparison.value | (1n << 40n)]) values.add(value & wordMask);
          }
        }
      }
      const numbers = [...original.lowered.syscalls.map((syscall) => syscall.number), 0, 1, 39, 100, 0x40000001];
      const pool = [...values];
      let seed = 1;
      const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648);
      for (const nr of numbers) {
        for (let sample = 0; sample < 24; sample++) {
          const args = Array.from({ length: 6 }, () => pool[next() % pool.length] ?? 0n);
          const expected = decide(original.program, nr, table.auditArch, args);
          const got = decide(recompiled.program, nr, table.auditArch, args);
          if (got !== expected) {
            problems.push(`${file}: nr ${nr} (${args.map((arg) => `0x${arg.toString(16)}`).join(', ')}): flattened 0x${got.toString(16)}, original 0x${expected.toString(16)}`);
            break;
          }
        }
      }
    }
    console.log(`${_name}: ${flattened} of ${loaded.length} loaded policies flattened, ${loaded.length - flattened} refused with a diagnostic`);
    // The repository's own tree is written so that every loaded policy flattens.
    if (_name === 'policies') expect(flattened).toBe(loaded.length);
    expect(problems).toEqual([]);
  }, 600_000);
});
