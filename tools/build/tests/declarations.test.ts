import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PackageManifest, WorkspacePackage } from '../../release/workspace.js';
import { declarationEntries } from '../declarations.js';

const dir = '/repo/packages/demo';

function pkg(exports: PackageManifest['exports']): WorkspacePackage {
  return { name: '@syscage/demo', shortName: 'demo', dir, relDir: 'packages/demo', manifest: { name: '@syscage/demo', version: '0.1.0', exports } };
}

const entry = (types: string, source: string) => ({ '@syscage/source': source, types, import: types.replace(/\.d\.ts$/, '.js') });

describe('declarationEntries', () => {
  const cases: { name: string; exports: PackageManifest['exports']; entries: { name: string; source: string }[] }[] = [
    { name: 'one entry', exports: { '.': entry('./dist/index.d.ts', './src/index.ts'), './package.json': './package.json' }, entries: [{ name: 'index', source: join(dir, 'src/index.ts') }] },
    {
      name: 'a subpath export is an entry of its own',
      exports: { '.': entry('./dist/index.d.ts', './src/index.ts'), './node': entry('./dist/node.d.ts', './src/node.ts') },
      entries: [
        { name: 'index', source: join(dir, 'src/index.ts') },
        { name: 'node', source: join(dir, 'src/node.ts') },
      ],
    },
    { name: 'an export without types has no declarations', exports: { './data.json': { import: './data.json' } }, entries: [] },
    { name: 'an export without a source file is not built here', exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } }, entries: [] },
    { name: 'no exports', exports: undefined, entries: [] },
  ];
  it.each(cases)('$name', ({ exports, entries }) => {
    expect(declarationEntries(pkg(exports))).toEqual(entries);
  });

  it('refuses types outside dist/', () => {
    expect(() => declarationEntries(pkg({ '.': entry('./types/index.d.ts', './src/index.ts') }))).toThrow('packages/demo: exports types ./types/index.d.ts is not dist/<name>.d.ts');
  });
});
