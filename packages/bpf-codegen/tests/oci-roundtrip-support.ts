// Shared by the OCI round-trip tests (both crosvm corpora, the repository's policies/): one policy
// through export, import and export again, and the decisions of every program and profile reading
// compared on sampled vectors.
import type { ArchTable } from '@syscage/arch-tables';
import { defaultIncludeMap, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { expect } from 'vitest';
import { compilePolicy } from '../src/compile.js';
import { compileManyWithLibseccomp } from '../src/libseccomp-node.js';
import { evaluateLibseccompRequest, type LibseccompRequest, type LibseccompRule } from '../src/libseccomp-rules.js';
import { importOciProfile } from '../src/oci-import.js';
import { exportOciProfile, libseccompRequestFromOciProfile, ociProfileJson } from '../src/oci.js';
import { actionReturnValue } from '../src/options.js';
import type { BpfProgram } from '../src/types.js';
import { compileText } from './compile/helpers.js';
import { run as runKept, samples } from './libseccomp-samples.js';

/** One policy's trip: its program, the imported policy's, and runc's readings of both exported profiles. */
export interface Trip {
  readonly label: string;
  readonly original: BpfProgram;
  readonly imported: BpfProgram;
  /** runc's readings of the exported profile and of the profile exported from the imported policy. */
  readonly first: LibseccompRequest;
  readonly second: LibseccompRequest;
  /** Syscall numbers the policy lists. */
  readonly listed: ReadonlySet<number>;
  /** Every value and valueTwo of the exported profile. */
  readonly values: readonly bigint[];
  /** The values and valueTwos of each syscall's entries, by name. */
  readonly valuesByName: ReadonlyMap<string, readonly bigint[]>;
  /** Entries of the first and of the second exported profile. */
  readonly entries: readonly [number, number];
}

/** A policy the export refused: the codes of its errors. */
export interface Refusal {
  readonly label: string;
  readonly refused: readonly string[];
}

/** One policy through export, import and export again; a policy the export refuses gives its codes. */
export function roundTrip(path: string, label: string, table: ArchTable): Trip | Refusal {
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
  const valuesByName = new Map<string, bigint[]>();
  for (const entry of exported.profile.syscalls) {
    const values = (entry.args ?? []).flatMap((a) => [a.value, a.valueTwo ?? 0n]);
    for (const name of entry.names) valuesByName.set(name, [...(valuesByName.get(name) ?? []), ...values]);
  }
  return {
    label,
    original: original.program,
    imported: again.program,
    first: { ...libseccompRequestFromOciProfile(exported.profile, table.name, knows), badArchAction: original.lowered.archMismatchAction },
    second: libseccompRequestFromOciProfile(reexported.profile, table.name, knows),
    listed: new Set(original.lowered.syscalls.map((syscall) => syscall.number)),
    values: exported.profile.syscalls.flatMap((entry) => (entry.args ?? []).flatMap((a) => [a.value, a.valueTwo ?? 0n])),
    valuesByName,
    entries: [exported.profile.syscalls.length, reexported.profile.syscalls.length],
  };
}

/** One program's decision on one call (`run` of libseccomp-samples, or `runOnce` where runs rarely repeat). */
export type Decide = (program: BpfProgram, table: ArchTable, nr: number, args: readonly bigint[]) => number | string;

/** The argument vectors to compare one listed syscall on. */
export type Sampler = (trip: Trip, table: ArchTable, name: string, nr: number) => readonly (readonly bigint[])[];

/**
 * Compares on every syscall of the table: the sampled vectors for the ones the policy lists, one
 * call for the others (their decision is the default action whatever the arguments): the
 * imported policy's program against the original's, runc's reading of the second profile against
 * the first's, and (when given) libseccomp's program of the first profile against the imported
 * policy's. Returns the number of vectors.
 */
export function compareTrip(trip: Trip, table: ArchTable, theirs: BpfProgram | undefined, sampler: Sampler, run: Decide = runKept): number {
  let vectors = 0;
  // Each syscall's rules alone, so that evaluating a call does not scan the whole profile.
  const only = (request: LibseccompRequest): ((name: string) => LibseccompRequest) => {
    const bySyscall = new Map<string, LibseccompRule[]>();
    for (const rule of request.rules) {
      const list = bySyscall.get(rule.syscall);
      if (list === undefined) bySyscall.set(rule.syscall, [rule]);
      else list.push(rule);
    }
    return (name) => ({ ...request, rules: bySyscall.get(name) ?? [] });
  };
  const firstOf = only(trip.first);
  const secondOf = only(trip.second);
  for (const [name, nr] of Object.entries(table.syscalls)) {
    const sampled = trip.listed.has(nr) ? sampler(trip, table, name, nr) : [[0n, 0n, 0n, 0n, 0n, 0n]];
    const first = firstOf(name);
    const second = secondOf(name);
    for (const args of sampled) {
      vectors++;
      const want = run(trip.original, table, nr, args);
      // Written only for a difference (joining the arguments cost more than the comparisons).
      const call = (): string => `${name}(${args.join(', ')}) in ${trip.label}`;
      const imported = run(trip.imported, table, nr, args);
      if (imported !== want) expect(imported, `policy → OCI → policy: ${call()}`).toBe(want);
      const once = actionReturnValue(evaluateLibseccompRequest(first, name, args, table.bits));
      const twice = actionReturnValue(evaluateLibseccompRequest(second, name, args, table.bits));
      if (twice !== once) expect(twice, `OCI → policy → OCI: ${call()}`).toBe(once);
      if (theirs !== undefined) {
        const compiled = run(theirs, table, nr, args);
        if (imported !== compiled) expect(imported, `imported policy vs libseccomp: ${call()}`).toBe(compiled);
      }
    }
  }
  return vectors;
}

/** The corpus tests' sampler: the programs' path constants (up to 256 vectors) and the profile's first values ± 1. */
export const pathSampler: Sampler = (trip, table, _name, nr) => samples([trip.original, trip.imported], table, nr, trip.values.slice(0, 6));

/** What {@link roundTripMany} found. */
export interface RoundTripSummary {
  readonly trips: readonly Trip[];
  readonly refused: readonly Refusal[];
  readonly vectors: number;
}

/**
 * Round trips of many policies, their first profiles compiled by libseccomp in one batch (when
 * `libseccomp`), every trip compared with `sampler`.
 */
export function roundTripMany(paths: readonly { readonly path: string; readonly label: string }[], table: ArchTable, libseccomp: boolean, sampler: Sampler, run: Decide = runKept): RoundTripSummary {
  const results = paths.map(({ path, label }) => roundTrip(path, label, table));
  const refused = results.filter((result): result is Refusal => 'refused' in result);
  const trips = results.filter((result): result is Trip => !('refused' in result));
  const compiled = libseccomp ? compileManyWithLibseccomp(trips.map((trip) => trip.first)) : [];
  let vectors = 0;
  trips.forEach((trip, index) => {
    const theirs = compiled[index];
    if (theirs !== undefined && !theirs.ok) throw new Error(`${trip.label}: libseccomp: ${theirs.message}`);
    vectors += compareTrip(trip, table, theirs?.program, sampler, run);
  });
  return { trips, refused, vectors };
}
