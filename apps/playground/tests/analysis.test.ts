import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeWorkspace, filesReachedFrom } from '../src/analysis.js';
import { STARTER_WORKSPACE, type PolicyWorkspace, type WorkspaceFile } from '../src/workspace.js';
import { APP_ROOT } from './support/build-app.js';

const POLICY_TREE = join(APP_ROOT, '..', '..', 'policies');

function treeFiles(arch: string): WorkspaceFile[] {
  return readdirSync(join(POLICY_TREE, arch))
    .filter((name) => name.endsWith('.policy') || name.endsWith('.frequency'))
    .map((name) => ({ path: `/policies/${arch}/${name}`, text: readFileSync(join(POLICY_TREE, arch, name), 'utf8') }));
}

function workspace(files: Record<string, string>, entry = Object.keys(files)[0] ?? ''): PolicyWorkspace {
  return { arch: 'x86_64', entry, files: Object.entries(files).map(([path, text]) => ({ path, text })) };
}

const codes = (value: PolicyWorkspace): string[] => analyzeWorkspace(value).diagnostics.map((diagnostic) => `${diagnostic.file} ${diagnostic.code}`);

describe('analyzeWorkspace', () => {
  it.each([
    ['the starter workspace', STARTER_WORKSPACE, []],
    ['a relative include between tabs', workspace({ '/a.policy': '@include ./b.policy\nread: 1\n', '/b.policy': 'write: 1\n' }), []],
    ['an absolute include between tabs', workspace({ '/d/a.policy': '@include /d/b.policy\n', '/d/b.policy': 'write: 1\n' }), []],
    ['a parse error in an included tab', workspace({ '/a.policy': '@include ./b.policy\n', '/b.policy': 'write: allwo\n' }), ['/b.policy SC1005']],
    ['a parse error in a tab nothing includes', workspace({ '/a.policy': 'read: 1\n', '/c.policy': 'read: arg0 ==\n' }), ['/c.policy SC1010']],
  ])('%s', (_name, value, expected) => {
    expect(codes(value)).toEqual(expected);
  });

  it('reports an include of a file that is not open against the include statement', () => {
    const [diagnostic, ...rest] = analyzeWorkspace(workspace({ '/a.policy': 'read: 1\n@include ./missing.policy\n' })).diagnostics;
    expect(rest).toEqual([]);
    expect(diagnostic?.code).toMatch(/^SC2\d{3}$/);
    expect(diagnostic?.file).toBe('/a.policy');
    expect(diagnostic?.range.start.line).toBe(2);
  });

  it('merges the rules of included tabs in include order', () => {
    const { resolved } = analyzeWorkspace(workspace({ '/a.policy': 'read: 1\n@include ./b.policy\nclose: 1\n', '/b.policy': 'write: 1\n' }));
    expect(resolved.syscalls.map((syscall) => syscall.name)).toEqual(['read', 'write', 'close']);
  });
});

describe('filesReachedFrom', () => {
  it('opens a device policy of the tree with exactly the files it includes', () => {
    const tree = treeFiles('x86_64');
    const entry = '/policies/x86_64/net_device.policy';
    const files = filesReachedFrom(entry, tree, 'x86_64');
    expect(files[0]?.path).toBe(entry);
    expect(files.map((file) => file.path)).toContain('/policies/x86_64/common_device.policy');
    expect(files.length).toBeLessThan(tree.length);
    expect(analyzeWorkspace({ arch: 'x86_64', entry, files }).diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
  });
});
