// Minijail's own decisions for the crosvm corpus (../shared/conformance): emulating our program
// must give the same answer for every vector.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { compilePolicy } from '../src/compile.js';
import type { BpfProgram } from '../src/types.js';
import { sharedData } from '../../../tools/shared-data/index.js';
import { describeWithShared } from '../../../tools/shared-data/vitest.js';
import { decide, numberOf, tables } from './compile/helpers.js';

const vectors = sharedData('conformance/crosvm-2022-06.jsonl');
const corpus = sharedData('corpus/crosvm-2022-06');

interface Vector {
  readonly policy: string;
  readonly arch: string;
  readonly syscall: string;
  readonly args: readonly string[];
  readonly audit_arch?: string;
  readonly expect: string;
}

function loadVectors(): Map<string, Vector[]> {
  const byPolicy = new Map<string, Vector[]>();
  for (const line of readFileSync(vectors.path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const vector = JSON.parse(line) as Vector;
    const list = byPolicy.get(vector.policy) ?? [];
    list.push(vector);
    byPolicy.set(vector.policy, list);
  }
  return byPolicy;
}

describeWithShared('conformance with Minijail on crosvm-2022-06', [vectors, corpus], () => {
  const byPolicy = loadVectors();
  const host = createNodeHost();
  const cases = [...byPolicy.keys()].sort().map((policy) => [policy] as const);
  it('has the vectors the README promises', () => {
    expect([...byPolicy.values()].reduce((sum, list) => sum + list.length, 0)).toBe(8321);
  });
  it.each(cases)('%s', (policy) => {
    const vectors = byPolicy.get(policy) ?? [];
    const first = vectors[0];
    if (first === undefined) throw new Error('no vectors');
    const table = tables[first.arch];
    if (table === undefined) {
      console.warn(`skipping ${policy}: no ${first.arch} table`);
      return;
    }
    const resolved = resolvePolicy(`${corpus.path}/${policy}`, { host, arch: table.name });
    const program: BpfProgram = compilePolicy(resolved, table, { defaultAction: 'trap' }).program ?? [];
    const mismatches: string[] = [];
    for (const vector of vectors) {
      const arch = vector.audit_arch === undefined ? table.auditArch : Number(vector.audit_arch);
      const got = decide(program, arch, numberOf(table, vector.syscall), vector.args.map((value) => BigInt(value)));
      if (got !== vector.expect) mismatches.push(`${vector.syscall}(${vector.args.join(', ')}) arch ${arch}: expected ${vector.expect}, got ${got}`);
    }
    expect(mismatches).toEqual([]);
  });
});
