/**
 * The one input layer of the `syscage` commands: from the paths on a command line to resolved
 * policies, each with its architecture's table. Every command that reads policies goes through
 * {@link loadPolicies}, so they agree on what a loaded policy is, which architecture a file is
 * for, and which include mappings apply.
 */
import { statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { type ArchTable, type LoadArchTableResult, loadArchTable, resolveArchName } from '@syscage/arch-tables';
import { lowerPolicy } from '@syscage/bpf-codegen';
import {
  type Dialect,
  type IncludeMapping,
  type LintLevel,
  type ParseCache,
  type PolicyHost,
  type ResolvedPolicy,
  createParseCache,
  defaultIncludeMap,
  lintPolicyTree,
  resolvePolicy,
} from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { type Diagnostic, parseFrequencyFile } from '@syscage/policy-parser';
import { buildDiagnostic } from './build/codes.js';
import { CliError } from './context.js';
import { ExitCode } from './exit-codes.js';
import { isLoadedPolicyFile } from './loaded-policy.js';
import { parseIncludeMap, resolveArchOption } from './options.js';
import { snapshotHost } from './snapshot-host.js';

/** What {@link loadPolicies} reads and how. */
export interface LoadPoliciesOptions {
  /** Policy files, `.frequency` files or policy-tree folders, relative to `cwd` or absolute. */
  readonly paths: readonly string[];
  /** The working directory relative paths are resolved against. */
  readonly cwd: string;
  /** `--arch`: for a file, its architecture; for a tree, the one folder to read. */
  readonly arch?: string;
  /**
   * `--arch-json`: one table (read from Minijail's `constants.json`) for every policy instead of
   * the registry's; its architecture is every file's, as `arch` would make it.
   */
  readonly archTable?: ArchTable;
  /** Parsed `--include-map` entries; each policy's default crosvm mapping comes after them. */
  readonly includeMap: readonly IncludeMapping[];
  /**
   * `--allow-outside-includes`: read includes outside the policy's folder (the tree for a tree)
   * and the include-map targets instead of reporting SC2045. @defaultValue false
   */
  readonly allowIncludesOutside?: boolean;
  /** The parser the policies target. @defaultValue `minijail-py` */
  readonly dialect?: Dialect;
  /** Compile-mode denylist (`--denylist`/`--no-denylist`); unset: whatever each policy says. */
  readonly denylist?: boolean;
  /** How naming-convention findings of a tree count. @defaultValue `error` */
  readonly lint?: LintLevel;
  /**
   * Whether folders (policy trees) are accepted. A command that works on single policies
   * (compile, explain, run, …) says false: a folder is then a usage error.
   * @defaultValue true
   */
  readonly trees?: boolean;
  /**
   * Whether every policy needs an architecture. When true, a file outside an architecture
   * folder without `--arch` is a usage error; when false it is resolved without the
   * architecture-dependent checks. @defaultValue true
   */
  readonly requireArch?: boolean;
  /**
   * Also lower every policy whose architecture is known and report the lowering diagnostics
   * (unknown syscall and constant names, values out of range): what `check` reports. Commands
   * that compile leave it off, since compiling lowers and reports the same problems.
   * @defaultValue false
   */
  readonly lowering?: boolean;
  /**
   * Also resolve, on their own, the building blocks of a tree that no loaded policy read, so
   * that nothing in the tree goes unchecked (what `check` wants). `build` compiles only loaded
   * policies and says false. @defaultValue true
   */
  readonly buildingBlocks?: boolean;
  /** File access. @defaultValue the Node file system */
  readonly host?: PolicyHost;
}

/** An architecture folder of a policy tree, read for its architecture. */
export interface LoadedArchFolder {
  /** Canonical architecture name. */
  readonly arch: string;
  /** The folder's name as it is in the tree (an alias such as `x86-64` is kept). */
  readonly folder: string;
  /** Absolute path of the folder. */
  readonly path: string;
}

/** A policy tree named on the command line. */
export interface LoadedTree {
  /** Absolute path of the tree. */
  readonly root: string;
  /** The name of every folder of the tree, architecture or not, sorted. */
  readonly folders: readonly string[];
  /** The architecture folders that were read (all, or the one `--arch` selects), sorted by name. */
  readonly archs: readonly LoadedArchFolder[];
}

/** The policy-input flags every command that reads policies shares, as commander parses them. */
export interface PolicyInputFlags {
  /** `--arch`. */
  readonly arch?: string;
  /** `--include-map FROM=TO`, as given. */
  readonly includeMap: readonly string[];
  /** `--allow-outside-includes`. */
  readonly allowOutsideIncludes?: boolean;
}

/**
 * The part of {@link LoadPoliciesOptions} that the shared flags decide (`--arch`,
 * `--include-map`, `--allow-outside-includes`), so that no command translates them itself.
 */
export function inputFromFlags(cwd: string, flags: PolicyInputFlags): Pick<LoadPoliciesOptions, 'cwd' | 'arch' | 'includeMap' | 'allowIncludesOutside'> {
  return {
    cwd,
    ...(flags.arch === undefined ? {} : { arch: flags.arch }),
    includeMap: parseIncludeMap(cwd, flags.includeMap),
    ...(flags.allowOutsideIncludes === true ? { allowIncludesOutside: true } : {}),
  };
}

/** One policy read through the input layer. */
export interface LoadedPolicy {
  /** Absolute path of the policy file. */
  readonly file: string;
  /**
   * Its architecture's table; absent when the architecture cannot be told and none is required,
   * or when the table of a tree folder cannot be loaded (reported as SC9502).
   */
  readonly table?: ArchTable;
  /** The tree folder the policy was found in; absent for a file named on the command line. */
  readonly folder?: LoadedArchFolder;
  readonly resolved: ResolvedPolicy;
  /** Resolution diagnostics, plus lowering diagnostics when asked for. */
  readonly diagnostics: readonly Diagnostic[];
  /** True when this file is a building block that no loaded policy of its tree read. */
  readonly standalone: boolean;
}

/** Everything {@link loadPolicies} found. */
export interface LoadedInput {
  readonly policies: readonly LoadedPolicy[];
  /** Problems not tied to one policy: naming-convention findings, `.frequency` syntax, folders that are not architectures. */
  readonly diagnostics: readonly Diagnostic[];
  /** The policy trees among the paths, in the order given. */
  readonly trees: readonly LoadedTree[];
  /** Text of every file read (absolute path → text), for code frames. */
  readonly sources: ReadonlyMap<string, string>;
}

/** Loads architecture tables once per run. */
function tableLoader(): (name: string) => Promise<LoadArchTableResult> {
  const tables = new Map<string, Promise<LoadArchTableResult>>();
  return (name) => {
    let table = tables.get(name);
    if (table === undefined) {
      table = loadArchTable(name, (specifier) => import(specifier));
      tables.set(name, table);
    }
    return table;
  };
}

// A path that cannot be read is not a folder: the resolver then reports it as SC2001 with its
// file name, and the run's exit code becomes 3.
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Finds, reads and resolves the policies named on a command line. A file is a loaded policy
 * whose architecture is `--arch`, else its folder's name when the registry knows it. A folder is
 * a policy tree: its naming convention is linted, each architecture folder's loaded policies are
 * resolved for that architecture, and building blocks no loaded policy read are resolved on
 * their own, so that nothing in the tree goes unchecked. An unknown architecture name, given or
 * taken from a file's folder when one is required, is a usage error (exit 2).
 */
export async function loadPolicies(options: LoadPoliciesOptions): Promise<LoadedInput> {
  // Shared blocks are read once per call, not once per policy that includes them.
  const host = snapshotHost(options.host ?? createNodeHost());
  const cache: ParseCache = createParseCache();
  const fixedTable = options.archTable;
  const table = fixedTable === undefined ? tableLoader() : (): Promise<LoadArchTableResult> => Promise.resolve({ ok: true, table: fixedTable });
  const requireArch = options.requireArch ?? true;
  const archOption = fixedTable?.name ?? (options.arch === undefined ? undefined : resolveArchOption(options.arch));
  const policies: LoadedPolicy[] = [];
  const diagnostics: Diagnostic[] = [];
  const trees: LoadedTree[] = [];
  const sources = new Map<string, string>();
  // A file's table must load (else exit 2); a tree folder whose table does not load is SC9502
  // at the folder, and its policies are resolved without one.
  const fileTable = async (arch: string): Promise<ArchTable> => {
    const loaded = await table(arch);
    if (!loaded.ok) throw new CliError(`cannot load the ${arch} table: ${loaded.message}`, ExitCode.usage);
    return loaded.table;
  };

  const load = (file: string, arch: string | undefined, archTable: ArchTable | undefined, standalone: boolean, folder?: LoadedArchFolder, treeRoot?: string): LoadedPolicy => {
    const resolved = resolvePolicy(file, {
      host,
      cache,
      includeMap: [...options.includeMap, ...defaultIncludeMap(file)],
      // Includes stay in the tree (or the policy's folder) and the include-map targets.
      ...(treeRoot === undefined ? {} : { includeRoots: [treeRoot] }),
      ...(options.allowIncludesOutside === true ? { allowIncludesOutside: true } : {}),
      ...(options.dialect === undefined ? {} : { dialect: options.dialect }),
      ...(arch === undefined ? {} : { arch }),
      ...(options.denylist === undefined ? {} : { denylist: options.denylist }),
    });
    for (const read of resolved.files) sources.set(read.path, read.text);
    const found: Diagnostic[] = [...resolved.diagnostics];
    if (options.lowering === true && archTable !== undefined) found.push(...lowerPolicy(resolved, archTable, { denylist: resolved.denylist }).diagnostics);
    return { file, ...(archTable === undefined ? {} : { table: archTable }), ...(folder === undefined ? {} : { folder }), resolved, diagnostics: found, standalone };
  };

  for (const given of options.paths) {
    const path = resolve(options.cwd, given);
    if (isDirectory(path)) {
      if (options.trees === false) throw new CliError(`${given} is a folder; give a policy file`, ExitCode.usage);
      const tree = lintPolicyTree(path, { host, cache, lint: options.lint ?? 'error', includeMap: options.includeMap });
      diagnostics.push(...tree.diagnostics);
      const archs: LoadedArchFolder[] = [];
      for (const folder of tree.archs) {
        const resolved = resolveArchName(folder.name);
        if (!resolved.ok) {
          diagnostics.push(buildDiagnostic('SC9501', `folder ${folder.name} is not an architecture: ${resolved.message}`, folder.path));
          continue;
        }
        if (archOption !== undefined && archOption !== resolved.name) continue;
        const archFolder: LoadedArchFolder = { arch: resolved.name, folder: folder.name, path: folder.path };
        archs.push(archFolder);
        const loaded = await table(resolved.name);
        if (!loaded.ok) diagnostics.push(buildDiagnostic('SC9502', loaded.message, folder.path));
        const archTable = loaded.ok ? loaded.table : undefined;
        const read = new Set<string>();
        for (const file of folder.files) {
          if (!isLoadedPolicyFile(file, host, cache)) continue;
          const policy = load(file.path, resolved.name, archTable, false, archFolder, path);
          for (const source of policy.resolved.files) read.add(source.path);
          policies.push(policy);
        }
        if (options.buildingBlocks === false) continue;
        for (const file of folder.files) {
          if (!file.name.endsWith('.policy') || file.role.kind === 'frequency' || read.has(file.path)) continue;
          policies.push(load(file.path, resolved.name, archTable, true, archFolder, path));
        }
      }
      trees.push({ root: path, folders: tree.archs.map((folder) => folder.name), archs });
      continue;
    }
    if (path.endsWith('.frequency')) {
      // A frequency file on its own: only its syntax can be checked.
      const text = host.readFile(path) ?? '';
      sources.set(path, text);
      diagnostics.push(...parseFrequencyFile(text, path).diagnostics);
      continue;
    }
    let arch = archOption;
    if (arch === undefined) {
      const folder = basename(dirname(path));
      const fromFolder = resolveArchName(folder);
      if (fromFolder.ok) arch = fromFolder.name;
      else if (requireArch) throw new CliError(`${given}: cannot tell the architecture from the folder name '${folder}'; pass --arch`, ExitCode.usage);
    }
    policies.push(load(path, arch, arch === undefined ? undefined : await fileTable(arch), false));
  }
  return { policies, diagnostics, trees, sources };
}
