// `syscage build` touches nothing outside --out: a manifest in the out folder (edited, or
// committed by someone else) cannot make build delete other files, and a symbolic link inside
// the out folder is refused, naming it, instead of being followed (SECURITY.md, "build never
// touches files outside --out").
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { isBuildOutputName } from '../src/build/write.js';
import { runInProcess } from './helpers.js';

const fixtureTree = fileURLToPath(new URL('fixtures/build/default-from-policy/tree', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'syscage-out-safety-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

let work = '';
let tree = '';
let out = '';
let elsewhere = '';
let counter = 0;
beforeEach(() => {
  work = join(scratch, `case-${(counter++).toString()}`);
  tree = join(work, 'tree');
  out = join(work, 'out');
  elsewhere = join(work, 'elsewhere');
  cpSync(fixtureTree, tree, { recursive: true });
  mkdirSync(elsewhere, { recursive: true });
  writeFileSync(join(elsewhere, 'precious.txt'), 'keep me\n');
  writeFileSync(join(elsewhere, 'precious.bpf'), 'keep me too\n');
});

function plantManifest(outputs: readonly string[]): void {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'manifest.json'), JSON.stringify({ policies: outputs.map((output) => ({ output })) }));
}

function build(): Promise<{ code: number; stdout: string; stderr: string }> {
  return runInProcess(['build', 'tree', '--out', 'out'], work);
}

describe('build removes only its own files under --out', () => {
  it('does not follow a manifest entry through a symlinked folder', async () => {
    plantManifest(['evil/precious.txt', 'evil/precious.bpf']);
    symlinkSync(elsewhere, join(out, 'evil'));
    const result = await build();
    expect(readFileSync(join(elsewhere, 'precious.txt'), 'utf8')).toBe('keep me\n');
    expect(readFileSync(join(elsewhere, 'precious.bpf'), 'utf8')).toBe('keep me too\n');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('--out: out/evil is a symbolic link');
  });

  it.each([
    ['a path that leaves the folder', '../elsewhere/precious.bpf'],
    ['a file that is not an output', 'x86_64/../../elsewhere/precious.txt'],
    ['an absolute path', '/etc/passwd.bpf'],
  ])('ignores %s in the manifest', async (_name, entry) => {
    plantManifest([entry]);
    const result = await build();
    expect(result.code).toBe(0);
    expect(readdirSync(elsewhere).sort()).toEqual(['precious.bpf', 'precious.txt']);
  });

  it('does not remove a manifest-listed name that is not a regular file', async () => {
    plantManifest(['x86_64/gone.bpf']);
    mkdirSync(join(out, 'x86_64'));
    symlinkSync(join(elsewhere, 'precious.bpf'), join(out, 'x86_64/gone.bpf'));
    const result = await build();
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('out/x86_64/gone.bpf is a symbolic link');
    expect(readFileSync(join(elsewhere, 'precious.bpf'), 'utf8')).toBe('keep me too\n');
  });

  it('still removes a stale output that build wrote', async () => {
    plantManifest(['x86_64/old_device.bpf']);
    mkdirSync(join(out, 'x86_64'));
    writeFileSync(join(out, 'x86_64/old_device.bpf'), 'stale');
    const result = await build();
    expect(result.code).toBe(0);
    expect(existsSync(join(out, 'x86_64/old_device.bpf'))).toBe(false);
    expect(existsSync(join(out, 'x86_64/echo_device.bpf'))).toBe(true);
  });
});

describe('build writes only into real folders under --out', () => {
  it('refuses a symlinked architecture folder and writes nothing through it', async () => {
    mkdirSync(out, { recursive: true });
    symlinkSync(elsewhere, join(out, 'x86_64'));
    const result = await build();
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('--out: out/x86_64 is a symbolic link');
    expect(readdirSync(elsewhere).sort()).toEqual(['precious.bpf', 'precious.txt']);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });

  it('refuses a symlinked manifest', async () => {
    mkdirSync(out, { recursive: true });
    symlinkSync(join(elsewhere, 'precious.txt'), join(out, 'manifest.json'));
    const result = await build();
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('out/manifest.json is a symbolic link');
    expect(readFileSync(join(elsewhere, 'precious.txt'), 'utf8')).toBe('keep me\n');
  });

  it('accepts an out folder that is itself a link the user named', async () => {
    const real = join(work, 'real-out');
    mkdirSync(real);
    symlinkSync(real, out);
    const result = await build();
    expect(result.code).toBe(0);
    expect(lstatSync(join(real, 'x86_64/echo_device.bpf')).isFile()).toBe(true);
  });
});

describe('isBuildOutputName', () => {
  it.each([
    ['x86_64/a_device.bpf', true],
    ['aarch64/a.h', true],
    ['arm/a.json', true],
    ['a.bpf', false],
    ['x86_64/sub/a.bpf', false],
    ['../x/a.bpf', false],
    ['x86_64/..', false],
    ['x86_64/a.txt', false],
    ['/abs/a.bpf', false],
    ['x86_64/.bpf', false],
  ])('%s → %s', (path, expected) => {
    expect(isBuildOutputName(path)).toBe(expected);
  });
});

describe('build rewrites only outputs whose bytes change', () => {
  it('leaves an unchanged output in place and rewrites a changed one', async () => {
    writeFileSync(join(tree, 'x86_64', 'quiet.policy'), '# Reads its terminal settings only.\nioctl: arg1 == TCGETS\nfsync: allow\n');
    writeFileSync(join(tree, 'x86_64', 'quiet_device.policy'), '@include /usr/share/policy/crosvm/common_device.policy\n@include /usr/share/policy/crosvm/quiet.policy\n@default trap\n');
    expect((await build()).code).toBe(0);
    const outputs = readdirSync(join(out, 'x86_64')).filter((name) => name.endsWith('.bpf')).sort();
    const [kept, changed] = outputs.map((name) => join(out, 'x86_64', name));
    if (kept === undefined || changed === undefined) throw new Error('the fixture tree builds two policies');
    const keptInode = lstatSync(kept).ino;
    const right = readFileSync(changed);
    writeFileSync(changed, Buffer.concat([right.subarray(0, right.length - 1), Buffer.from([right[right.length - 1] === 0 ? 1 : 0])]));
    const changedInode = lstatSync(changed).ino;
    expect((await build()).code).toBe(0);
    expect(lstatSync(kept).ino).toBe(keptInode);
    expect(readFileSync(changed).equals(right)).toBe(true);
    expect(lstatSync(changed).ino).not.toBe(changedInode);
  });
});
