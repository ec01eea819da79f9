// `syscage build` on the repository's own policies/ tree and on crosvm's 2022 tree, plus the
// command's formats, determinism, stale-output handling and exit codes.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProgram, validateProgram } from '@syscage/bpf-codegen';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Manifest } from '../src/build/manifest.js';
import { buildGenerator } from '../src/commands/build.js';
import { version } from '../src/index.js';
import { sharedData } from '../../../tools/shared-data/index.js';
import { describeWithShared } from '../../../tools/shared-data/vitest.js';
import { type CliResult, binPath, runInProcess, spawnCli } from './helpers.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const crosvm = sharedData('corpus/crosvm-2022-06');
const corpus = crosvm.path;
const architectures = ['aarch64', 'arm', 'riscv64', 'x86_64'] as const;

// Whole-tree builds take a few seconds of CPU each, and ten times that in wall time on the shared
// 2-core machine under load (building policies/ took 37-54 s at load 25): the timeouts catch a
// hang only.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });
const scratch = mkdtempSync(join(tmpdir(), 'syscage-build-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function readManifest(out: string): Manifest {
  return JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Every file under `folder`, relative path → bytes. */
function snapshot(folder: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (relativePath: string): void => {
    for (const name of readdirSync(join(folder, relativePath)).sort()) {
      const path = relativePath === '' ? name : `${relativePath}/${name}`;
      if (statSync(join(folder, path)).isDirectory()) walk(path);
      else files.set(path, readFileSync(join(folder, path)).toString('base64'));
    }
  };
  walk('');
  return files;
}

/** Loaded policies of a tree (the repository's by default), by the naming convention (devices and helper processes). */
function loadedPolicies(arch: string, tree = join(repoRoot, 'policies')): string[] {
  return readdirSync(join(tree, arch))
    .filter((name) => name !== 'common_device.policy' && /(_device(_vhost_user|_vvu)?|_process)\.policy$/.test(name))
    .sort();
}

/**
 * A copy of part of the repository tree in a new folder under the scratch folder: for each
 * architecture (the same devices in each, as the tree's lint asks), common_device (with its
 * frequency file) and each named device's block and loaded policy (`rng` → `rng.policy`, `rng_device.policy`), which is all a device policy includes. For
 * the tests of one option or of what a rebuild keeps, where building every policy of the tree
 * (about a second of CPU per architecture) checks nothing more.
 */
function treeSubset(name: string, arches: readonly string[], devices: readonly string[]): string {
  const tree = join(scratch, name);
  for (const arch of arches) {
    const files = ['common_device.policy', 'common_device.frequency', ...devices.flatMap((device) => [`${device}.policy`, `${device}_device.policy`])];
    for (const file of files) cpSync(join(repoRoot, 'policies', arch, file), join(tree, arch, file));
  }
  return tree;
}

/** A helper process's policy: self-contained, without common_device. */
const isProcess = (policy: string): boolean => policy.endsWith('_process.policy');

describe('syscage build policies/ (the repository tree)', () => {
  const out = join(scratch, 'tree');
  let result: CliResult;
  let manifest: Manifest;

  beforeAll(async () => {
    // No DIR and a relative --out: the default tree is policies/ under the working directory.
    result = await runInProcess(['build', '--out', out], repoRoot);
    manifest = readManifest(out);
  });

  it('compiles every loaded policy for every architecture with no error and no warning', () => {
    // The reviewer's lint and the audit run by default: no warning, no finding at high that a
    // comment above its rule does not acknowledge (the jail warden's mounts and namespaces).
    expect(result.stderr).not.toMatch(/(error|warning)\[/);
    expect(result.stderr).toContain('audit: 0 findings at or above high, 24 more acknowledged in the policies\n');
    expect(result.code).toBe(0);
    expect(manifest.ok).toBe(true);
    expect(manifest.treeDiagnostics).toEqual([]);
    expect(manifest.summary.map((row) => row.arch)).toEqual([...architectures]);
    for (const arch of architectures) {
      const built = manifest.policies.filter((entry) => entry.arch === arch);
      expect(built.map((entry) => entry.policy)).toEqual(loadedPolicies(arch).map((name) => `${arch}/${name}`));
      for (const entry of built) {
        expect(entry.status).toBe('ok');
        expect(entry.diagnostics).toEqual([]);
        expect(entry.defaultAction).toBe('kill-process');
        // Every written filter was proved to do what its policy says, for every input.
        expect(entry.verified, entry.policy).toBe('proved');
      }
      expect(manifest.summary.find((row) => row.arch === arch)).toMatchObject({ failed: 0, errors: 0, warnings: 0 });
    }
  });

  it('offers the same devices and variants on every architecture', () => {
    const names = architectures.map((arch) => loadedPolicies(arch).join(','));
    expect(new Set(names).size).toBe(1);
    expect(loadedPolicies('x86_64').length).toBeGreaterThanOrEqual(40);
  });

  it('records outputs that match the written files, and sources that match the tree', () => {
    for (const entry of manifest.policies) {
      const bytes = readFileSync(join(out, entry.output ?? ''));
      expect(sha256(bytes), entry.policy).toBe(entry.outputSha256);
      const decoded = decodeProgram(bytes);
      expect(decoded.program.length).toBe(entry.instructions);
      expect(validateProgram(decoded.program)).toEqual([]);
      expect(entry.sources[0]).toMatchObject({ path: entry.policy, role: 'entry' });
      for (const source of entry.sources) {
        expect(sha256(readFileSync(join(repoRoot, 'policies', source.path))), source.path).toBe(source.sha256);
      }
      // Every device policy reads common_device and its frequency file; a process policy only itself.
      if (isProcess(entry.policy)) expect(entry.sources.map((source) => source.path)).toEqual([entry.policy]);
      else {
        expect(entry.sources.map((source) => source.path)).toEqual(
          expect.arrayContaining([`${entry.arch}/common_device.policy`, `${entry.arch}/common_device.frequency`]),
        );
      }
    }
  });

  it('lets the kernel cache every unconditionally allowed syscall', () => {
    for (const entry of manifest.policies) {
      expect(entry.analysis?.cacheCoverage, entry.policy).toBe(1);
      expect(entry.analysis?.unreachable).toBe(0);
      // virtual_ext2, a single-threaded image builder, needs the fewest.
      expect(entry.analysis?.syscalls.alwaysAllowed).toBeGreaterThan(isProcess(entry.policy) ? 15 : 40);
      // Every policy filters some syscall by its arguments (at least clone, ioctl, mmap, prctl).
      expect(entry.analysis?.syscalls.conditional).toBeGreaterThanOrEqual(4);
      expect(entry.analysis?.cost.cached).toBeLessThan(entry.analysis?.cost.frequency ?? 0);
    }
  });

  it('prints one summary row per architecture', () => {
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^arch\s+files\s+failed\s+instructions\s+uniform\s+frequency\s+cached\s+cache\s+errors\s+warnings$/);
    for (const arch of architectures) {
      const count = loadedPolicies(arch).length;
      expect(result.stdout).toMatch(new RegExp(`^${arch}\\s+${count}\\s+0\\s+\\d+\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+\\s+100\\.0%\\s+0\\s+0$`, 'm'));
    }
    expect(lines.at(-1)).toMatch(/^built \d+ files; manifest at /);
  });

  it('records the generator, whose version is the CLI version', () => {
    expect(manifest.generator).toBe(buildGenerator);
    expect(buildGenerator).toBe(`syscage ${version}`);
  });

  // Built again into the same folder (x86_64 of a copy of the tree): see 'gives identical bytes
  // when built again into the same folder, …' below.
  it('gives identical bytes when built again into another folder', async () => {
    const sibling = join(scratch, 'tree-again');
    expect((await runInProcess(['build', '--out', sibling], repoRoot)).code).toBe(0);
    expect(snapshot(sibling)).toEqual(snapshot(out));
  });
});

describe('syscage build options', () => {
  // One aarch64 build serves two tests: --summary json changes only what stdout says. The tree
  // has another architecture's folder, which --arch must leave out.
  const arm64Tree = treeSubset('arm64-tree', ['aarch64', 'x86_64'], ['block', 'net', 'rng']);
  const arm64Out = join(scratch, 'arm64');
  let arm64Build: Promise<CliResult> | undefined;
  const buildArm64 = (): Promise<CliResult> => (arm64Build ??= runInProcess(['build', arm64Tree, '--arch', 'arm64', '--summary', 'json', '--out', arm64Out], repoRoot));

  it('builds one architecture with --arch, accepting aliases', async () => {
    const out = arm64Out;
    const result = await buildArm64();
    expect(result.code).toBe(0);
    const manifest = readManifest(out);
    expect(manifest.summary.map((row) => row.arch)).toEqual(['aarch64']);
    expect(new Set(manifest.policies.map((entry) => entry.arch))).toEqual(new Set(['aarch64']));
    expect(existsSync(join(out, 'x86_64'))).toBe(false);
  });

  it('writes C headers with --format c-header', async () => {
    const out = join(scratch, 'headers');
    const tree = treeSubset('headers-tree', ['riscv64'], ['block', 'net']);
    const result = await runInProcess(['build', tree, '--arch', 'riscv64', '--format', 'c-header', '--out', out], repoRoot);
    expect(result.code).toBe(0);
    const manifest = readManifest(out);
    const entry = manifest.policies.find((candidate) => candidate.policy === 'riscv64/block_device.policy');
    expect(entry?.output).toBe('riscv64/block_device.h');
    const text = readFileSync(join(out, 'riscv64/block_device.h'), 'utf8');
    expect(text).toContain('static const struct sock_fprog block_device_riscv64_prog');
    expect(text).toContain(`.len = ${String(entry?.instructions)},`);
    expect(sha256(Buffer.from(text))).toBe(entry?.outputSha256);
  });

  it('writes programs as JSON with --format json', async () => {
    const out = join(scratch, 'json');
    const tree = treeSubset('json-tree', ['x86_64'], ['net', 'block']);
    const result = await runInProcess(['build', tree, '--arch', 'x86_64', '--format', 'json', '--out', out], repoRoot);
    expect(result.code).toBe(0);
    const entry = readManifest(out).policies.find((candidate) => candidate.policy === 'x86_64/net_device.policy');
    const program = JSON.parse(readFileSync(join(out, 'x86_64/net_device.json'), 'utf8')) as Record<string, unknown>;
    expect(program).toMatchObject({
      arch: 'x86_64',
      auditArch: 0xc000003e,
      policy: 'x86_64/net_device.policy',
      defaultAction: 'kill-process',
      length: entry?.instructions,
    });
    const instructions = program.instructions as { code: number; jt: number; jf: number; k: number }[];
    expect(instructions).toHaveLength(entry?.instructions ?? -1);
    // The first instruction loads seccomp_data.arch (offset 4).
    expect(instructions[0]).toEqual({ code: 0x20, jt: 0, jf: 0, k: 4 });
  });

  it('prints the summary as JSON with --summary json', async () => {
    const out = arm64Out;
    const result = await buildArm64();
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { ok: boolean; written: number; summary: Manifest['summary'] };
    expect(summary.ok).toBe(true);
    expect(summary.written).toBe(loadedPolicies('aarch64', arm64Tree).length);
    expect(summary.summary).toEqual(readManifest(out).summary);
  });

  it('gives identical bytes when built again into the same folder, and removes outputs of an earlier build that no longer compile or no longer exist', async () => {
    // Devices beside the two changed ones, and another architecture's folder.
    const tree = treeSubset('mutable-tree', ['x86_64', 'aarch64'], ['rng', 'pmem', 'block', 'net']);
    const out = join(scratch, 'mutable-out');
    expect((await runInProcess(['build', tree, '--arch', 'x86_64', '--out', out], repoRoot)).code).toBe(0);
    expect(existsSync(join(out, 'x86_64/rng_device.bpf'))).toBe(true);
    expect(existsSync(join(out, 'x86_64/pmem_device.bpf'))).toBe(true);
    // Unchanged, built again into the same folder: the same bytes.
    const first = snapshot(out);
    expect((await runInProcess(['build', tree, '--arch', 'x86_64', '--out', out], repoRoot)).code).toBe(0);
    expect(snapshot(out)).toEqual(first);

    // Break rng's block and delete pmem's loaded policy.
    writeFileSync(join(tree, 'x86_64/rng.policy'), 'openat: return ENOENT\nnot_a_syscall: allow\n');
    rmSync(join(tree, 'x86_64/pmem_device.policy'));
    const result = await runInProcess(['build', tree, '--arch', 'x86_64', '--out', out], repoRoot);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/x86_64\/rng\.policy:2:1: error\[SC4\d{3}\]/);
    const manifest = readManifest(out);
    expect(manifest.ok).toBe(false);
    expect(manifest.policies.find((entry) => entry.policy === 'x86_64/rng_device.policy')?.status).toBe('error');
    expect(existsSync(join(out, 'x86_64/rng_device.bpf'))).toBe(false);
    expect(existsSync(join(out, 'x86_64/pmem_device.bpf'))).toBe(false);
    expect(existsSync(join(out, 'x86_64/block_device.bpf'))).toBe(true);
  });

  it.each([
    ['an unknown architecture', ['--arch', 'sparc'], /--arch: unknown architecture 'sparc'/],
    ['an architecture the tree lacks', ['tests/fixtures/build/include-map/tree', '--arch', 'x86_64'], /has no folder for x86_64/],
    ['a bad default action', ['--default-action', 'maybe'], /--default-action maybe: expected kill, kill-process/],
    ['a size budget that is no share', ['--size-budget', 'lots'], /--size-budget lots: expected a share/],
    ['a relative include-map prefix', ['--include-map', 'usr=policies'], /--include-map usr=policies: expected FROM=TO with an absolute FROM/],
    ['a bad lint level', ['--lint', 'loud'], /argument 'loud' is invalid/],
    ['an out folder inside the tree', ['policies', '--out', 'policies/x86_64/out'], /--out: policies\/x86_64\/out is inside the policy tree/],
  ])('exits 2 for %s', async (_name, args, message) => {
    const out = join(scratch, 'usage');
    const cwd = args[0]?.startsWith('tests/') === true ? fileURLToPath(new URL('..', import.meta.url)) : repoRoot;
    const result = await runInProcess(args.includes('--out') ? ['build', ...args] : ['build', ...args, '--out', out], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });

  it('exits 3 when the tree does not exist', async () => {
    const result = await runInProcess(['build', 'no-such-tree', '--out', join(scratch, 'io')], repoRoot);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('cannot read the policy tree no-such-tree: no such folder; a policy tree is a folder with one sub-folder per architecture');
  });

  // Issue 20 item 12: without ./policies, build said "not a directory".
  it('says how to name a tree when there is no ./policies', async () => {
    const result = await runInProcess(['build', '--out', join(scratch, 'none')], scratch);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      "syscage: no policy tree here: ./policies does not exist; give the tree's folder (`syscage build path/to/policies`); a policy tree is a folder with one sub-folder per architecture (x86_64/, aarch64/, …) holding .policy files\n",
    );
    writeFileSync(join(scratch, 'a-file'), 'read: 1\n');
    const file = await runInProcess(['build', 'a-file', '--out', join(scratch, 'none')], scratch);
    expect(file.stderr).toContain('cannot read the policy tree a-file: it is a file, not a folder;');
  });
});

const hasBinary = existsSync(binPath);
describe.skipIf(!hasBinary)(`the built syscage binary${hasBinary ? '' : ' (skipped: run `pnpm build` first)'}`, () => {
  it('builds a tree to the same bytes as the in-process run', async () => {
    // Part of the arm tree: what crosses the process boundary is the same for every policy.
    const tree = treeSubset('spawn-tree', ['arm', 'x86_64'], ['block', 'net', 'rng', 'gpu']);
    const spawnedOut = join(scratch, 'spawned');
    const inProcessOut = join(scratch, 'in-process');
    const spawned = spawnCli(['build', tree, '--arch', 'arm', '--out', spawnedOut], { cwd: repoRoot });
    expect(spawned.code, spawned.stderr).toBe(0);
    expect(spawned.stdout).toMatch(/^arm\s+4\s+0\s/m);
    expect((await runInProcess(['build', tree, '--arch', 'arm', '--out', inProcessOut], repoRoot)).code).toBe(0);
    expect(snapshot(spawnedOut)).toEqual(snapshot(inProcessOut));
  });

  it('exits 1 with file:line:col when a policy fails', () => {
    const fixture = fileURLToPath(new URL('./fixtures/build/_error_/unknown-syscall', import.meta.url));
    const result = spawnCli(['build', 'tree', '--out', join(scratch, 'spawned-error')], { cwd: fixture });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('tree/x86_64/typo.policy:2:1: error[SC4001]');
  });
});

describeWithShared('syscage build on crosvm 2022', [crosvm], () => {
  it('compiles every policy with --lint warn --default-action trap', async () => {
    const out = join(scratch, 'crosvm');
    // crosvm's tree has audit findings (its `arg1 & 0x6400` ioctl rules admit TIOCSTI): not what this checks.
    const result = await runInProcess(['build', corpus, '--lint', 'warn', '--no-audit', '--default-action', 'trap', '--out', out], repoRoot);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('error[');
    const manifest = readManifest(out);
    expect(manifest.ok).toBe(true);
    expect(manifest.summary.map((row) => row.arch)).toEqual(['aarch64', 'arm', 'x86_64']);
    for (const arch of ['aarch64', 'arm', 'x86_64']) {
      const loaded = readdirSync(join(corpus, arch)).filter((name) => name !== 'common_device.policy' && name.endsWith('_device.policy'));
      const built = manifest.policies.filter((entry) => entry.arch === arch).map((entry) => entry.policy);
      expect(built).toEqual(expect.arrayContaining(loaded.map((name) => `${arch}/${name}`)));
    }
    for (const entry of manifest.policies) {
      expect(entry.status).toBe('ok');
      expect(entry.defaultAction).toBe('trap');
      expect(sha256(readFileSync(join(out, entry.output ?? '')))).toBe(entry.outputSha256);
    }
  });
});
