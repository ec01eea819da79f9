// The input layer reads each file of a tree once per run (snapshotHost), reuses the tree lint's
// parses, and a build hashes each shared source once; what every policy reports stays what
// resolving it on its own reports, an included file's problems included, and a file changed
// between two runs is read again.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lowerPolicy } from '@syscage/bpf-codegen';
import { type PolicyHost, type TreeFile, classifyPolicyFileName, createMemoryHost, createParseCache, defaultIncludeMap, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { parsePolicy } from '@syscage/policy-parser';
import { buildPolicyTree } from '../src/build/tree-build.js';
import { loadPolicies } from '../src/input.js';
import { isLoadedPolicyFile } from '../src/loaded-policy.js';
import { compileDefaults } from '../src/options.js';
import { snapshotHost } from '../src/snapshot-host.js';

const scratch = mkdtempSync(join(tmpdir(), 'syscage-load-once-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

// common_device.policy has a line that does not parse: every policy that includes it reports it.
const brokenCommon = '# every device\nread: allow\nwrite allow\nclose: allow\n';
const fixedCommon = '# every device\nread: allow\nwrite: allow\nclose: allow\n';
const files: Readonly<Record<string, string>> = {
  'x86_64/common_device.policy': brokenCommon,
  'x86_64/foo.policy': 'openat: allow\n',
  'x86_64/foo_device.policy': '@include /usr/share/policy/crosvm/common_device.policy\n@include /usr/share/policy/crosvm/foo.policy\n',
  'x86_64/bar.policy': 'fstat: allow\n',
  'x86_64/bar_device.policy': '# the bar device\n@include /usr/share/policy/crosvm/common_device.policy\n@include /usr/share/policy/crosvm/bar.policy\n',
  // Loaded although its name says building block: it has includes (crosvm's trees have such files).
  'x86_64/battery.policy': '@include /usr/share/policy/crosvm/common_device.policy\nlseek: allow\n',
  // Included by nothing: resolved on its own as a building block.
  'x86_64/spare.policy': 'getpid: allow\n',
};

function writeTree(name: string): string {
  const root = join(scratch, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** A host that counts what it is asked, per method and path. */
function countingHost(host: PolicyHost): { readonly host: PolicyHost; readonly asked: Map<string, number> } {
  const asked = new Map<string, number>();
  const count = (method: string, path: string): void => void asked.set(`${method} ${path}`, (asked.get(`${method} ${path}`) ?? 0) + 1);
  return {
    asked,
    host: {
      readFile: (path) => (count('readFile', path), host.readFile(path)),
      fileProblem: (path) => (count('fileProblem', path), host.fileProblem?.(path)),
      listDirectory: (path) => (count('listDirectory', path), host.listDirectory?.(path)),
      realPath: (path) => (count('realPath', path), host.realPath?.(path)),
    },
  };
}

describe('snapshotHost', () => {
  const inner = countingHost({
    ...createMemoryHost({ '/t/a.policy': 'read: allow\n' }),
    fileProblem: (path) => (path === '/t/a.policy' ? undefined : 'ENOENT'),
    realPath: (path) => (path.startsWith('/t') ? path : undefined),
  });
  const host = snapshotHost(inner.host);
  it.each<[string, (path: string) => unknown, string, unknown]>([
    ['readFile of a file', (path) => host.readFile(path), '/t/a.policy', 'read: allow\n'],
    ['readFile of a missing file', (path) => host.readFile(path), '/t/missing.policy', undefined],
    ['fileProblem', (path) => host.fileProblem?.(path), '/t/missing.policy', 'ENOENT'],
    ['listDirectory', (path) => host.listDirectory?.(path), '/t', [{ name: 'a.policy', isDirectory: false }]],
    ['realPath of a missing path', (path) => host.realPath?.(path), '/elsewhere', undefined],
  ])('%s: the wrapped host is asked once, the answer repeated', (_name, ask, path, expected) => {
    expect(ask(path)).toEqual(expected);
    expect(ask(path)).toEqual(expected);
    const method = _name.split(' ')[0] ?? '';
    expect(inner.asked.get(`${method} ${path}`)).toBe(1);
  });

  it('leaves out what the wrapped host does not have', () => {
    const plain = snapshotHost({ readFile: () => undefined });
    expect(['fileProblem', 'realPath', 'listDirectory'].filter((method) => method in plain)).toEqual([]);
  });
});

describe('loadPolicies reads a tree once per run', () => {
  const tree = writeTree('tree');

  it('asks the host for each file once per call, and reads a changed file on the next call', async () => {
    const first = countingHost(createNodeHost());
    const before = await loadPolicies({ paths: [tree], cwd: tree, includeMap: [], lint: 'off', host: first.host });
    const reads = [...first.asked].filter(([key]) => key.startsWith('readFile '));
    expect(reads.map(([key]) => key.slice('readFile '.length)).sort()).toEqual(Object.keys(files).map((path) => join(tree, path)).sort());
    expect(reads.every(([, times]) => times === 1)).toBe(true);
    const common = join(tree, 'x86_64/common_device.policy');
    expect(before.policies.filter((policy) => policy.diagnostics.some((diagnostic) => diagnostic.file === common)).length).toBe(3);

    writeFileSync(common, fixedCommon);
    try {
      const after = await loadPolicies({ paths: [tree], cwd: tree, includeMap: [], lint: 'off', host: countingHost(createNodeHost()).host });
      expect(after.sources.get(common)).toBe(fixedCommon);
      expect(after.policies.flatMap((policy) => policy.diagnostics)).toEqual([]);
      for (const policy of after.policies) {
        for (const file of policy.resolved.files) if (file.path === common) expect(file.text).toBe(fixedCommon);
      }
    } finally {
      writeFileSync(common, brokenCommon);
    }
  });

  it('reports for every policy what resolving it alone reports, the included file’s parse error in each', async () => {
    const input = await loadPolicies({ paths: [tree], cwd: tree, includeMap: [], lint: 'error', lowering: true });
    expect(input.policies.map((policy) => policy.file.slice(tree.length + 1))).toEqual([
      'x86_64/bar_device.policy',
      'x86_64/battery.policy',
      'x86_64/foo_device.policy',
      'x86_64/spare.policy',
    ]);
    const common = join(tree, 'x86_64/common_device.policy');
    for (const policy of input.policies) {
      // Each policy alone, with a fresh parse cache and the host as it is: what was done before.
      const alone = resolvePolicy(policy.file, { host: createNodeHost(), includeMap: defaultIncludeMap(policy.file), includeRoots: [tree], arch: 'x86_64' });
      const table = policy.table;
      if (table === undefined) throw new Error('no x86_64 table');
      expect(policy.diagnostics).toEqual([...alone.diagnostics, ...lowerPolicy(alone, table, { denylist: alone.denylist }).diagnostics]);
      const includesCommon = policy.resolved.files.some((file) => file.path === common);
      const parseError = policy.diagnostics.filter((diagnostic) => diagnostic.file === common && diagnostic.range.start.line === 3);
      expect(parseError.length).toBe(includesCommon ? 1 : 0);
      if (includesCommon && policy.file !== common) expect(parseError[0]?.related?.map((related) => related.file)).toEqual([policy.file]);
    }
  });
});

describe('isLoadedPolicyFile with the tree lint’s parse cache', () => {
  const path = '/t/x86_64/battery.policy';
  const file: TreeFile = { path, name: 'battery.policy', role: classifyPolicyFileName('battery.policy') };
  it.each<[string, string, string, boolean]>([
    ['a cached parse of the same text is used', '@include ./common_device.policy\n', '@include ./common_device.policy\n', true],
    ['a stale parse (the file gained an include) is not used', 'read: allow\n', '@include ./common_device.policy\n', true],
    ['a stale parse (the file lost its include) is not used', '@include ./common_device.policy\n', 'read: allow\n', false],
  ])('%s', (_name, cachedText, text, loaded) => {
    const cache = createParseCache();
    cache.policies.set(path, parsePolicy(cachedText, path));
    expect(isLoadedPolicyFile(file, createMemoryHost({ [path]: text }), cache)).toBe(loaded);
  });
});

describe('buildPolicyTree hashes each source once', () => {
  it('gives every source its SHA-256, hashing a file shared by several policies once', async () => {
    const tree = writeTree('hashed');
    writeFileSync(join(tree, 'x86_64/common_device.policy'), fixedCommon);
    const input = await loadPolicies({ paths: [tree], cwd: tree, includeMap: [], lint: 'off', buildingBlocks: false });
    const [loadedTree] = input.trees;
    if (loadedTree === undefined) throw new Error('no tree');
    let hashed = 0;
    const result = buildPolicyTree({
      input,
      tree: loadedTree,
      host: createNodeHost(),
      arches: 'all',
      compile: compileDefaults({}),
      format: 'bpf',
      verify: false,
      sha256: (bytes) => {
        hashed++;
        return createHash('sha256').update(bytes).digest('hex');
      },
    });
    if ('missingArch' in result) throw new Error('missing arch');
    expect(result.policies.map((policy) => [policy.name, policy.ok])).toEqual([
      ['bar_device', true],
      ['battery', true],
      ['foo_device', true],
    ]);
    const sources = result.policies.flatMap((policy) => policy.sources);
    for (const source of sources) {
      expect(source.sha256, source.path).toBe(createHash('sha256').update(input.sources.get(source.path) ?? '').digest('hex'));
    }
    // Six distinct sources (common_device once for three policies) and three programs.
    expect(new Set(sources.map((source) => source.path)).size).toBe(6);
    expect(hashed).toBe(6 + 3);
  });
});
