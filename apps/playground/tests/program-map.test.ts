/**
 * Properties of what the page derives from a compiled program, on the simulate fixtures and on
 * device policies of the repository's tree, for every architecture they compile for:
 * - every instruction an emulated run executes lists that run's syscall among those reaching it;
 * - a `jeq` of a listed syscall's number links to that syscall's rules;
 * - the drawn dispatch tree's leaves split the 2^32 numbers exactly, and the run of any table
 *   syscall ends at a leaf that names it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BpfProgram, disassemble, emulate, type LoweredPolicy } from '@syscage/bpf-codegen';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeWorkspace, filesReachedFrom } from '../src/analysis.js';
import type { CompiledView } from '../src/compiled.js';
import { displayPath, displayTree, type DisplayNode } from '../src/dispatch-view.js';
import type { PolicyWorkspace } from '../src/workspace.js';
import { APP_ROOT } from './support/build-app.js';
import { fixtureCases, fixtureFiles, fixtureRoot, TABLES } from './support/fixtures.js';

const DEVICE_POLICIES = ['net_device', 'block_device', 'gpu_device'];

function treePolicies(arch: string): PolicyWorkspace[] {
  const folder = join(APP_ROOT, '..', '..', 'policies', arch);
  let names: string[];
  try {
    names = DEVICE_POLICIES.filter((name) => readFileSync(join(folder, `${name}.policy`)).length > 0);
  } catch {
    return [];
  }
  const tree = ['common_device.policy', 'common_device.frequency', 'net.policy', 'block.policy', 'gpu.policy', ...names.map((name) => `${name}.policy`)].flatMap((name) => {
    try {
      return [{ path: `/policies/${arch}/${name}`, text: readFileSync(join(folder, name), 'utf8') }];
    } catch {
      return [];
    }
  });
  return names.map((name) => {
    const entry = `/policies/${arch}/${name}.policy`;
    return { arch, entry, files: filesReachedFrom(entry, tree, arch) };
  });
}

const workspaces: [string, PolicyWorkspace][] = [
  ...fixtureCases('simulate').flatMap((name) =>
    [...TABLES.keys()].map((arch): [string, PolicyWorkspace] => [`fixture ${name} on ${arch}`, { arch, entry: '/main.policy', files: fixtureFiles(join(fixtureRoot('simulate'), name)) }]),
  ),
  ...[...TABLES.keys()].flatMap((arch) => treePolicies(arch).map((workspace): [string, PolicyWorkspace] => [`${workspace.entry} on ${arch}`, workspace])),
];

const compiledCases = workspaces.flatMap(([name, workspace]) => {
  const analysis = analyzeWorkspace(workspace, TABLES.get(workspace.arch));
  return analysis.compiled === undefined ? [] : [[name, analysis.compiled] as [string, CompiledView]];
});

function leaves(node: DisplayNode): Extract<DisplayNode, { kind: 'leaf' }>[] {
  return node.kind === 'leaf' ? [node] : [...leaves(node.yes), ...leaves(node.no)];
}

function findNode(node: DisplayNode, id: number): DisplayNode | undefined {
  if (node.id === id) return node;
  return node.kind === 'leaf' ? undefined : (findNode(node.yes, id) ?? findNode(node.no, id));
}

describe('instruction origins and dispatch tree', () => {
  it('compiles enough programs to say something', () => {
    expect(compiledCases.length).toBeGreaterThan(20);
    expect(compiledCases.some(([name]) => name.startsWith('/policies/'))).toBe(true);
  });

  it.each(compiledCases)('%s: every executed instruction lists its syscall', (_name, compiled) => {
    const { lowered, table, program, origins } = compiled;
    const interesting = lowered.syscalls.flatMap((syscall) => syscall.filters.flatMap((filter) => filter.clauses.flat().map((comparison) => comparison.value)));
    const argument = fc.oneof(fc.bigInt({ min: 0n, max: (1n << BigInt(table.bits)) - 1n }), fc.constantFrom(0n, 1n, ...interesting));
    fc.assert(
      fc.property(fc.constantFrom(...lowered.syscalls), fc.array(argument, { minLength: 6, maxLength: 6 }), (syscall, args) => {
        const run = emulate(program, { nr: syscall.number, arch: table.auditArch, instructionPointer: 0n, args }, { byteOrder: table.endianness });
        for (const pc of run.path) expect(origins[pc]?.syscalls).toContain(syscall.name);
      }),
      { numRuns: 60 },
    );
  });

  it.each(compiledCases)('%s: number tests link to their syscall', (_name, compiled) => {
    for (const syscall of compiled.lowered.syscalls) {
      const origins = [...syscall.filters.map((filter) => filter.origin), ...(syscall.fallback.origin === undefined ? [] : [syscall.fallback.origin])];
      compiled.instructions.forEach((line, pc) => {
        if (line.mnemonic !== 'jeq' || line.comment !== syscall.name || line.insn.k !== syscall.number) return;
        const links = compiled.origins[pc]?.links ?? [];
        for (const origin of origins) expect(links.some((link) => link.file === origin.file && link.range.start.offset === origin.range.start.offset)).toBe(true);
      });
    }
  });

  it.each(compiledCases)('%s: the drawn tree splits the numbers and leads each syscall to its leaf', (_name, compiled) => {
    const { tree, table, program, instructions, lowered } = compiled;
    if (tree === undefined) throw new Error('no tree');
    expect(leaves(tree).reduce((sum, leaf) => sum + leaf.numberCount, 0)).toBe(2 ** 32);
    for (const nr of lowered.arch.numbers) {
      const run = emulate(program, { nr, arch: table.auditArch, instructionPointer: 0n, args: [] }, { byteOrder: table.endianness });
      const ids = displayPath(tree, run.path, instructions);
      const last = findNode(tree, ids[ids.length - 1] ?? -1);
      expect(last?.kind).toBe('leaf');
      if (last?.kind === 'leaf') expect(last.names).toContain(lowered.arch.names.get(nr));
    }
  });
});

describe('the drawn dispatch tree of a hand-made program', () => {
  // ld [nr]; jeq #5 → allow; jeq #5 again (a shared block may test a number twice) → errno; kill.
  const program: BpfProgram = [
    { code: 0x20, jt: 0, jf: 0, k: 0 },
    { code: 0x15, jt: 0, jf: 1, k: 5 },
    { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 },
    { code: 0x15, jt: 0, jf: 1, k: 5 },
    { code: 0x06, jt: 0, jf: 0, k: 0x00050001 },
    { code: 0x06, jt: 0, jf: 0, k: 0x80000000 },
  ];
  const noSyscalls = { arch: { numbers: [], names: new Map<number, string>() } } as unknown as LoweredPolicy;

  it('counts no number for a test of a number the path already ruled out', () => {
    const tree = displayTree(disassemble(program), [], noSyscalls);
    if (tree === undefined) throw new Error('no tree');
    expect(leaves(tree).map((leaf) => [leaf.outcome, leaf.numberCount])).toEqual([
      ['ALLOW', 1],
      ['ERRNO(1)', 0],
      ['KILL_PROCESS', 2 ** 32 - 1],
    ]);
  });
});
