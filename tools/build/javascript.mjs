// @ts-check
/**
 * A package's `build` script: the JavaScript of its `dist/`, through esbuild. The declarations
 * come from the root `build:declarations` task (`declarations.ts`), which runs first (turbo.json).
 *
 *   node ../../tools/build/javascript.mjs [--no-sourcemap] [extra-entry.ts ...]
 *
 * Entries are the package's exports (each `exports` entry's `@syscage/source` file) plus the
 * extra ones named (scripts the package starts itself, such as jail-runner's launcher).
 * `--no-sourcemap` is for the generated arch tables: a map would more than double their install
 * size and map only object literals.
 *
 * Plain JavaScript, run by Node without a TypeScript loader, on purpose: it runs once per
 * package, and loading tsx (or tsup, which loads TypeScript and rollup even for JavaScript)
 * cost about 0.6 s of CPU a package, several times the bundling itself (CONTRIBUTING.md, "How
 * long the loop takes"). The output is what tsup wrote with the options the packages had (ESM
 * for Node 20, code shared by two entries in a chunk, dependencies external, `node:` prefixes
 * removed as tsup did, a linked source map); `cli` still builds with tsup for its second,
 * self-contained bundle.
 */
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';

/**
 * @typedef {object} PackageJson
 * @property {Record<string, unknown>} [exports]
 * @property {Record<string, string>} [dependencies]
 * @property {Record<string, string>} [peerDependencies]
 */

/**
 * The entry files of a package: its exports' source files, then `extra`.
 * @param {PackageJson} manifest
 * @param {readonly string[]} extra
 * @returns {string[]}
 */
export function javascriptEntries(manifest, extra) {
  /** @type {string[]} */
  const entries = [];
  for (const target of Object.values(manifest.exports ?? {})) {
    if (typeof target !== 'object' || target === null) continue;
    const source = /** @type {Record<string, unknown>} */ (target)['@syscage/source'];
    if (typeof source === 'string') entries.push(source.replace(/^\.\//, ''));
  }
  return [...entries, ...extra.filter((entry) => !entries.includes(entry))];
}

/**
 * The package's dependencies stay imports (`name` and `name/…`); everything else is bundled.
 * @param {PackageJson} manifest
 * @returns {import('esbuild').Plugin}
 */
function externalDependencies(manifest) {
  const names = [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})];
  return {
    name: 'syscage:external-dependencies',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:')) return { path: args.path.slice('node:'.length), external: true };
        return names.some((name) => args.path === name || args.path.startsWith(`${name}/`)) ? { external: true } : undefined;
      });
    },
  };
}

/**
 * Builds the package in `dir` into `dir/dist`, keeping the declarations there.
 * @param {string} dir
 * @param {readonly string[]} args
 */
export async function buildJavascript(dir, args) {
  const sourcemap = !args.includes('--no-sourcemap');
  const extra = args.filter((arg) => !arg.startsWith('--'));
  /** @type {PackageJson} */
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const outdir = join(dir, 'dist');
  for (const file of safeReaddir(outdir)) if (!file.endsWith('.d.ts')) rmSync(join(outdir, file), { recursive: true, force: true });
  const result = await build({
    absWorkingDir: dir,
    entryPoints: javascriptEntries(manifest, extra),
    outdir,
    bundle: true,
    format: 'esm',
    splitting: true,
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    sourcemap: sourcemap ? 'linked' : false,
    plugins: [externalDependencies(manifest)],
    logLevel: 'warning',
    write: false,
  });
  for (const file of result.outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    // Written as tsup wrote them (compact maps, no newline after the map comment), so the
    // output stays byte for byte what it was.
    const text = file.path.endsWith('.map') ? JSON.stringify(JSON.parse(file.text)) : file.text.replace(/(\/\/# sourceMappingURL=\S+)\n$/, '$1');
    writeFileSync(file.path, text);
  }
}

/**
 * @param {string} dir
 * @returns {string[]}
 */
function safeReaddir(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  buildJavascript(process.cwd(), process.argv.slice(2)).catch(() => {
    // esbuild has printed the errors.
    process.exitCode = 1;
  });
}
