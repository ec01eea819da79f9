/**
 * Writes every package's bundled declarations (`dist/*.d.ts`) in one process: the root
 * `build:declarations` task, which every package's `build` depends on (turbo.json). The package
 * `build` scripts (`javascript.mjs`; `cli`'s tsup config) write only JavaScript.
 *
 * Why one process: a declaration build per package paid the same start-up for every package
 * (loading TypeScript and rollup, parsing and binding the standard library's and Node's
 * declarations, about 2–3 s of CPU each), 13 times; here it is paid once and the parsed
 * declaration files are shared between the packages' programs (see CONTRIBUTING.md, "How long
 * the loop takes").
 *
 * The output is what tsup's declaration build wrote (rollup-plugin-dts on the same compiler
 * options): for each package in dependency order, a TypeScript program of its declaration
 * entries emits one `.d.ts` per source file, and rollup-plugin-dts bundles them per entry.
 *
 * - Entries are the package's exports: every `exports` entry with a `types` file in `dist/` and
 *   an `@syscage/source` file in `src/` (the public API; bins and scripts have no declarations).
 * - Other `@syscage/*` packages resolve to their `dist/*.d.ts`, written just before (the
 *   `@syscage/source` condition is dropped), so a package's program holds its own sources only.
 * - No type check (`noCheck`): `pnpm lint` (`tsc --noEmit` per package) is the type check.
 * - Node's global types are loaded for every package (`cli` and `jail-runner` name `NodeJS.*`);
 *   parsed once here, they cost almost nothing, and they change no pure package's output.
 *
 * Usage: `tsx tools/build/declarations.ts [package-dir ...]` (default: every package).
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import type * as Rollup from 'rollup';
import type * as RollupPluginDts from 'rollup-plugin-dts';
import type * as TypeScript from 'typescript';
import { publishablePackages, repoRoot, sourceCondition, type WorkspacePackage } from '../release/workspace.js';

// Start-up is most of this process's time, so two costs of loading are avoided. Source maps are
// switched off (tsx switches them on, and Node then scans every module it loads for a map
// comment, TypeScript's 9 MB included); and the three modules are loaded with `require` (all
// ship CommonJS): an `import` of TypeScript makes Node scan its 9 MB for named exports.
// Together about 2 s of CPU.
process.setSourceMapsEnabled(false);
const require = createRequire(import.meta.url);
const ts = require('typescript') as typeof TypeScript;
const { rollup } = require('rollup') as typeof Rollup;
const { dts } = require('rollup-plugin-dts') as typeof RollupPluginDts;
type Plugin = Rollup.Plugin;

/** One declaration entry: `dist/<name>.d.ts` from `src/…ts`. */
interface DeclarationEntry {
  readonly name: string;
  readonly source: string;
}

/** The package's declaration entries, from its `exports` (see the file comment). */
export function declarationEntries(pkg: WorkspacePackage): DeclarationEntry[] {
  const entries: DeclarationEntry[] = [];
  for (const target of Object.values(pkg.manifest.exports ?? {})) {
    if (typeof target !== 'object' || target === null) continue;
    const conditions = target as Record<string, unknown>;
    const types = conditions['types'];
    const source = conditions[sourceCondition];
    if (typeof types !== 'string' || typeof source !== 'string') continue;
    const name = /^\.\/dist\/(.+)\.d\.ts$/.exec(types)?.[1];
    if (name === undefined) throw new Error(`${pkg.relDir}: exports types ${types} is not dist/<name>.d.ts`);
    entries.push({ name, source: join(pkg.dir, source) });
  }
  return entries;
}

/**
 * The options tsup gave rollup-plugin-dts (tsup's own overrides over the package's
 * tsconfig.json), with the dependencies' declarations instead of their sources and no check.
 */
function compilerOptions(pkg: WorkspacePackage): TypeScript.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(pkg.dir, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (parsed === undefined) throw new Error(`${pkg.relDir}/tsconfig.json: cannot read`);
  return {
    ...parsed.options,
    customConditions: [],
    noCheck: true,
    types: ['node'],
    baseUrl: pkg.dir,
    declaration: true,
    noEmit: false,
    emitDeclarationOnly: true,
    noEmitOnError: true,
    checkJs: false,
    declarationMap: false,
    sourceMap: false,
    skipLibCheck: true,
    preserveSymlinks: false,
    target: ts.ScriptTarget.ESNext,
  };
}

/**
 * A compiler host that parses each file once for the whole run. Every program here uses the
 * same target, so a parsed (and, once a checker has bound it, bound) file can be handed to the
 * next program, as TypeScript's language service does. The dependencies' `dist/*.d.ts` are
 * written before the first program that reads them.
 */
function sharedHost(): (options: TypeScript.CompilerOptions) => TypeScript.CompilerHost {
  const parsed = new Map<string, TypeScript.SourceFile | undefined>();
  return (options) => {
    const host = ts.createCompilerHost(options, true);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
      if (!parsed.has(fileName)) parsed.set(fileName, read(fileName, languageVersion, onError, shouldCreate));
      return parsed.get(fileName);
    };
    return host;
  };
}

/** Serves the emitted declarations to rollup by their `.d.ts` names. */
function emittedDeclarations(files: ReadonlyMap<string, string>): Plugin {
  const candidates = (base: string): string[] => {
    const stem = base.replace(/\.(js|ts|d\.ts)$/, '');
    return [`${stem}.d.ts`, join(stem, 'index.d.ts')];
  };
  return {
    name: 'syscage:emitted-declarations',
    resolveId(source, importer) {
      if (files.has(source)) return source;
      if (importer === undefined || !source.startsWith('.')) return null;
      return candidates(resolve(dirname(importer), source)).find((file) => files.has(file)) ?? null;
    },
    load(id) {
      return files.get(id) ?? null;
    },
  };
}

/** Emits and bundles one package's declarations into its `dist/`. */
async function buildPackage(pkg: WorkspacePackage, host: (options: TypeScript.CompilerOptions) => TypeScript.CompilerHost): Promise<void> {
  const entries = declarationEntries(pkg);
  if (entries.length === 0) return;
  const options = compilerOptions(pkg);
  const program = ts.createProgram(
    entries.map((entry) => entry.source),
    options,
    host(options),
  );
  const files = new Map<string, string>();
  const result = program.emit(undefined, (fileName, text) => files.set(resolve(fileName), text), undefined, true);
  const errors = result.diagnostics.filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
  if (result.emitSkipped || errors.length > 0) {
    throw new Error(
      `${pkg.relDir}: declarations not emitted\n${ts.formatDiagnostics(errors, {
        getCanonicalFileName: (file) => file,
        getCurrentDirectory: () => repoRoot,
        getNewLine: () => '\n',
      })}`,
    );
  }
  const input: Record<string, string> = {};
  for (const entry of entries) {
    const declaration = entry.source.replace(/\.ts$/, '.d.ts');
    if (!files.has(declaration)) throw new Error(`${pkg.relDir}: ${relative(pkg.dir, entry.source)} emitted no declarations`);
    input[entry.name] = declaration;
  }
  const outDir = join(pkg.dir, 'dist');
  mkdirSync(outDir, { recursive: true });
  // Declarations of an entry that no longer exists must not be left behind.
  for (const file of readdirSync(outDir)) if (file.endsWith('.d.ts')) rmSync(join(outDir, file));
  const external = [...Object.keys(pkg.manifest.dependencies ?? {}), ...Object.keys(pkg.manifest['peerDependencies'] ?? {})].map(
    (dep) => new RegExp(`^${dep.replace(/[/.]/g, '\\$&')}($|\\/|\\\\)`),
  );
  const bundle = await rollup({
    input,
    external,
    plugins: [emittedDeclarations(files), dts({ compilerOptions: options })],
    onwarn(warning, handler) {
      if (warning.code === 'UNRESOLVED_IMPORT' || warning.code === 'CIRCULAR_DEPENDENCY' || warning.code === 'EMPTY_BUNDLE') return;
      handler(warning);
    },
  });
  await bundle.write({
    dir: outDir,
    format: 'esm',
    exports: 'named',
    entryFileNames: '[name].d.ts',
    // Rollup names a shared chunk after its module (`types.d.ts`); tsup's modules were the
    // sources (`types.ts`), so the chunk was `types-<hash>.d.ts`.
    chunkFileNames: (chunk) => `${chunk.name.replace(/\.d$/, '')}-[hash].d.ts`,
  });
  await bundle.close();
}

async function main(): Promise<void> {
  const wanted = new Set(process.argv.slice(2).map((dir) => resolve(dir)));
  const host = sharedHost();
  for (const pkg of publishablePackages()) {
    if (wanted.size > 0 && !wanted.has(pkg.dir)) continue;
    await buildPackage(pkg, host);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(repoRoot, 'tools/build/declarations.ts')) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
