// Round trips through OCI profiles on every policy of both shared crosvm corpora, x86_64 and
// aarch64 (policies/ is left out for now: several of its policies need more entries than the
// export writes, and its run takes minutes on a shared machine): policy → profile → policy keeps every decision (Syscage's compiles of both
// policies agree), profile → policy → profile keeps every decision (runc's readings of both
// profiles agree), and the imported policy compiled by Syscage agrees with libseccomp's compile
// of the profile (python3-seccomp, one process per folder).
import { readdirSync } from 'node:fs';
import type { ArchTable } from '@syscage/arch-tables';
import { defaultIncludeMap, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { expect, it } from 'vitest';
import { sharedData } from '../../../tools/shared-data/index.js';
import { describeWithShared } from '../../../tools/shared-data/vitest.js';
import { compilePolicy } from '../src/compile.js';
import { compileManyWithLibseccomp, libseccompAvailable } from '../src/libseccomp-node.js';
import { evaluateLibseccompRequest, type LibseccompRequest } from '../src/libseccomp-rules.js';
import { importOciProfile } from '../src/oci-import.js';
import { exportOciProfile, libseccompRequestFromOciProfile, ociProfileJson } from '../src/oci.js';
import { actionReturnValue } from '../src/options.js';
import type { BpfProgram } from '../src/types.js';
import { compileText, tables } from './compile/helpers.js';
import { run, samples } from './libseccomp-samples.js';

const libseccomp = libseccompAvailable();
if (!libseccomp) console.warn('SKIPPED (libseccomp part only): OCI round-trip tests compare with libseccomp through /usr/bin/python3 and python3-seccomp');

interface Trip {
  readonly label: string;
  readonly original: BpfProgram;
  readonly imported: BpfProgram;
  /** runc's readings of the exported profile and of the profile exported from the imported policy. */
  readonly first: LibseccompRequest;
  readonly second: LibseccompRequest;
  readonly listed: ReadonlySet<number>;
  readonly values: readonly bigint[];
}

/** One policy through export, import and export again; a policy the export refuses gives its codes. */
function roundTrip(path: string, label: string, table: ArchTable): Trip | { readonly label: string; readonly refused: readonly string[] } {
  const host = createNodeHost();
  const resolved = resolvePolicy(path, { host, arch: table.name, includeMap: defaultIncludeMap(path) });
  const original = compilePolicy(resolved, table, { defaultAction: 'trap' });
  if (!original.program || !original.lowered) throw new Error(`${label}: ${original.diagnostics.map((d) => d.message).join('\n')}`);
  const exported = exportOciProfile([original.lowered]);
  if (!exported.profile) return { label, refused: exported.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code) };
  const imported = importOciProfile(ociProfileJson(exported.profile), `${label}.json`, { table });
  if (imported.policy === undefined || imported.defaultActionOption === undefined) throw new Error(`${label}: ${imported.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n')}`);
  const again = compileText(imported.policy, table, { defaultAction: imported.defaultActionOption }).result;
  if (!again.program || !again.lowered) throw new Error(`${label}: ${again.diagnostics.map((d) => d.message).join('\n')}\n${imported.policy}`);
  const reexported = exportOciProfile([again.lowered]);
  if (!reexported.profile) throw new Error(`${label} (second export): ${reexported.diagnostics.map((d) => d.message).join('\n')}`);
  const knows = (name: string): boolean => Object.hasOwn(table.syscalls, name);
  return {
    label,
    original: original.program,
    imported: again.program,
    first: { ...libseccompRequestFromOciProfile(exported.profile, table.name, knows), badArchAction: original.lowered.archMismatchAction },
    second: libseccompRequestFromOciProfile(reexported.profile, table.name, knows),
    listed: new Set(original.lowered.syscalls.map((syscall) => syscall.number)),
    values: exported.profile.syscalls.flatMap((entry) => (entry.args ?? []).flatMap((a) => [a.value, a.valueTwo ?? 0n])),
  };
}

/**
 * Compares on every syscall of the table: the sampled vectors for the ones the policy lists, one
 * call for the others (their decision is the default action whatever the arguments). Returns the
 * number of vectors.
 */
function compareTrip(trip: Trip, table: ArchTable, theirs: BpfProgram | undefined): number {
  let vectors = 0;
  for (const [name, nr] of Object.entries(table.syscalls)) {
    // libseccomp's program compares the profile's values, which `values` adds with their neighbours.
    const sampled = trip.listed.has(nr) ? samples([trip.original, trip.imported], table, nr, trip.values.slice(0, 6)) : [[0n, 0n, 0n, 0n, 0n, 0n]];
    for (const args of sampled) {
      vectors++;
      const want = run(trip.original, table, nr, args);
      const call = `${name}(${args.join(', ')}) in ${trip.label}`;
      const imported = run(trip.imported, table, nr, args);
      if (imported !== want) expect(imported, `policy → OCI → policy: ${call}`).toBe(want);
      const first = actionReturnValue(evaluateLibseccompRequest(trip.first, name, args, table.bits));
      const second = actionReturnValue(evaluateLibseccompRequest(trip.second, name, args, table.bits));
      if (second !== first) expect(second, `OCI → policy → OCI: ${call}`).toBe(first);
      if (theirs !== undefined) {
        const compiled = run(theirs, table, nr, args);
        if (imported !== compiled) expect(imported, `imported policy vs libseccomp: ${call}`).toBe(compiled);
      }
    }
  }
  return vectors;
}

function roundTripFolder(folder: string, label: string): void {
  for (const arch of ['x86_64', 'aarch64'] as const) {
    const table = tables[arch];
    it(`${label}/${arch}`, () => {
      if (table === undefined) throw new Error(`no ${arch} table`);
      const files = readdirSync(`${folder}/${arch}`).filter((file) => file.endsWith('.policy')).sort();
      const results = files.map((file) => roundTrip(`${folder}/${arch}/${file}`, `${label}/${arch}/${file}`, table));
      // A policy the export refuses (a syscall needing more entries than it writes) cannot make the
      // trip; it must be refused with SC4036 and nothing else, and the log names it.
      const refused = results.filter((result) => 'refused' in result);
      for (const result of refused) expect(result.refused, result.label).toEqual(['SC4036']);
      const trips = results.filter((result): result is Trip => !('refused' in result));
      const compiled = libseccomp ? compileManyWithLibseccomp(trips.map((trip) => trip.first)) : [];
      let vectors = 0;
      trips.forEach((trip, index) => {
        const theirs = compiled[index];
        if (theirs !== undefined && !theirs.ok) throw new Error(`${trip.label}: libseccomp: ${theirs.message}`);
        vectors += compareTrip(trip, table, theirs?.program);
      });
      console.log(
        `OCI round trips ${label}/${arch}: ${String(trips.length)} policies, ${String(vectors)} vectors, 0 differences${libseccomp ? ' (libseccomp too)' : ''}; ` +
          `${String(refused.length)} refused by the export (SC4036): ${refused.map((result) => result.label.split('/').pop() ?? '').join(', ') || 'none'}`,
      );
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
