import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts', 'src/bin.ts'],
    format: ['esm'],
    dts: { entry: 'src/index.ts' },
    sourcemap: true,
    // Leave the separately built drop-in bin alone (both configs write into dist/ at once).
    clean: ['*.js', '*.js.map', '*.d.ts'],
    target: 'node20',
  },
  {
    // compile_seccomp_policy runs once per policy file in a VMM build, so its start-up time is
    // the cost per file: one bundled file (our packages from source, commander, the JSON parser)
    // loads several times faster than the same modules resolved through node_modules.
    entry: { 'minijail/compile-seccomp-policy': 'src/compile-seccomp-policy-bin.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    bundle: true,
    noExternal: [/.*/],
    splitting: false,
    sourcemap: false,
    clean: ['minijail'],
    // commander is CommonJS: give the bundle a real require for its node: built-ins.
    banner: { js: "import { createRequire as __syscageCreateRequire } from 'node:module';\nconst require = __syscageCreateRequire(import.meta.url);" },
    esbuildOptions(options) {
      options.conditions = ['@syscage/source'];
    },
  },
]);
