/**
 * The audit's complete verdicts over every program it is run on in practice, as one JSON line a
 * program, to show that a change to the audit (a faster search, a cache) changes no verdict:
 * dump before, dump after, compare (issue 18 item 4).
 *
 * Programs: every loaded policy of the repository's policies/ tree compiled as `syscage build`
 * compiles it, and every policy of both shared crosvm corpora (all architecture folders) compiled
 * as crosvm's build compiles it (default action trap). Each is audited as it is, and in variants
 * that reach the parts of the audit our compiler's programs never reach: the architecture check
 * made to pass for every value (`no-arch`: the search for foreign architecture values), and a
 * small path limit (`max-paths-8`: the sampled fall-back), and every `trap` return made `allow`
 * (`trap-allows`: for the corpora, whose default is trap, a permissive default that lets x32
 * numbers and numbers that are no syscall through). A line holds every finding with its
 * message, example input and rule origin, and the number of numbers analysed.
 *
 *   node --conditions=@syscage/source --import tsx packages/cli/bench/audit-verdicts.ts > before.jsonl
 *   node --conditions=@syscage/source --import tsx packages/cli/bench/audit-verdicts.ts --check before.jsonl
 *
 * With `--check FILE` it prints the programs whose verdicts differ from FILE and exits 1 when
 * any does; it always prints the audit's CPU time (summed over the programs) on stderr.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ArchTable, loadArchTable } from '@syscage/arch-tables';
import { type AuditOptions, type BpfProgram, type CompileOptions, auditProgram, compilePolicy, seccompActionName } from '@syscage/bpf-codegen';
import { classifyPolicyFileName, createParseCache, defaultIncludeMap, isDevicePolicyName, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { sharedData } from '../../../tools/shared-data/index.js';
import { compileDefaults } from '../src/options.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const checkIndex = process.argv.indexOf('--check');
const checkFile = checkIndex < 0 ? undefined : process.argv[checkIndex + 1];

interface Source {
  /** Label of the tree in the output (`policies`, `crosvm-2022-06`, …). */
  readonly label: string;
  readonly root: string;
  /** Which files of an architecture folder are compiled. */
  readonly take: (file: string) => boolean;
  readonly compile: CompileOptions;
  /** The include map and roots of the resolve, for a policy of this tree. */
  readonly resolveExtra: (entry: string) => { includeMap?: ReturnType<typeof defaultIncludeMap>; includeRoots?: string[] };
}

const sources: Source[] = [
  {
    label: 'policies',
    root: join(repoRoot, 'policies'),
    take: (file) => {
      const role = classifyPolicyFileName(file);
      return role.kind === 'loaded' || role.kind === 'process';
    },
    compile: compileDefaults({}),
    resolveExtra: (entry) => ({ includeMap: defaultIncludeMap(entry), includeRoots: [join(repoRoot, 'policies')] }),
  },
];
for (const corpus of ['crosvm-2022-06', 'crosvm-2026-08']) {
  const data = sharedData(`corpus/${corpus}`);
  if (!data.present) {
    console.error(`audit-verdicts: skipping ${corpus}: ${data.skipReason}`);
    continue;
  }
  sources.push({ label: corpus, root: data.path, take: (file) => file.endsWith('.policy'), compile: { defaultAction: 'trap' }, resolveExtra: () => ({}) });
}

/** The program with every check of `seccomp_data.arch` against `auditArch` passing for any value. */
function withoutArchCheck(program: BpfProgram, auditArch: number): BpfProgram {
  let archInA = false;
  return program.map((insn) => {
    const loadsArch = insn.code === 0x20 && insn.k === 4;
    const isJeqArch = archInA && insn.code === 0x15 && insn.k >>> 0 === auditArch >>> 0;
    if ((insn.code & 0x07) === 0x00 || (insn.code & 0x07) === 0x04) archInA = loadsArch;
    return isJeqArch ? { ...insn, jf: insn.jt } : insn;
  });
}

/** The program with every `ret` of a trap action (any data) made `ret ALLOW`. */
function trapAllows(program: BpfProgram): BpfProgram {
  return program.map((insn) => (insn.code === 0x06 && seccompActionName(insn.k) === 'trap' ? { ...insn, k: 0x7fff0000 } : insn));
}

const replacer = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? `0x${value.toString(16)}` : value);

let auditMs = 0;
let programs = 0;
const lines: string[] = [];
const host = createNodeHost();
const cache = createParseCache();
for (const source of sources) {
  for (const folder of readdirSync(source.root, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort()) {
    const loaded = await loadArchTable(folder, (specifier) => import(specifier));
    if (!loaded.ok) throw new Error(loaded.message);
    const table: ArchTable = loaded.table;
    for (const file of readdirSync(join(source.root, folder)).filter(source.take).sort()) {
      const entry = join(source.root, folder, file);
      const resolved = resolvePolicy(entry, { host, cache, arch: table.name, ...source.resolveExtra(entry) });
      const result = compilePolicy(resolved, table, source.compile);
      if (result.program === undefined || result.lowered === undefined) {
        lines.push(JSON.stringify({ program: `${source.label}/${folder}/${file}`, compiled: false }));
        continue;
      }
      const base: AuditOptions = { arch: table, device: isDevicePolicyName(entry), policy: result.lowered };
      const variants: [string, BpfProgram, AuditOptions][] = [
        ['as-built', result.program, base],
        ['no-arch', withoutArchCheck(result.program, table.auditArch), base],
        ['max-paths-8', result.program, { ...base, maxPaths: 8 }],
        ['trap-allows', trapAllows(result.program), base],
      ];
      for (const [variant, program, options] of variants) {
        const before = process.cpuUsage();
        const report = auditProgram(program, options);
        const used = process.cpuUsage(before);
        auditMs += (used.user + used.system) / 1000;
        programs++;
        // Origins name files by absolute path; the dump keeps them relative to their tree.
        const text = JSON.stringify({ program: `${source.label}/${folder}/${file}`, variant, report }, replacer).replaceAll(`${source.root}/`, '');
        lines.push(text);
      }
    }
  }
}
console.error(`audit-verdicts: ${programs} audits, ${auditMs.toFixed(0)} ms CPU in auditProgram`);
if (checkFile === undefined) {
  process.stdout.write(`${lines.join('\n')}\n`);
} else {
  const expected = readFileSync(checkFile, 'utf8').trimEnd().split('\n');
  const byProgram = (list: readonly string[]): Map<string, string> => new Map(list.map((line) => {
    const { program, variant } = JSON.parse(line) as { program: string; variant?: string };
    return [`${program} ${variant ?? ''}`, line];
  }));
  const want = byProgram(expected);
  const got = byProgram(lines);
  const differing = [...new Set([...want.keys(), ...got.keys()])].filter((key) => want.get(key) !== got.get(key));
  for (const key of differing.slice(0, 20)) console.log(`differs: ${key}\n  want ${want.get(key)?.slice(0, 600) ?? '(none)'}\n  got  ${got.get(key)?.slice(0, 600) ?? '(none)'}`);
  console.log(`${differing.length === 0 ? 'SAME' : 'DIFFERENT'}: ${got.size} audits checked against ${checkFile}, ${differing.length} differ`);
  process.exitCode = differing.length === 0 ? 0 : 1;
}
