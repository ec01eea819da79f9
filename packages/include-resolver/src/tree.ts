/**
 * The naming convention of a policy tree (`<root>/<arch>/<name>.policy`, crosvm's layout): every
 * file's role follows from its name, and a loaded policy includes exactly the building blocks
 * its name promises. See the package README for the rules and their codes.
 */
import { type Diagnostic, type RelatedLocation, type Severity, parsePolicy } from '@syscage/policy-parser';
import { fileStartRange, makeDiagnostic, type ResolverDiagnosticCode } from './codes.js';
import { defaultIncludeMap, type IncludeMapping, resolveIncludePath } from './include-map.js';
import { describeFileProblem, dirname, joinPath, normalizePath } from './paths.js';
import { createParseCache, type ParseCache } from './resolve.js';
import type { DirectoryEntry, PolicyHost } from './types.js';

/** The transport variants a device can be served over. */
export type Transport = 'vhost_user' | 'vvu';

/** What a file in a policy tree is, by its name. */
export type PolicyRole =
  /** `common_device.policy`: syscalls every device needs. */
  | { readonly kind: 'common-block' }
  /** `vhost_user.policy` / `vvu.policy`: what a transport's listener needs. */
  | { readonly kind: 'transport-block'; readonly transport: Transport }
  /** `foo.policy`: what device `foo` needs whatever its transport. */
  | { readonly kind: 'device-block'; readonly device: string }
  /** `foo_device.policy`, `foo_device_vhost_user.policy`, `foo_device_vvu.policy`. */
  | { readonly kind: 'loaded'; readonly device: string; readonly transport?: Transport }
  /**
   * `foo_process.policy`: a VMM helper process `foo` that is not a device (a swap monitor, a
   * render server, a jail warden). Loaded directly and self-contained: it includes nothing.
   */
  | { readonly kind: 'process'; readonly process: string }
  /** `foo.frequency`: syscall counts for `@frequency`. */
  | { readonly kind: 'frequency' }
  /** A name that fits no role, with the reason. */
  | { readonly kind: 'none'; readonly reason: string };

const stemPattern = /^[a-z0-9][a-z0-9_]*$/;

/**
 * Classifies a file of an architecture folder by its name (`foo_device.policy` → loaded,
 * `foo_process.policy` → process).
 */
export function classifyPolicyFileName(name: string): PolicyRole {
  const dot = name.lastIndexOf('.');
  const stem = dot < 0 ? name : name.slice(0, dot);
  const extension = dot < 0 ? '' : name.slice(dot);
  if (extension !== '.policy' && extension !== '.frequency') {
    return { kind: 'none', reason: 'only `.policy` and `.frequency` files belong in an architecture folder' };
  }
  if (!stemPattern.test(stem) || stem.endsWith('_') || stem.includes('__')) {
    return { kind: 'none', reason: 'names are lower-case words joined by single `_`' };
  }
  if (extension === '.frequency') return { kind: 'frequency' };
  if (stem === 'common_device') return { kind: 'common-block' };
  if (stem === 'vhost_user' || stem === 'vvu') return { kind: 'transport-block', transport: stem };
  const loaded = /^(.+)_device(?:_(vhost_user|vvu))?$/.exec(stem);
  if (loaded !== null) {
    const device = loaded[1] ?? '';
    if (device === 'common' || device === 'vhost_user' || device === 'vvu') {
      return { kind: 'none', reason: `\`${device}\` names a building block, not a device` };
    }
    const transport = loaded[2];
    return transport === 'vhost_user' || transport === 'vvu'
      ? { kind: 'loaded', device, transport }
      : { kind: 'loaded', device };
  }
  if (/_device_/.test(stem)) {
    return { kind: 'none', reason: 'after `_device` only `_vhost_user` or `_vvu` may follow' };
  }
  if (/_(vhost_user|vvu)$/.test(stem)) {
    return { kind: 'none', reason: 'a transport variant is named `<device>_device_vhost_user` or `<device>_device_vvu`' };
  }
  const helper = /^(.+)_process$/.exec(stem);
  if (helper !== null) {
    const process = helper[1] ?? '';
    if (process === 'common' || process === 'vhost_user' || process === 'vvu') {
      return { kind: 'none', reason: `\`${process}\` names a building block, not a process` };
    }
    return { kind: 'process', process };
  }
  return { kind: 'device-block', device: stem };
}

/** How convention findings are reported. */
export type LintLevel = 'error' | 'warn' | 'off';

/** Options of {@link lintPolicyTree}. */
export interface LintTreeOptions {
  /** Reads files and lists directories (`listDirectory` is required here). */
  readonly host: PolicyHost;
  /**
   * Severity of convention findings: `warn` for trees that knowingly deviate (such as crosvm's),
   * `off` to skip them.
   * @defaultValue 'error'
   */
  readonly lint?: LintLevel;
  /**
   * Extra include mappings, added to `/usr/share/policy/crosvm` → the architecture folder.
   * @defaultValue []
   */
  readonly includeMap?: readonly IncludeMapping[];
  /**
   * Cache of parsed files to share with resolution.
   * @defaultValue a fresh cache
   */
  readonly cache?: ParseCache;
}

/** One file of a linted tree with its role. */
export interface TreeFile {
  /** Normalised absolute path of the file (`<root>/<arch>/<name>`). */
  readonly path: string;
  /** The file name within its architecture folder, with its extension (`foo_device.policy`). */
  readonly name: string;
  /** What the name says the file is (see {@link classifyPolicyFileName}); `none` when it fits no role. */
  readonly role: PolicyRole;
}

/** One architecture folder of a linted tree. */
export interface TreeArch {
  /** The folder name, which names the architecture (`x86_64`, `aarch64`, `arm`). */
  readonly name: string;
  /** Normalised absolute path of the folder (`<root>/<name>`). */
  readonly path: string;
  /** The regular files of the folder, sorted by name; subdirectories are not listed. */
  readonly files: readonly TreeFile[];
}

/** What {@link lintPolicyTree} found. */
export interface TreeLintResult {
  /** The tree root as given, normalised (POSIX-style, absolute). */
  readonly root: string;
  /** Every subdirectory of the root, sorted by name; empty when the root cannot be listed (SC3010). */
  readonly archs: readonly TreeArch[];
  /** Convention findings (SC3xxx). Parse and resolution findings come from `resolvePolicy`. */
  readonly diagnostics: readonly Diagnostic[];
}

function stemOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}

function sortedNames<T extends { readonly name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Checks the naming convention of a policy tree: `treeRoot` holds one folder per architecture,
 * each holding `.policy` (and `.frequency`) files. Reports files that fit no role (SC3001),
 * building blocks that include anything (SC3002), loaded policies missing a promised block
 * (SC3003, or SC3004 when the device has no block at all), including an unpromised file
 * (SC3005), includes of loaded policies (SC3006), blocks nobody includes (SC3007), devices whose
 * variants differ between architectures (SC3008), includes leaving the folder (SC3009) and
 * process policies that include anything (SC3011).
 */
export function lintPolicyTree(treeRoot: string, options: LintTreeOptions): TreeLintResult {
  const root = normalizePath(treeRoot);
  const level = options.lint ?? 'error';
  const cache = options.cache ?? createParseCache();
  const severity: Severity = level === 'warn' ? 'warning' : 'error';
  const diagnostics: Diagnostic[] = [];
  const report = (
    code: ResolverDiagnosticCode,
    message: string,
    file: string,
    range = fileStartRange,
    related: readonly RelatedLocation[] = [],
  ): void => {
    if (level !== 'off') diagnostics.push(makeDiagnostic(code, message, file, range, { severity, related }));
  };

  const rootEntries = options.host.listDirectory?.(root);
  if (rootEntries === undefined) {
    const problem = options.host.fileProblem?.(root);
    diagnostics.push(
      makeDiagnostic('SC3010', `cannot list the policy tree ${root}${problem === undefined ? '' : `: ${describeFileProblem(problem)}`}`, root, fileStartRange),
    );
    return { root, archs: [], diagnostics };
  }
  // An entry that cannot be followed (a symbolic link loop) is neither a file nor a folder: say so
  // rather than drop it or read it as a missing file.
  const unfollowable = (entry: DirectoryEntry, path: string): boolean => {
    if (entry.problem === undefined) return false;
    diagnostics.push(makeDiagnostic('SC3012', `${path} is ${describeFileProblem(entry.problem)}; the tree leaves it out`, path, fileStartRange));
    return true;
  };

  const archs: TreeArch[] = [];
  for (const entry of sortedNames(rootEntries)) {
    const path = joinPath(root, entry.name);
    if (unfollowable(entry, path)) continue;
    if (!entry.isDirectory) {
      if (entry.name.endsWith('.policy') || entry.name.endsWith('.frequency')) {
        report('SC3001', `${entry.name} is outside an architecture folder`, path);
      }
      continue;
    }
    const files: TreeFile[] = [];
    for (const child of sortedNames(options.host.listDirectory?.(path) ?? [])) {
      if (unfollowable(child, joinPath(path, child.name)) || child.isDirectory) continue;
      files.push({ path: joinPath(path, child.name), name: child.name, role: classifyPolicyFileName(child.name) });
    }
    archs.push({ name: entry.name, path, files });
  }

  for (const arch of archs) lintArchFolder(arch, options, cache, report);
  lintVariants(archs, report);
  return { root, archs, diagnostics };
}

type Report = (
  code: ResolverDiagnosticCode,
  message: string,
  file: string,
  range?: Diagnostic['range'],
  related?: readonly RelatedLocation[],
) => void;

function lintArchFolder(arch: TreeArch, options: LintTreeOptions, cache: ParseCache, report: Report): void {
  const byStem = new Map<string, TreeFile>();
  for (const file of arch.files) if (file.name.endsWith('.policy')) byStem.set(stemOf(file.name), file);
  const includeMap: readonly IncludeMapping[] = [...(options.includeMap ?? []), ...defaultIncludeMap(joinPath(arch.path, 'x'))];
  const includedBy = new Map<string, TreeFile[]>();

  for (const file of arch.files) {
    const role = file.role;
    if (role.kind === 'none') {
      report('SC3001', `${file.name} fits no role of the naming convention: ${role.reason}`, file.path);
      continue;
    }
    if (role.kind === 'frequency') continue;
    const text = options.host.readFile(file.path);
    if (text === undefined) continue;
    let parsed = cache.policies.get(file.path);
    if (parsed?.text !== text) {
      parsed = parsePolicy(text, file.path);
      cache.policies.set(file.path, parsed);
    }
    const includedStems = new Set<string>();
    for (const statement of parsed.statements) {
      if (statement.kind !== 'include') continue;
      const target = resolveIncludePath(statement.path, file.path, includeMap);
      if (dirname(target) !== arch.path) {
        report('SC3009', `${file.name} includes ${target}, which is outside the ${arch.name} folder`, file.path, statement.range);
        continue;
      }
      const targetName = target.slice(target.lastIndexOf('/') + 1);
      const targetStem = stemOf(targetName);
      includedStems.add(targetStem);
      const targetFile = byStem.get(targetStem);
      if (targetFile !== undefined) includedBy.set(targetStem, [...(includedBy.get(targetStem) ?? []), file]);
      const targetRole = classifyPolicyFileName(targetName);
      if (targetRole.kind === 'loaded' || targetRole.kind === 'process') {
        report('SC3006', `${file.name} includes the loaded policy ${targetName}; only building blocks may be included`, file.path, statement.range);
        continue;
      }
      if (role.kind === 'process') {
        report(
          'SC3011',
          `${file.name} is a process policy and must be self-contained, but includes ${targetName}`,
          file.path,
          statement.range,
        );
        continue;
      }
      if (role.kind !== 'loaded') {
        report(
          'SC3002',
          `${file.name} is a building block and must include nothing, but includes ${targetName}`,
          file.path,
          statement.range,
        );
        continue;
      }
      const promised = promisedBlocks(role);
      if (!promised.includes(targetStem)) {
        report(
          'SC3005',
          `${file.name} includes ${targetName}, which its name does not promise (expected ${promised.map((stem) => `${stem}.policy`).join(', ')})`,
          file.path,
          statement.range,
        );
      }
    }
    if (role.kind !== 'loaded') continue;
    for (const stem of promisedBlocks(role)) {
      if (includedStems.has(stem)) continue;
      if (stem === role.device && !byStem.has(stem)) {
        report(
          'SC3004',
          `${file.name} has no device block to include: ${stem}.policy does not exist in ${arch.name}, so the device rules are written inline`,
          file.path,
        );
      } else {
        report('SC3003', `${file.name} does not include ${stem}.policy, which its name promises`, file.path);
      }
    }
  }

  for (const file of arch.files) {
    const role = file.role;
    if (role.kind !== 'common-block' && role.kind !== 'transport-block' && role.kind !== 'device-block') continue;
    const users = (includedBy.get(stemOf(file.name)) ?? []).filter((user) => user.role.kind === 'loaded');
    if (users.length === 0) {
      report(
        'SC3007',
        `building block ${file.name} is included by no loaded policy of ${arch.name}` +
          (role.kind === 'device-block' ? ` (a policy loaded directly is named ${role.device}_device.policy)` : ''),
        file.path,
      );
    }
  }
}

function promisedBlocks(role: { readonly device: string; readonly transport?: Transport }): readonly string[] {
  return role.transport === undefined ? ['common_device', role.device] : ['common_device', role.transport, role.device];
}

function lintVariants(archs: readonly TreeArch[], report: Report): void {
  if (archs.length < 2) return;
  const where = new Map<string, TreeFile[]>();
  const archOf = new Map<TreeFile, string>();
  for (const arch of archs) {
    for (const file of arch.files) {
      if (file.role.kind !== 'loaded' && file.role.kind !== 'process') continue;
      where.set(file.name, [...(where.get(file.name) ?? []), file]);
      archOf.set(file, arch.name);
    }
  }
  for (const [name, files] of [...where].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (files.length === archs.length) continue;
    const present = files.map((file) => archOf.get(file) ?? '');
    const missing = archs.map((arch) => arch.name).filter((arch) => !present.includes(arch));
    const [first, ...others] = files;
    if (first === undefined) continue;
    report(
      'SC3008',
      `${name} exists for ${present.join(', ')} but not for ${missing.join(', ')}`,
      first.path,
      fileStartRange,
      others.map((file) => ({ message: `also in ${archOf.get(file) ?? ''}`, file: file.path, range: fileStartRange })),
    );
  }
}
