/**
 * The production bundle: prints its size, and checks that architecture tables and example
 * policies are lazily loaded chunks, so a first visit downloads none of them and picking an
 * architecture downloads that one only.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { archPackages, type ArchTable } from '@syscage/arch-tables';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ARCHITECTURES, loadArch } from '../src/archs.js';
import { formatBuildReport, initialChunks, type BuiltFile } from './support/build-app.js';

/** Every table of the registry, loaded the way the app loads them. */
const TABLES: readonly ArchTable[] = await Promise.all(
  archPackages.map(async (entry) => {
    const result = await loadArch(entry.name);
    if (!result.ok) throw new Error(result.message);
    return result.table;
  }),
);
const tableNamed = (name: string): ArchTable => {
  const table = TABLES.find((candidate) => candidate.name === name);
  if (table === undefined) throw new Error(`no ${name} table`);
  return table;
};
const archX86_64 = tableNamed('x86_64');
const archAarch64 = tableNamed('aarch64');

/** `name:value` entries of a table as the minifier writes them: `openat:257`, `O_CREAT:64n`. */
function entries(table: ArchTable): string[] {
  return [
    ...Object.entries(table.syscalls).filter(([, number]) => number < 10_000).map(([name, number]) => `${name}:${number}`),
    ...Object.entries(table.constants).filter(([, value]) => value < 10_000n).map(([name, value]) => `${name}:${value}n`),
  ];
}

/**
 * Thirty entries of a table that no other table has (aarch64 and riscv64 share most syscall
 * numbers; their constants tell them apart), as patterns that need an object-literal neighbour.
 */
const signatures = new Map<ArchTable, RegExp[]>();
function signature(table: ArchTable): RegExp[] {
  const known = signatures.get(table);
  if (known !== undefined) return known;
  const elsewhere = new Set(TABLES.filter((other) => other !== table).flatMap(entries));
  const patterns = entries(table)
    .filter((entry) => !elsewhere.has(entry))
    .sort()
    .slice(0, 30)
    .map((entry) => new RegExp(`[{,]${entry}[,}]`));
  signatures.set(table, patterns);
  return patterns;
}

/** True when `content` holds (nearly) all of a table's signature pairs. */
function holdsTable(content: string, table: ArchTable): boolean {
  const patterns = signature(table);
  expect(patterns).toHaveLength(30);
  return patterns.filter((pattern) => pattern.test(content)).length >= patterns.length - 2;
}

describe('production bundle', () => {
  const report = inject('playgroundBuild');
  const contents = new Map<string, string>();
  const scripts = report.files.filter((file) => file.fileName.endsWith('.js'));
  const initial = new Set(initialChunks(report).map((file) => file.fileName));

  beforeAll(async () => {
    for (const file of scripts) contents.set(file.fileName, await readFile(join(report.outDir, file.fileName), 'utf8'));
    console.log(`\nplayground production bundle\n${formatBuildReport(report)}\n`);
  });

  it('bundles every architecture of the picker, and the picker offers every table of the registry', () => {
    expect([...ARCHITECTURES].sort()).toEqual(TABLES.map((table) => table.name).sort());
  });

  it.each(TABLES.map((table) => [table.name, table] as const))('puts the %s table in one lazily loaded chunk of its own', (_name, table) => {
    const holders = scripts.filter((file) => holdsTable(contents.get(file.fileName) ?? '', table));
    expect(holders.map((file) => file.fileName)).toHaveLength(1);
    const [holder] = holders as [BuiltFile];
    expect(holder.kind).toBe('lazy-chunk');
    expect(initial.has(holder.fileName)).toBe(false);
    const others = TABLES.filter((other) => other !== table);
    expect(others.filter((other) => holdsTable(contents.get(holder.fileName) ?? '', other)).map((other) => other.name)).toEqual([]);
    const packageName = archPackages.find((entry) => entry.name === table.name)?.packageName.replace('@syscage/', '');
    expect(holder.modules.some((id) => id.startsWith(`packages/${packageName ?? '?'}/`))).toBe(true);
  });

  it('loads no architecture table and no example policy on a first visit', () => {
    const initialFiles = report.files.filter((file) => initial.has(file.fileName));
    expect(initialFiles.length).toBeGreaterThan(0);
    for (const file of initialFiles) {
      expect(file.modules.filter((id) => /^packages\/arch-(?!tables\/)/.test(id) || id.startsWith('policies/'))).toEqual([]);
      expect(TABLES.filter((table) => holdsTable(contents.get(file.fileName) ?? '', table)).map((table) => table.name)).toEqual([]);
    }
  });

  it('finds a table in the chunk that holds it (the scan is not blind)', () => {
    const chunk = scripts.find((file) => file.modules.some((id) => id.startsWith('packages/arch-x86-64/')));
    expect(chunk).toBeDefined();
    expect(holdsTable(contents.get(chunk?.fileName ?? '') ?? '', archX86_64)).toBe(true);
    expect(holdsTable(contents.get(chunk?.fileName ?? '') ?? '', archAarch64)).toBe(false);
  });
});
