import { type Options, defineConfig } from 'tsup';
import { fileURLToPath } from 'node:url';
import { trainCodeCache } from './src/minijail/code-cache-training.js';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * Bundles `specifier` (imported from a file whose path matches `importer`) as a module that
 * loads the real one on first use. compile_seccomp_policy never spawns a subcommand nor colours
 * a diagnostic in a build, yet commander requires `node:child_process` (which loads net, dgram
 * and the stream stack) and picocolors reads `process.stdout` (which opens the stream) as soon as
 * they are evaluated: in a process per policy that is start-up time paid for nothing.
 */
function lazyModule(specifier: string, importer: RegExp, exports: 'proxy' | readonly string[]): Plugin {
  const namespace = `lazy:${specifier}`;
  return {
    name: namespace,
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${specifier.replace(/[.:]/g, '\\$&')}$`) }, (args) =>
        args.namespace === namespace || !importer.test(args.importer) ? undefined : { path: specifier, namespace, pluginData: args.resolveDir },
      );
      build.onLoad({ filter: /.*/, namespace }, (args) => {
        const load = `let loaded; const real = () => (loaded ??= require(${JSON.stringify(specifier)}));`;
        // A CommonJS importer reads properties through a Proxy; an ES importer needs named exports
        // that exist when the shim is evaluated, so they are functions that forward the call.
        const body =
          exports === 'proxy'
            ? 'module.exports = new Proxy({}, { get: (_, key) => real()[key] });'
            : exports.map((name) => `exports.${name} = (...args) => real().${name}(...args);`).join('\n');
        return { contents: `${load}\n${body}`, loader: 'js', resolveDir: args.pluginData as string };
      });
    },
  };
}

export default defineConfig([
  {
    // What tools/build/javascript.mjs builds for the other packages (the declarations come from
    // the root build:declarations task), plus the bin.
    entry: ['src/index.ts', 'src/bin.ts'],
    format: ['esm'],
    dts: false,
    sourcemap: true,
    // tsup removes every file of dist/ but these: the declarations (written before this build)
    // and the drop-in bin's folder, which the second config writes at the same time (its three
    // files, overwritten, so it cleans nothing).
    clean: ['!**/*.d.ts', '!minijail/**'],
    target: 'node20',
  },
  {
    // compile_seccomp_policy runs once per policy file in a VMM build, so its start-up time is
    // the cost per file: one bundled file (our packages from source, commander, the JSON parser)
    // loads several times faster than the same modules resolved through node_modules, and as
    // CommonJS (`.cjs`) it skips Node's ES module loader, which costs more than the file's own
    // top-level code. Modules it rarely needs are loaded on first use (see lazyModule). The bin
    // itself is a small loader that runs the program with a V8 code cache (src/minijail/code-cache.ts),
    // written by onSuccess below.
    entry: {
      'minijail/compile-seccomp-policy': 'src/compile-seccomp-policy-bin.ts',
      'minijail/compile-seccomp-policy.program': 'src/compile-seccomp-policy-program.ts',
    },
    format: ['cjs'],
    platform: 'node',
    target: 'node20',
    bundle: true,
    noExternal: [/.*/],
    splitting: false,
    sourcemap: false,
    clean: false,
    // Keep `node:` specifiers as written, so lazyModule sees commander's `node:child_process`.
    removeNodeProtocol: false,
    // The JSON syntax-tree reader is needed only when constants.json has something to report.
    esbuildPlugins: [
      lazyModule('node:child_process', /commander/, 'proxy'),
      lazyModule('picocolors', /\/src\/output\.ts$/, ['createColors']),
      lazyModule('@humanwhocodes/momoa', /\/minijail-json\.ts$/, ['parse']),
    ],
    // Less text to scan at start-up; names are kept, so stack traces and profiles stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    esbuildOptions(options) {
      options.conditions = ['@syscage/source'];
    },
    // Trained on two of the repository's crosvm-shaped device policies (each includes
    // common_device.policy and its device's blocks, with argument conditions and errno returns).
    onSuccess: () =>
      trainCodeCache({
        bin: fileURLToPath(new URL('dist/minijail/compile-seccomp-policy.cjs', import.meta.url)),
        program: fileURLToPath(new URL('dist/minijail/compile-seccomp-policy.program.cjs', import.meta.url)),
        cache: fileURLToPath(new URL('dist/minijail/compile-seccomp-policy.program.cache', import.meta.url)),
        policies: fileURLToPath(new URL('../../policies/x86_64', import.meta.url)),
        train: ['gpu_device.policy', 'block_device.policy'],
      }),
  },
]);
