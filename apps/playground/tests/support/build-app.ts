/**
 * Builds the playground with Vite's API into a folder and describes the output: every emitted
 * file with its size, and for each JavaScript chunk whether it is the entry, a lazily loaded
 * chunk, and which source modules it holds. Used by the tests' global setup and by `pnpm bench`.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Rolldown } from 'vite';

/** The app's folder (`apps/playground`). */
export const APP_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One emitted file of the production build. */
export interface BuiltFile {
  /** Path relative to the output folder, e.g. `assets/index-abc.js`. */
  readonly fileName: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly kind: 'entry-chunk' | 'lazy-chunk' | 'shared-chunk' | 'asset';
  /** For chunks: source modules in it, relative to the repository root (`packages/…/src/x.ts`). */
  readonly modules: readonly string[];
  /** For chunks: files it imports statically (loaded with it). */
  readonly imports: readonly string[];
}

/** What {@link buildApp} produced. */
export interface BuildReport {
  readonly outDir: string;
  readonly files: readonly BuiltFile[];
}

const REPOSITORY_ROOT = join(APP_ROOT, '..', '..');

function moduleName(id: string): string {
  const withoutQuery = id.replace(/\?.*$/, '');
  return withoutQuery.startsWith('/') ? relative(REPOSITORY_ROOT, withoutQuery) : withoutQuery;
}

/**
 * Runs `vite build` for the app into `outDir`, as a production build even inside vitest (which
 * sets `NODE_ENV=test`, and Vite would otherwise build with `import.meta.env.PROD` false).
 */
export async function buildApp(outDir: string): Promise<BuildReport> {
  const nodeEnv = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({
      root: APP_ROOT,
      configFile: join(APP_ROOT, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = nodeEnv;
  }
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const files: BuiltFile[] = [];
  for (const output of outputs) {
    for (const item of output.output) {
      const content = await readFile(join(outDir, item.fileName));
      const common = { fileName: item.fileName, bytes: content.length, gzipBytes: gzipSync(content).length };
      if (item.type === 'chunk') {
        files.push({
          ...common,
          kind: item.isEntry ? 'entry-chunk' : item.isDynamicEntry ? 'lazy-chunk' : 'shared-chunk',
          modules: item.moduleIds.map(moduleName),
          imports: item.imports,
        });
      } else {
        files.push({ ...common, kind: 'asset', modules: [], imports: [] });
      }
    }
  }
  files.sort((left, right) => left.fileName.localeCompare(right.fileName));
  return { outDir, files };
}

/** The entry chunk and every chunk it imports statically: what a first visit downloads. */
export function initialChunks(report: BuildReport): BuiltFile[] {
  const byName = new Map(report.files.map((file) => [file.fileName, file]));
  const seen = new Set<string>();
  const queue = report.files.filter((file) => file.kind === 'entry-chunk').map((file) => file.fileName);
  while (queue.length > 0) {
    const name = queue.pop() ?? '';
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...(byName.get(name)?.imports ?? []));
  }
  return [...seen].flatMap((name) => byName.get(name) ?? []);
}

/** A size table for people: one line per file and a total of what a first visit loads. */
export function formatBuildReport(report: BuildReport): string {
  const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`.padStart(11);
  const lines = report.files.map((file) => `${kb(file.bytes)} ${kb(file.gzipBytes)} gzip  ${file.kind.padEnd(12)} ${file.fileName}`);
  const initial = initialChunks(report);
  const css = report.files.filter((file) => file.fileName.endsWith('.css') || file.fileName.endsWith('.html'));
  const initialBytes = [...initial, ...css].reduce((sum, file) => sum + file.bytes, 0);
  const initialGzip = [...initial, ...css].reduce((sum, file) => sum + file.gzipBytes, 0);
  lines.push(`${kb(initialBytes)} ${kb(initialGzip)} gzip  first visit (HTML, CSS, entry chunk and its static imports)`);
  return lines.join('\n');
}
