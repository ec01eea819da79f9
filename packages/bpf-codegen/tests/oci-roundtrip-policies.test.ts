// Round trips through OCI profiles on every loaded policy of the repository's policies/, x86_64
// and aarch64: policy → profile → policy and profile → policy → profile keep every decision, and
// libseccomp's compile of each exported profile (python3-seccomp, one process per architecture)
// agrees with the imported policy. No policy may be refused. Fewer vectors than the corpus tests
// (which explore the programs' paths) so that it runs in every CI run: every syscall of the
// table; for each listed one, a call inside each entry of both profiles and that call with one
// compared argument moved to the edges of its comparison, each compared value ± 1 alone in each
// argument the entries test, and a few random values.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ArchTable } from '@syscage/arch-tables';
import { classifyPolicyFileName } from '@syscage/include-resolver';
import { describe, expect, it } from 'vitest';
import { libseccompAvailable } from '../src/libseccomp-node.js';
import type { LibseccompCondition } from '../src/libseccomp-rules.js';
import { tables } from './compile/helpers.js';
import { runOnce } from './libseccomp-samples.js';
import { type Sampler, roundTripMany } from './oci-roundtrip-support.js';

const libseccomp = libseccompAvailable();
if (!libseccomp) console.warn('SKIPPED (libseccomp part only): OCI round trips of policies/ compare with libseccomp through /usr/bin/python3 and python3-seccomp');

const policies = fileURLToPath(new URL('../../../policies', import.meta.url));

/** Fixed-seed u64 values (xorshift64), the same in every run. */
function randomValues(seed: number, count: number): bigint[] {
  let state = BigInt(seed) | 1n;
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    state ^= (state << 13n) & 0xffffffffffffffffn;
    state ^= state >> 7n;
    state ^= (state << 17n) & 0xffffffffffffffffn;
    out.push(state);
  }
  return out;
}

/** A value the condition admits. */
function inside(c: LibseccompCondition): bigint {
  switch (c.op) {
    case 'ne':
    case 'gt':
      return c.value + 1n;
    case 'lt':
      return c.value - 1n;
    default:
      return c.value;
  }
}

/** Values at the edges of a condition: ± 1 around its constant, its free bits all set, its lowest fixed bit flipped. */
function edges(c: LibseccompCondition, table: ArchTable): bigint[] {
  const max = (1n << BigInt(table.bits)) - 1n;
  const out = [c.value - 1n, c.value, c.value + 1n];
  if (c.mask !== undefined) out.push(c.value | (max & ~c.mask), c.value ^ (c.mask & -c.mask));
  return out.map((v) => BigInt.asUintN(table.bits, v));
}

const sampler: Sampler = (trip, table, name, nr) => {
  const vectors = new Map<string, bigint[]>();
  const add = (args: bigint[]): void => {
    vectors.set(args.join(','), args);
  };
  const rules = [...trip.first.rules, ...trip.second.rules].filter((rule) => rule.syscall === name);
  const tested = new Set(rules.flatMap((rule) => rule.conditions.map((c) => c.arg)));
  const random = randomValues(nr + 1, 4);
  for (const rule of rules) {
    const witness = Array.from({ length: 6 }, (_, arg) => BigInt.asUintN(table.bits, inside(rule.conditions.find((c) => c.arg === arg) ?? { arg, op: 'eq', value: 0n })));
    add(witness);
    for (const c of rule.conditions) {
      for (const v of edges(c, table)) {
        add(witness.map((w, arg) => (arg === c.arg ? v : w)));
        add(Array.from({ length: 6 }, (_, arg) => (arg === c.arg ? v : 0n)));
      }
    }
  }
  for (const v of random) {
    for (const arg of tested) add(Array.from({ length: 6 }, (_, i) => (i === arg ? BigInt.asUintN(table.bits, v) : 0n)));
    add(Array.from({ length: 6 }, () => BigInt.asUintN(table.bits, v)));
  }
  add([0n, 0n, 0n, 0n, 0n, 0n]);
  return [...vectors.values()];
};

describe('OCI round trips on policies/', () => {
  for (const arch of ['x86_64', 'aarch64'] as const) {
    it(arch, () => {
      const table = tables[arch];
      if (table === undefined) throw new Error(`no ${arch} table`);
      const files = readdirSync(`${policies}/${arch}`)
        .filter((file) => ['loaded', 'process'].includes(classifyPolicyFileName(file).kind))
        .sort();
      const { trips, refused, vectors } = roundTripMany(
        files.map((file) => ({ path: `${policies}/${arch}/${file}`, label: `policies/${arch}/${file}` })),
        table,
        libseccomp,
        sampler,
        // Random values in every argument rarely repeat a run: emulating each call costs less
        // than keeping the runs (25.6 against 35.8 s CPU for this file).
        runOnce,
      );
      expect(refused.map((result) => `${result.label}: ${result.refused.join(', ')}`)).toEqual([]);
      const biggest = Math.max(...trips.map((trip) => trip.entries[0]));
      console.log(`OCI round trips policies/${arch}: ${String(trips.length)} policies, ${String(vectors)} vectors, 0 differences${libseccomp ? ' (libseccomp too)' : ''}; largest profile ${String(biggest)} entries`);
      expect(trips.length).toBe(files.length);
      expect(files.length).toBeGreaterThan(50);
    }, 1_200_000);
  }
});
