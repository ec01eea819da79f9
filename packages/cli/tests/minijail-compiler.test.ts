// Minijail's own compiler on our `syscage arch NAME --format minijail-json` output: for a few
// policies of each architecture (from policies/, and from crosvm-2026-08 when the shared corpus is
// here), Minijail's `compile_seccomp_policy.py` must accept the constants.json we write, and the
// program it compiles must be proved, by the exact decision procedure, to give the same decision
// as ours (the drop-in `compile_seccomp_policy` with the same command line) for every input.
//
// Minijail is not a dependency: point SYSCAGE_MINIJAIL_TOOLS at the `tools/` folder of a Minijail
// checkout (github.com/google/minijail); it is run as a program from there, in a temporary
// folder, and nothing of it is kept. Without it (or without python3) the test skips, saying why.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadArchTable } from '@syscage/arch-tables';
import { decodeProgram, lowerArch, verifyEquivalent } from '@syscage/bpf-codegen';
import { sharedData } from '../../../tools/shared-data/index.js';
import { runCompileSeccompPolicy } from '../src/minijail/compile-seccomp-policy.js';
import { runInProcess } from './helpers.js';

const run = promisify(execFile);
const tools = process.env.SYSCAGE_MINIJAIL_TOOLS;
const compiler = tools === undefined ? undefined : join(tools, 'compile_seccomp_policy.py');
const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const skipReason =
  compiler === undefined
    ? "SYSCAGE_MINIJAIL_TOOLS is not set (the tools/ folder of a Minijail checkout, github.com/google/minijail)"
    : !existsSync(compiler)
      ? `${compiler} does not exist`
      : python.status !== 0
        ? 'python3 is not installed'
        : undefined;

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const corpus = sharedData('corpus/crosvm-2026-08');
const arches = ['x86_64', 'aarch64', 'riscv64'] as const;
// A few loaded policies of each tree: several includes deep, with conditions and errno rules.
const samples: readonly { readonly tree: string; readonly root: string; readonly names: readonly string[]; readonly present: boolean }[] = [
  { tree: 'policies', root: join(repo, 'policies'), names: ['net_device', 'block_device', 'gpu_device', 'serial_device'], present: true },
  { tree: 'crosvm-2026-08', root: corpus.path, names: ['net_device', 'block_device', 'gpu_device', 'xhci_device'], present: corpus.present },
];

const scratch = mkdtempSync(join(tmpdir(), 'syscage-minijail-compiler-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Copies an architecture folder as crosvm's build does: the install prefix replaced by `.`. */
function copyFolder(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (name === 'constants.json') continue;
    const text = readFileSync(join(from, name), 'utf8');
    writeFileSync(join(to, name), text.replaceAll('/usr/share/policy/crosvm', '.'));
  }
}

const quiet = (cwd: string): Parameters<typeof runCompileSeccompPolicy>[1] => ({ stdout: () => undefined, stderr: () => undefined, color: false, cwd, debug: false });

describe("Minijail's compile_seccomp_policy.py on our constants.json", () => {
  if (skipReason !== undefined) {
    it.skip(`skipped: ${skipReason}`, () => undefined);
    return;
  }
  const cases = samples
    .filter((sample) => sample.present)
    .flatMap((sample) => arches.map((arch) => ({ ...sample, arch })))
    .filter(({ root, arch }) => existsSync(join(root, arch)));

  it.each(cases)('$tree $arch: accepted, and every decision equals ours', async ({ tree, root, arch, names }) => {
    const folder = join(scratch, tree, arch);
    copyFolder(join(root, arch), folder);
    const written = await runInProcess(['arch', arch, '--format', 'minijail-json', '-o', join(folder, 'constants.json')], folder);
    expect(written.code, written.stderr).toBe(0);
    const loaded = await loadArchTable(arch, (specifier) => import(specifier));
    if (!loaded.ok) throw new Error(loaded.message);
    const table = loaded.table;

    const present = names.filter((name) => existsSync(join(folder, `${name}.policy`)));
    expect(present.length).toBeGreaterThan(0);
    const problems: string[] = [];
    await Promise.all(
      present.map(async (name) => {
        const args = ['--arch-json', 'constants.json', '--default-action', 'trap', `${name}.policy`];
        try {
          await run('python3', [compiler ?? '', ...args, `${name}.minijail.bpf`], { cwd: folder });
        } catch (error) {
          problems.push(`${name}: Minijail refused it: ${(error as { stderr?: string }).stderr ?? String(error)}`);
        }
      }),
    );
    for (const name of present) {
      if (!existsSync(join(folder, `${name}.minijail.bpf`))) continue;
      const code = runCompileSeccompPolicy(['--arch-json', 'constants.json', '--default-action', 'trap', `${name}.policy`, `${name}.syscage.bpf`], quiet(folder), {});
      if (code !== 0) {
        problems.push(`${name}: syscage exited ${code}`);
        continue;
      }
      const program = (file: string): ReturnType<typeof decodeProgram>['program'] =>
        decodeProgram(new Uint8Array(readFileSync(join(folder, file))), { byteOrder: table.endianness }).program;
      const verdict = verifyEquivalent(
        { kind: 'filter', programs: [program(`${name}.minijail.bpf`)] },
        { kind: 'filter', programs: [program(`${name}.syscage.bpf`)] },
        lowerArch(table),
      );
      if (verdict.result === 'undecided') problems.push(`${name}: undecided: ${verdict.reason}`);
      else if (verdict.result === 'counterexample') {
        const { input, expected, actual } = verdict.counterexample;
        problems.push(`${name}: nr ${input.nr} (${input.args.map((value) => `0x${value.toString(16)}`).join(', ')}): Minijail ${expected.action}, syscage ${actual.action}`);
      }
    }
    expect(problems).toEqual([]);
  }, 600_000);
});
