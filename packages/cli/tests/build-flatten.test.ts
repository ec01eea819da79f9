// `syscage build --flatten`: every flattened file the manifest lists is read back from disk and
// must (1) pass `syscage check --dialect minijail-c` with no error and (2) be proved, by the exact
// decision procedure, to give the decision of the `.bpf` written next to it for every syscall and
// argument (the file lowered with the program's default action, which the jail's failure action
// stands for where libminijail loads it). A policy that cannot be flattened fails the build with a
// diagnostic naming its rule, and nothing claims otherwise. Run on fixture trees, on both shared
// crosvm trees, and on our own policies/ (all of which flatten).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadArchTable } from '@syscage/arch-tables';
import { type DefaultActionOption, decodeProgram, lowerPolicy, verifyProgram } from '@syscage/bpf-codegen';
import { createMemoryHost, resolvePolicy } from '@syscage/include-resolver';
import { sharedData } from '../../../tools/shared-data/index.js';
import { itWithShared } from '../../../tools/shared-data/vitest.js';
import { runInProcess } from './helpers.js';

interface Entry {
  readonly arch: string;
  readonly policy: string;
  readonly status: 'ok' | 'error';
  readonly output?: string;
  readonly defaultAction?: string;
  readonly flattened?: { readonly output: string; readonly sha256: string; readonly lines: number; readonly verified?: string };
  readonly diagnostics: readonly { readonly code: string; readonly severity: string; readonly location: string }[];
}

// Whole corpora built and flattened; a loaded machine runs them many times slower: the timeout catches a hang only.
vi.setConfig({ testTimeout: 900_000 });
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'syscage-build-flatten-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** The manifest's `defaultAction` (`trap`, `errno 1`) as the option that gives it. */
function defaultOption(text: string): DefaultActionOption {
  const errno = /^errno (\d+)$/.exec(text);
  return errno?.[1] === undefined ? (text as DefaultActionOption) : { errno: Number(errno[1]) };
}

/**
 * Checks every entry of a build's manifest; returns one line per problem. `flatten` tells how
 * many entries were flattened and how many failed for a flattening refusal.
 */
async function checkFlattenedBuild(out: string): Promise<{ problems: string[]; flattened: number; refused: number; entries: readonly Entry[] }> {
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { policies: Entry[]; killAction: string };
  const problems: string[] = [];
  let flattened = 0;
  let refused = 0;
  const byArch = new Map<string, string[]>();
  for (const entry of manifest.policies) {
    if (entry.status === 'error') {
      if (entry.diagnostics.some((diagnostic) => diagnostic.severity === 'error' && /^SC403[0-4]$/.test(diagnostic.code))) refused++;
      else problems.push(`${entry.policy}: failed without a flattening refusal`);
      if (existsSync(join(out, entry.policy))) problems.push(`${entry.policy}: failed, yet a flattened file is there`);
      continue;
    }
    const flat = entry.flattened;
    if (flat === undefined || entry.output === undefined || entry.defaultAction === undefined) {
      problems.push(`${entry.policy}: compiled but not flattened`);
      continue;
    }
    flattened++;
    const text = readFileSync(join(out, flat.output), 'utf8');
    if (createHash('sha256').update(text).digest('hex') !== flat.sha256) problems.push(`${flat.output}: hash differs from the manifest`);
    byArch.set(entry.arch, [...(byArch.get(entry.arch) ?? []), join(out, flat.output)]);

    const loaded = await loadArchTable(entry.arch, (specifier) => import(specifier));
    if (!loaded.ok) throw new Error(loaded.message);
    const table = loaded.table;
    const program = decodeProgram(new Uint8Array(readFileSync(join(out, entry.output))), { byteOrder: table.endianness }).program;
    const path = join(out, flat.output);
    const resolved = resolvePolicy(path, { host: createMemoryHost({ [path]: text }), dialect: 'minijail-c', arch: table.name });
    const lowered = lowerPolicy(resolved, table, { defaultAction: defaultOption(entry.defaultAction), useKillProcess: manifest.killAction === 'kill-process' });
    if (lowered.policy === undefined) {
      problems.push(`${flat.output}: does not lower`);
      continue;
    }
    const verdict = verifyProgram(lowered.policy, program);
    if (verdict.result !== 'proved') {
      problems.push(`${flat.output}: ${verdict.result === 'undecided' ? `undecided: ${verdict.reason}` : `syscall ${verdict.counterexample.input.nr}: flattened ${verdict.counterexample.expected.action}, .bpf ${verdict.counterexample.actual.action}`}`);
    }
    if (flat.verified !== 'proved') problems.push(`${entry.policy}: the manifest does not record the flattened file as proved`);
  }
  for (const [arch, files] of byArch) {
    // The dialect is what this checks; the reviewer's lint asks for comments a generated file does not carry.
    const check = await runInProcess(['check', '--dialect', 'minijail-c', '--no-review-lint', '--arch', arch, ...files], out);
    if (check.code !== 0 || check.stderr.includes('error[')) problems.push(`check --dialect minijail-c (${arch}): exit ${check.code}\n${check.stderr.slice(0, 2000)}`);
  }
  return { problems, flattened, refused, entries: manifest.policies };
}

function writeTree(root: string, files: Readonly<Record<string, string>>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
}

describe('syscage build --flatten on fixture trees', () => {
  it('writes a proved, C-dialect-clean file next to each program and lists it in the manifest', async () => {
    const tree = join(scratch, 'merged/tree');
    // ioctl gets rules from two files and prctl a condition with `||`, as crosvm's trees do:
    // the shape libminijail's run-time parser refuses until it is flattened.
    writeTree(tree, {
      'x86_64/common_device.policy': 'read: 1\nwrite: 1\nioctl: arg1 == TCGETS\nprctl: arg0 == PR_SET_NAME || arg0 == PR_GET_NAME\n',
      'x86_64/net_device.policy': '@include /usr/share/policy/crosvm/common_device.policy\nioctl: arg1 == TIOCGWINSZ\nopenat: return ENOENT\n',
      'x86_64/echo_device.policy': '@include /usr/share/policy/crosvm/common_device.policy\n@default trap\nclone: arg0 & 0x10000\n',
      'aarch64/common_device.policy': 'read: 1\nmmap: arg2 in 0x3\n',
      'aarch64/net_device.policy': '@include /usr/share/policy/crosvm/common_device.policy\nopenat: return EACCES\n',
    });
    const out = join(scratch, 'merged/out');
    // The naming convention is not what this tests (the trees are deliberately small).
    const result = await runInProcess(['build', tree, '--out', out, '--flatten', '--lint', 'off', '--no-audit'], scratch);
    expect(result.stderr).not.toContain('error[');
    expect(result.code).toBe(0);
    // echo_device's @default cannot be carried (libminijail applies the jail's failure action).
    expect(result.stderr).toContain('warning[SC4033]');
    const { problems, flattened, entries } = await checkFlattenedBuild(out);
    expect(problems).toEqual([]);
    expect(flattened).toBe(3);
    expect(entries.find((entry) => entry.policy === 'x86_64/net_device.policy')?.flattened).toMatchObject({ output: 'x86_64/net_device.policy', lines: 5, verified: 'proved' });
    const text = readFileSync(join(out, 'x86_64/net_device.policy'), 'utf8');
    expect(text.split('\n').filter((line) => line.startsWith('ioctl:'))).toEqual(['ioctl: arg1 == 0x5401 || arg1 == 0x5413']);
    expect(text).toMatch(/^# Flattened by syscage from x86_64\/net_device\.policy for x86_64; do not edit\.\n/);
  });

  it('fails a policy it cannot flatten, names the rule, and leaves no file claiming success', async () => {
    const tree = join(scratch, 'refused/tree');
    writeTree(tree, {
      'x86_64/common_device.policy': 'read: 1\n',
      'x86_64/net_device.policy': '@include /usr/share/policy/crosvm/common_device.policy\nopenat: arg2 == O_RDONLY; return EACCES\n',
      'x86_64/echo_device.policy': '@include /usr/share/policy/crosvm/common_device.policy\nwrite: 1\n',
    });
    const out = join(scratch, 'refused/out');
    // A first build without the refused rule leaves files the failing build must take back.
    writeFileSync(join(tree, 'x86_64/net_device.policy'), '@include /usr/share/policy/crosvm/common_device.policy\nopenat: 1\n');
    expect((await runInProcess(['build', tree, '--out', out, '--flatten', '--default-action', 'trap', '--lint', 'off', '--no-audit'], scratch)).code).toBe(0);
    expect(existsSync(join(out, 'x86_64/net_device.policy'))).toBe(true);
    writeFileSync(join(tree, 'x86_64/net_device.policy'), '@include /usr/share/policy/crosvm/common_device.policy\nopenat: arg2 == O_RDONLY; return EACCES\n');

    const result = await runInProcess(['build', tree, '--out', out, '--flatten', '--default-action', 'trap', '--lint', 'off', '--no-audit'], scratch);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/x86_64\/net_device\.policy:2:1: error\[SC4030\]/);
    const { problems, flattened, refused } = await checkFlattenedBuild(out);
    expect(problems).toEqual([]);
    expect([flattened, refused]).toEqual([1, 1]);
    expect(existsSync(join(out, 'x86_64/net_device.bpf'))).toBe(false);
    expect(existsSync(join(out, 'x86_64/net_device.policy'))).toBe(false);

    // Built again without --flatten, the flattened files of the earlier build are taken back.
    writeFileSync(join(tree, 'x86_64/net_device.policy'), '@include /usr/share/policy/crosvm/common_device.policy\nopenat: 1\n');
    expect((await runInProcess(['build', tree, '--out', out, '--default-action', 'trap', '--lint', 'off', '--no-audit'], scratch)).code).toBe(0);
    expect(existsSync(join(out, 'x86_64/echo_device.policy'))).toBe(false);
    expect(existsSync(join(out, 'x86_64/echo_device.bpf'))).toBe(true);
  });
});

describe('syscage build --flatten on the shared crosvm trees', () => {
  for (const name of ['crosvm-2022-06', 'crosvm-2026-08']) {
    const corpus = sharedData(`corpus/${name}`);
    itWithShared(`${name}: every loaded policy flattened, checked and proved`, [corpus], async () => {
      const out = join(scratch, name);
      // crosvm's build: trap for what a policy does not list; its tree does not follow our naming lint.
      const result = await runInProcess(['build', corpus.path, '--out', out, '--flatten', '--default-action', 'trap', '--lint', 'off', '--no-audit'], scratch);
      expect(result.stderr).not.toContain('error[');
      expect(result.code).toBe(0);
      const { problems, flattened, refused } = await checkFlattenedBuild(out);
      console.log(`build --flatten ${name}: ${flattened} flattened, ${refused} refused`);
      expect(problems).toEqual([]);
      expect(refused).toBe(0);
      expect(flattened).toBeGreaterThan(70);
    });
  }
});

describe('syscage build --flatten on policies/', () => {
  it('flattens every loaded policy of every architecture, checked and proved', async () => {
    const out = join(scratch, 'policies');
    const result = await runInProcess(['build', join(repo, 'policies'), '--out', out, '--flatten'], scratch);
    expect(result.stderr).not.toContain('error[');
    expect(result.code).toBe(0);
    const { problems, flattened, refused, entries } = await checkFlattenedBuild(out);
    console.log(`build --flatten policies/: ${flattened} flattened, ${refused} refused of ${entries.length}`);
    expect(problems).toEqual([]);
    expect(refused).toBe(0);
    expect(flattened).toBe(entries.length);
    expect(flattened).toBeGreaterThan(200);
  });
});
