/**
 * How every package's tsup config builds its bundled declarations (`dts`), in one place.
 *
 * - `customConditions: []`: the workspace's `@syscage/source` condition is dropped for the
 *   declaration build only, so an import of another `@syscage/*` package resolves to that
 *   package's built `dist/*.d.ts` (turbo builds dependencies first, `^build`) instead of
 *   pulling its whole source tree into this package's program. With the condition, `cli`'s
 *   declaration build read and checked every package of the repository again.
 * - `noCheck: true`: emit declarations without type-checking the program. `pnpm lint`
 *   (`tsc --noEmit` per package, run by CI) is the type check; checking again in every build
 *   cost most of `pnpm build`'s CPU time (see CONTRIBUTING.md, "How long the loop takes").
 *
 * A package whose sources name `NodeJS.*` types (`cli`, `jail-runner`) uses
 * {@link nodeDeclarationCompilerOptions}: the base tsconfig loads no global types, and without the
 * dependencies' sources nothing else loads Node's. The others do not load them: parsing all of
 * `@types/node` costs about 1.5 s of CPU per package.
 */
export const declarationCompilerOptions = {
  customConditions: [],
  noCheck: true,
};

/** {@link declarationCompilerOptions} plus Node's global types, for the Node-only packages. */
export const nodeDeclarationCompilerOptions = { ...declarationCompilerOptions, types: ['node'] };
