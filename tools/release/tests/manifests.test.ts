/** The packaging rules of manifests.ts and pack.ts, on made-up manifests and tarballs. */
import { describe, expect, it } from 'vitest';
import { manifestProblems } from '../manifests.js';
import { tarballProblems, type PackedPackage } from '../pack.js';
import type { PackageManifest, WorkspacePackage } from '../workspace.js';

const good: PackageManifest = {
  name: '@syscage/example',
  version: '0.1.0',
  type: 'module',
  exports: {
    '.': { '@syscage/source': './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js' },
    './package.json': './package.json',
  },
  types: './dist/index.d.ts',
  files: ['dist'],
  sideEffects: false,
  engines: { node: '>=20' },
  repository: { type: 'git', url: 'git+https://github.com/syscage/syscage.git', directory: 'packages/example' },
  publishConfig: {
    access: 'public',
    exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './package.json': './package.json' },
  },
};

function pkg(manifest: PackageManifest): WorkspacePackage {
  return { name: manifest.name, shortName: 'example', dir: '/repo/packages/example', relDir: 'packages/example', manifest };
}

describe('manifestProblems', () => {
  it('accepts the shape every package shares', () => {
    expect(manifestProblems(pkg(good))).toEqual([]);
  });

  it.each([
    { name: 'CommonJS type', change: { type: 'commonjs' }, problem: '"type" must be "module"' },
    { name: 'side effects', change: { sideEffects: true }, problem: '"sideEffects" must be false' },
    { name: 'no engines', change: { engines: {} }, problem: '"engines.node" is missing' },
    { name: 'wrong directory', change: { repository: { directory: 'packages/other' } }, problem: '"repository.directory"' },
    { name: 'src published', change: { files: ['dist', 'src'] }, problem: 'must not list src' },
    {
      name: 'types after import',
      change: {
        exports: { '.': { '@syscage/source': './src/index.ts', import: './dist/index.js', types: './dist/index.d.ts' }, './package.json': './package.json' },
      },
      problem: '"types" must come first',
    },
    {
      name: 'a require condition',
      change: {
        exports: {
          '.': { '@syscage/source': './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js', require: './dist/index.cjs' },
          './package.json': './package.json',
        },
      },
      problem: 'has "require"',
    },
    {
      name: 'a new entry missing from publishConfig',
      change: {
        exports: {
          '.': { '@syscage/source': './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js' },
          './node': { '@syscage/source': './src/node.ts', types: './dist/node.d.ts', import: './dist/node.js' },
          './package.json': './package.json',
        },
      },
      problem: '"publishConfig" is out of date',
    },
    { name: 'no source condition', change: { exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './package.json': './package.json' } }, problem: 'must start with the "@syscage/source" condition' },
  ])('reports $name', ({ change, problem }) => {
    const problems = manifestProblems(pkg({ ...good, ...change }));
    expect(problems.some((text) => text.includes(problem))).toBe(true);
  });
});

function packed(manifest: Record<string, unknown>, paths: readonly string[]): PackedPackage {
  return {
    pkg: pkg(good),
    tarball: '/tmp/example.tgz',
    packedBytes: 0,
    unpackedBytes: 0,
    entries: paths.map((path) => ({ path, size: 0, data: Buffer.alloc(0) })),
    manifest,
  };
}

describe('tarballProblems', () => {
  const files = ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts'];
  const published = { name: '@syscage/example', exports: good.publishConfig?.['exports'], dependencies: { '@syscage/policy-parser': '^0.1.0' } };

  it('accepts what pnpm pack makes of a good package', () => {
    expect(tarballProblems(packed(published, files))).toEqual([]);
  });

  it.each([
    { name: 'a workspace range', manifest: { ...published, dependencies: { '@syscage/policy-parser': 'workspace:^' } }, paths: files, problem: 'workspace: range' },
    { name: 'the source condition', manifest: { ...published, exports: good.exports }, paths: files, problem: '@syscage/source condition' },
    { name: 'a source file', manifest: published, paths: [...files, 'src/index.ts'], problem: 'unexpected file in the tarball: src/index.ts' },
    { name: 'no README', manifest: published, paths: files.filter((file) => file !== 'README.md'), problem: 'no README.md' },
    { name: 'no LICENSE', manifest: published, paths: files.filter((file) => file !== 'LICENSE'), problem: 'no LICENSE' },
  ])('reports $name', ({ manifest, paths, problem }) => {
    expect(tarballProblems(packed(manifest, paths)).some((text) => text.includes(problem))).toBe(true);
  });
});
