/**
 * What the release tools share: the list of publishable packages, child processes, timing and
 * tarball reading. Repository tooling only; nothing here is published.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** Absolute path of the repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The export condition that points workspace tooling at TypeScript sources. */
export const sourceCondition = '@syscage/source';

/** The fields of a package.json the release tools read. */
export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly type?: string;
  readonly exports?: Record<string, unknown>;
  readonly types?: string;
  readonly files?: readonly string[];
  readonly sideEffects?: boolean;
  readonly engines?: Record<string, string>;
  readonly repository?: { readonly type?: string; readonly url?: string; readonly directory?: string };
  readonly publishConfig?: Record<string, unknown>;
  readonly bin?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly [field: string]: unknown;
}

/** One publishable workspace package. */
export interface WorkspacePackage {
  /** npm name, e.g. `@syscage/policy-parser`. */
  readonly name: string;
  /** Name without the scope, e.g. `policy-parser`. */
  readonly shortName: string;
  /** Absolute folder. */
  readonly dir: string;
  /** Folder relative to the repository root, e.g. `packages/policy-parser`. */
  readonly relDir: string;
  readonly manifest: PackageManifest;
}

/** Reads and parses a package.json (always fresh from disk: other people edit these files). */
export function readManifest(dir: string): PackageManifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest;
}

/**
 * Every non-private package under `packages/`, dependencies before dependents (then by name),
 * so packing and API reports run in build order.
 */
export function publishablePackages(): WorkspacePackage[] {
  const root = join(repoRoot, 'packages');
  const found: WorkspacePackage[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const dir = join(root, entry.name);
    if (!entry.isDirectory() || !existsSync(join(dir, 'package.json'))) continue;
    const manifest = readManifest(dir);
    if (manifest.private === true) continue;
    found.push({
      name: manifest.name,
      shortName: manifest.name.replace(/^@[^/]+\//, ''),
      dir,
      relDir: relative(repoRoot, dir),
      manifest,
    });
  }
  found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const byName = new Map(found.map((p) => [p.name, p]));
  const ordered: WorkspacePackage[] = [];
  const visiting = new Set<string>();
  const visit = (pkg: WorkspacePackage): void => {
    if (ordered.includes(pkg) || visiting.has(pkg.name)) return;
    visiting.add(pkg.name);
    for (const dep of Object.keys(pkg.manifest.dependencies ?? {})) {
      const internal = byName.get(dep);
      if (internal) visit(internal);
    }
    ordered.push(pkg);
  };
  for (const pkg of found) visit(pkg);
  return ordered;
}

/** Result of a child process. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without a shell and collects its output; never throws on a non-zero exit. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; echo?: boolean } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? repoRoot,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (options.echo === true) process.stdout.write(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (options.echo === true) process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** Maps `items` through `task` with at most `limit` tasks running at once, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Formats milliseconds as seconds with one decimal. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Formats a byte count in kB (1000 bytes), as npm does. */
export function kilobytes(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} kB`;
}

/** Renders rows as a plain-text table with a header line; numbers-like cells align right. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return /^[\d.]+( [a-zA-Z]+)?$/.test(cell) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/** One regular file inside a tarball. */
export interface TarEntry {
  /** Path inside the archive, without npm's leading `package/`. */
  readonly path: string;
  readonly size: number;
  readonly data: Buffer;
}

/**
 * Reads the regular files of a gzipped npm tarball (ustar, as npm and pnpm write it). Small
 * enough to keep here instead of adding a tar dependency.
 */
export function readTarball(gzipped: Buffer): TarEntry[] {
  const tar = gunzipSync(gzipped);
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number): string =>
      header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const typeFlag = field(156, 1);
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    const data = tar.subarray(offset + 512, offset + 512 + size);
    if (typeFlag === 'L') longName = data.toString('utf8').replace(/\0.*$/s, '');
    else if (typeFlag === '0' || typeFlag === '') {
      entries.push({ path: name.replace(/^[^/]+\//, ''), size, data: Buffer.from(data) });
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}
