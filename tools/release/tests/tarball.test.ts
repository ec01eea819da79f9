/** The release tools' own logic that needs no packing: tarball reading and export stripping. */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { publishedExports } from '../manifests.js';
import { readTarball, table } from '../workspace.js';

/** One ustar header + data block, as npm writes them. */
function tarEntry(name: string, data: string, typeFlag = '0'): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write(`${Buffer.byteLength(data).toString(8).padStart(11, '0')}\0`, 124);
  header.write(typeFlag, 156);
  header.write('ustar\0', 257);
  const body = Buffer.alloc(Math.ceil(Buffer.byteLength(data) / 512) * 512);
  body.write(data);
  return Buffer.concat([header, body]);
}

describe('readTarball', () => {
  it.each([
    { name: 'one file', files: [['package/package.json', '{"name":"a"}']] },
    { name: 'a file over one block', files: [['package/dist/index.js', 'x'.repeat(1300)], ['package/README.md', '# a']] },
    { name: 'an empty file', files: [['package/dist/empty.js', '']] },
  ])('reads $name with sizes and contents', ({ files }) => {
    const archive = gzipSync(Buffer.concat([...files.map(([path, data]) => tarEntry(path ?? '', data ?? '')), Buffer.alloc(1024)]));
    const entries = readTarball(archive);
    expect(entries.map((entry) => [entry.path, entry.size, entry.data.toString('utf8')])).toEqual(
      files.map(([path, data]) => [(path ?? '').replace(/^package\//, ''), Buffer.byteLength(data ?? ''), data]),
    );
  });

  it('skips directory entries', () => {
    const archive = gzipSync(Buffer.concat([tarEntry('package/dist/', '', '5'), tarEntry('package/dist/a.js', 'a'), Buffer.alloc(1024)]));
    expect(readTarball(archive).map((entry) => entry.path)).toEqual(['dist/a.js']);
  });
});

describe('publishedExports', () => {
  it.each([
    {
      name: 'strips the source condition and keeps the order of the rest',
      exports: { '.': { '@syscage/source': './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js' }, './package.json': './package.json' },
      expected: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './package.json': './package.json' },
    },
    {
      name: 'handles several entries',
      exports: {
        '.': { '@syscage/source': './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js' },
        './node': { '@syscage/source': './src/node.ts', types: './dist/node.d.ts', import: './dist/node.js' },
      },
      expected: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './node': { types: './dist/node.d.ts', import: './dist/node.js' } },
    },
  ])('$name', ({ exports, expected }) => {
    const stripped = publishedExports(exports);
    expect(stripped).toEqual(expected);
    expect(JSON.stringify(stripped)).toBe(JSON.stringify(expected));
  });
});

describe('table', () => {
  it('pads text left and sizes right', () => {
    expect(table(['package', 'packed'], [['a', '1.5 kB'], ['long-name', '12.0 kB']]).split('\n')).toEqual([
      'package    packed',
      '---------  -------',
      'a           1.5 kB',
      'long-name  12.0 kB',
    ]);
  });
});
