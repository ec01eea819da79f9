// Round trips through OCI profiles on every policy of both shared crosvm corpora, x86_64 and
// aarch64 (the repository's policies/ are in oci-roundtrip-policies.test.ts): policy → profile →
// policy keeps every decision (Syscage's compiles of both policies agree), profile → policy →
// profile keeps every decision (runc's readings of both profiles agree), and the imported policy
// compiled by Syscage agrees with libseccomp's compile of the profile (python3-seccomp, one
// process per folder).
import { readdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { sharedData } from '../../../tools/shared-data/index.js';
import { describeWithShared } from '../../../tools/shared-data/vitest.js';
import { libseccompAvailable } from '../src/libseccomp-node.js';
import { tables } from './compile/helpers.js';
import { pathSampler, roundTripMany } from './oci-roundtrip-support.js';

const libseccomp = libseccompAvailable();
if (!libseccomp) console.warn('SKIPPED (libseccomp part only): OCI round-trip tests compare with libseccomp through /usr/bin/python3 and python3-seccomp');

function roundTripFolder(folder: string, label: string): void {
  for (const arch of ['x86_64', 'aarch64'] as const) {
    const table = tables[arch];
    it(`${label}/${arch}`, () => {
      if (table === undefined) throw new Error(`no ${arch} table`);
      const files = readdirSync(`${folder}/${arch}`).filter((file) => file.endsWith('.policy')).sort();
      const { trips, refused, vectors } = roundTripMany(
        files.map((file) => ({ path: `${folder}/${arch}/${file}`, label: `${label}/${arch}/${file}` })),
        table,
        libseccomp,
        pathSampler,
      );
      // Every policy of the corpora makes the trip: a refusal (SC4036) would name it here.
      expect(refused.map((result) => `${result.label}: ${result.refused.join(', ')}`)).toEqual([]);
      console.log(`OCI round trips ${label}/${arch}: ${String(trips.length)} policies, ${String(vectors)} vectors, 0 differences${libseccomp ? ' (libseccomp too)' : ''}`);
      expect(trips.length).toBeGreaterThan(0);
    }, 600_000);
  }
}

for (const name of ['crosvm-2022-06', 'crosvm-2026-08']) {
  const corpus = sharedData(`corpus/${name}`);
  describeWithShared(`OCI round trips on the ${name} corpus`, [corpus], () => {
    roundTripFolder(corpus.path, name);
  });
}
