import { describe, expect, it } from 'vitest';
import { baseName, dirName, uniquePath, workspaceProblem } from '../src/workspace.js';

describe('paths', () => {
  it.each([
    ['/a/b/c.policy', 'c.policy', '/a/b'],
    ['/c.policy', 'c.policy', '/'],
    ['/policies/x86_64/common_device.policy', 'common_device.policy', '/policies/x86_64'],
  ])('%s has base name %s and folder %s', (path, base, folder) => {
    expect(baseName(path)).toBe(base);
    expect(dirName(path)).toBe(folder);
  });

  it.each([
    ['a free name', '/', 'new.policy', [], '/new.policy'],
    ['a taken name', '/', 'new.policy', ['/new.policy'], '/new-2.policy'],
    ['two taken names', '/d', 'new.policy', ['/d/new.policy', '/d/new-2.policy'], '/d/new-3.policy'],
    ['no extension', '/d', 'notes', ['/d/notes'], '/d/notes-2'],
  ])('uniquePath with %s', (_name, folder, wanted, taken, expected) => {
    expect(uniquePath(folder, wanted, taken)).toBe(expected);
  });
});

describe('workspaceProblem', () => {
  const file = { path: '/a.policy', text: 'read: 1\n' };
  it.each([
    ['null', null, 'not an object'],
    ['no arch', { entry: '/a.policy', files: [file] }, 'no architecture'],
    ['no entry', { arch: 'x86_64', files: [file] }, 'no entry file'],
    ['no files', { arch: 'x86_64', entry: '/a.policy', files: [] }, 'no files'],
    ['relative path', { arch: 'x86_64', entry: 'a.policy', files: [{ path: 'a.policy', text: '' }] }, 'a file path is not absolute'],
    ['text not a string', { arch: 'x86_64', entry: '/a.policy', files: [{ path: '/a.policy', text: 3 }] }, 'file /a.policy has no text'],
    ['duplicate paths', { arch: 'x86_64', entry: '/a.policy', files: [file, file] }, 'file /a.policy appears twice'],
    ['entry missing', { arch: 'x86_64', entry: '/b.policy', files: [file] }, 'the entry file is not among the files'],
    ['flags not an object', { arch: 'x86_64', entry: '/a.policy', files: [file], flags: 1 }, 'the compile flags are not an object'],
    ['an unknown flag', { arch: 'x86_64', entry: '/a.policy', files: [file], flags: { fast: true } }, 'unknown compile flag fast'],
    ['a flag not boolean', { arch: 'x86_64', entry: '/a.policy', files: [file], flags: { denylist: 'yes' } }, 'compile flag denylist is not true or false'],
    ['a valid workspace', { arch: 'x86_64', entry: '/a.policy', files: [file] }, undefined],
    ['a valid workspace with flags', { arch: 'x86_64', entry: '/a.policy', files: [file], flags: { denylist: true, optimize: false } }, undefined],
  ])('%s', (_name, value, expected) => {
    expect(workspaceProblem(value)).toBe(expected);
  });
});
