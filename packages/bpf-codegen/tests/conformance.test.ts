// Minijail's own decisions for the crosvm corpus (../shared/conformance): emulating our program
// must give the same answer for every vector.
import { expect, it } from 'vitest';
import { resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { compilePolicy } from '../src/compile.js';
import type { BpfProgram } from '../src/types.js';
import { sharedData } from '../../../tools/shared-data/index.js';
import { describeWithShared } from '../../../tools/shared-data/vitest.js';
import { conformanceVectorsByPolicy } from '../../../tools/shared-data/conformance.js';
import { decide, numberOf, tables } from './compile/helpers.js';

const vectors = sharedData('conformance/crosvm-2022-06.jsonl');
const corpus = sharedData('corpus/crosvm-2022-06');

describeWithShared('conformance with Minijail on crosvm-2022-06', [vectors, corpus], () => {
  const byPolicy = conformanceVectorsByPolicy(vectors.path);
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
