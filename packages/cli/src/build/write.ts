/**
 * Writes a build to its out folder. Each file is written to a temporary name and renamed, so a
 * reader never sees half a file (a file that already holds the same bytes is left as it is); the
 * manifest is written last. A policy that failed gets no
 * output, and an output left from an earlier build for it (or for a policy that no longer
 * exists, as listed in the previous manifest) is removed, so no stale file claims success.
 *
 * The out folder may hold files that someone else put there (a checked-in `manifest.json`, a
 * symbolic link), so nothing is trusted by its path text alone: build touches only names it
 * produces itself (`<arch>/<name>.bpf|.h|.json`, with `--flatten` `<arch>/<name>.policy`, and `manifest.json`), checks every folder and file
 * below the out folder with `lstat` before changing anything, and refuses a symbolic link there
 * instead of following it out of the folder.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { refuseOutputsOverInputs } from '../same-file.js';
import { type Manifest, flattenedPath, manifestJson, ociPath, outputPath } from './manifest.js';
import { type BuildFormat, type TreeBuildResult, formatExtension } from './tree-build.js';

/** File name of the manifest in the out folder. */
export const manifestFileName = 'manifest.json';

function reasonOf(error: unknown): string {
  return error instanceof Error && 'code' in error ? String(error.code) : error instanceof Error ? error.message : String(error);
}

function ioError(action: string, path: string, error: unknown): CliError {
  return new CliError(`cannot ${action} ${path}: ${reasonOf(error)}`, ExitCode.io);
}

/** What is at a path, without following a symbolic link there. */
function kindAt(path: string): 'missing' | 'file' | 'directory' | 'symlink' | 'other' {
  try {
    const stats = lstatSync(path);
    if (stats.isSymbolicLink()) return 'symlink';
    if (stats.isDirectory()) return 'directory';
    return stats.isFile() ? 'file' : 'other';
  } catch (error) {
    if (error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return 'missing';
    throw ioError('inspect', path, error);
  }
}

const extensions = new Set(Object.values(formatExtension));

/**
 * True when `relativePath` is a name build itself produces: `<folder>/<name><ext>` with one
 * folder, plain segments and one of the formats' extensions (or `.policy`, for a file the
 * manifest lists as flattened). Anything else listed by a manifest (edited by hand, or committed
 * by someone else) is not build's to remove.
 */
export function isBuildOutputName(relativePath: string, allowed: ReadonlySet<string> = extensions): boolean {
  const segments = relativePath.split('/');
  if (segments.length !== 2) return false;
  const [folder = '', file = ''] = segments;
  const plain = (segment: string): boolean => segment !== '' && segment !== '.' && segment !== '..' && !segment.includes('\\') && !segment.includes('\0');
  if (!plain(folder) || !plain(file)) return false;
  const dot = file.lastIndexOf('.');
  return dot > 0 && allowed.has(file.slice(dot));
}

const flattenedExtension = new Set(['.policy']);

/** Outputs (and flattened files) listed by the manifest already in `outDir`, if there is a readable one. */
function previousOutputs(manifestPath: string): string[] {
  let text: string;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch {
    return [];
  }
  try {
    const parsed = JSON.parse(text) as { policies?: unknown };
    if (!Array.isArray(parsed.policies)) return [];
    return parsed.policies.flatMap((entry: unknown) => {
      if (typeof entry !== 'object' || entry === null) return [];
      const { output, flattened, oci } = entry as { output?: unknown; flattened?: { output?: unknown } | null; oci?: { output?: unknown } | null };
      const flat = typeof flattened === 'object' && flattened !== null ? flattened.output : undefined;
      const profile = typeof oci === 'object' && oci !== null ? oci.output : undefined;
      return [
        ...(typeof output === 'string' && isBuildOutputName(output) ? [output] : []),
        ...(typeof profile === 'string' && isBuildOutputName(profile) ? [profile] : []),
        ...(typeof flat === 'string' && isBuildOutputName(flat, flattenedExtension) ? [flat] : []),
      ];
    });
  } catch {
    return [];
  }
}

/** The out folder's real path, created if needed (the user named it, so a link to it is theirs). */
function realOutDir(outDir: string): string {
  // A failure here is a plain file-system error (exit 3 with `cannot mkdir …`), as elsewhere.
  mkdirSync(outDir, { recursive: true });
  return realpathSync(outDir);
}

function writeAtomically(path: string, shown: string, data: Uint8Array | string): void {
  const temporary = `${path}.tmp-${process.pid.toString()}`;
  try {
    // `wx`: never open something already at the temporary name (a planted link to elsewhere).
    writeFileSync(temporary, data, { flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw ioError('write', shown, error);
  }
}

/**
 * True when `path` is a regular file holding exactly `bytes`. Opened without following a link
 * (something put there since the `lstat` check is then rewritten, as before).
 */
function sameBytes(path: string, bytes: Uint8Array): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.size !== bytes.length) return false;
    const present = Buffer.alloc(bytes.length);
    return readSync(fd, present, 0, bytes.length, 0) === bytes.length && present.equals(bytes);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes outputs and the manifest; returns the number of output files written. `shownOut` is
 * the out folder as the user wrote it, for messages. Throws a {@link CliError} (exit 3) naming
 * the path, before anything is written or removed, when a folder or file build would touch
 * below the out folder is a symbolic link or not what build writes there.
 */
export function writeBuild(outDir: string, result: TreeBuildResult, manifest: Manifest, format: BuildFormat, shownOut = outDir): number {
  const root = realOutDir(outDir);
  const shown = (relativePath: string): string => `${shownOut.replace(/\/+$/, '')}/${relativePath}`;
  const refuse = (relativePath: string, what: string): never => {
    throw new CliError(
      `--out: ${shown(relativePath)} is ${what}; build writes and removes only its own files in real folders inside the out folder (remove it or choose another --out)`,
      ExitCode.io,
    );
  };

  const writes: { readonly relativePath: string; readonly bytes: Uint8Array }[] = [];
  const removals = new Set<string>();
  for (const policy of result.policies) {
    const relativePath = outputPath(policy, format);
    if (policy.result === undefined) removals.add(relativePath);
    else writes.push({ relativePath, bytes: policy.result.bytes });
    const flattened = policy.result?.flattened;
    if (flattened !== undefined) writes.push({ relativePath: flattenedPath(policy), bytes: flattened.bytes });
    const oci = policy.result?.oci;
    if (oci !== undefined) writes.push({ relativePath: ociPath(policy), bytes: oci.bytes });
  }
  const produced = new Set(writes.map((write) => write.relativePath));
  // A flattened file of an earlier build is only removed when that build's manifest lists it.
  for (const stale of previousOutputs(join(root, manifestFileName))) {
    if (!produced.has(stale)) removals.add(stale);
  }

  // Check everything first, so a refused out folder is left exactly as it was.
  const folders = new Map<string, 'missing' | 'directory'>();
  const checkFolder = (folder: string): 'missing' | 'directory' => {
    const known = folders.get(folder);
    if (known !== undefined) return known;
    const kind = kindAt(join(root, folder));
    if (kind === 'symlink') refuse(folder, 'a symbolic link');
    if (kind !== 'missing' && kind !== 'directory') refuse(folder, 'not a folder');
    const checked = kind === 'missing' ? 'missing' : 'directory';
    folders.set(folder, checked);
    return checked;
  };
  const checkFile = (relativePath: string): 'missing' | 'file' => {
    const kind = kindAt(join(root, relativePath));
    if (kind === 'symlink') refuse(relativePath, 'a symbolic link');
    if (kind !== 'missing' && kind !== 'file') refuse(relativePath, 'not a regular file');
    return kind === 'missing' ? 'missing' : 'file';
  };
  const folderOf = (relativePath: string): string => relativePath.slice(0, relativePath.indexOf('/'));
  // Outputs already there as regular files: those whose bytes are unchanged are left as they are.
  const existing = new Set<string>();
  for (const { relativePath } of writes) {
    if (checkFolder(folderOf(relativePath)) === 'directory' && checkFile(relativePath) === 'file') existing.add(relativePath);
  }
  const toRemove = [...removals].filter((relativePath) => checkFolder(folderOf(relativePath)) === 'directory' && checkFile(relativePath) === 'file');
  checkFile(manifestFileName);
  // No output may be a policy or a file one includes (through a link, or an include map into --out).
  refuseOutputsOverInputs(
    [...writes.map((write) => write.relativePath), ...toRemove, manifestFileName].map((relativePath) => ({ path: join(root, relativePath), shown: shown(relativePath) })),
    result.policies.flatMap((policy) => policy.sources.map((source) => source.path)),
  );

  let written = 0;
  for (const { relativePath, bytes } of writes) {
    const folder = folderOf(relativePath);
    if (folders.get(folder) === 'missing') {
      try {
        mkdirSync(join(root, folder));
      } catch (error) {
        // Created by another writer since the check: accept it only if it is a real folder.
        if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST') || kindAt(join(root, folder)) !== 'directory') {
          throw ioError('create', shown(folder), error);
        }
      }
      folders.set(folder, 'directory');
    }
    // Rebuilding a tree mostly reproduces the files already there (output is deterministic):
    // reading and comparing one costs a fraction of writing it to a temporary name and renaming
    // it, and an unchanged file keeps its time stamp for tools that rebuild what changed.
    if (!(existing.has(relativePath) && sameBytes(join(root, relativePath), bytes))) writeAtomically(join(root, relativePath), shown(relativePath), bytes);
    written++;
  }
  for (const relativePath of toRemove) {
    try {
      rmSync(join(root, relativePath), { force: true });
    } catch (error) {
      throw ioError('remove', shown(relativePath), error);
    }
  }
  writeAtomically(join(root, manifestFileName), shown(manifestFileName), manifestJson(manifest));
  return written;
}
