// What the built compile_seccomp_policy loads at start-up: it runs once per policy in a VMM build,
// so a successful compile must not load what it does not use: commander's child_process (with
// net and dgram) and the standard streams (tty or net, opened only to print) are loaded on first
// use. Timing is the cold-start benchmark's job (bench/cold-start.ts); this checks the
// mechanism, which a change of bundling or an eager import would silently undo.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatMinijailArchJson, loadArchTable } from '@syscage/arch-tables';

const bin = fileURLToPath(new URL('../dist/minijail/compile-seccomp-policy.cjs', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'syscage-csp-start-'));
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** Node's built-in modules the bin loaded beyond a bare start, and how it ended. */
function loadedModules(args: readonly string[]): { loaded: string[]; status: number | null; stderr: string } {
  const probe = [
    'const before = new Set(process.moduleLoadList);',
    "process.on('exit', () => { require('node:fs').writeSync(3, JSON.stringify(process.moduleLoadList.filter((name) => !before.has(name)))); });",
    `process.argv = [process.argv[0], ${JSON.stringify(bin)}, ...${JSON.stringify(args)}];`,
    `require(${JSON.stringify(bin)});`,
  ].join('\n');
  const result = spawnSync(process.execPath, ['-e', probe], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe', 'pipe'], encoding: 'utf8' });
  const report = result.output[3] ?? '[]';
  return { loaded: JSON.parse(report === '' ? '[]' : report) as string[], status: result.status, stderr: result.stderr };
}

// In this order even under vitest --sequence.shuffle: the second test writes the constants.json the later ones read.
describe('compile_seccomp_policy start-up', { shuffle: false }, () => {
  it('is built', () => {
    expect(existsSync(bin), `${bin} is missing: run \`pnpm build\``).toBe(true);
  });

  it('compiles a policy without loading child_process, net, dgram or tty', async () => {
    const loaded = await loadArchTable('x86_64', (specifier) => import(specifier));
    if (!loaded.ok) throw new Error(loaded.message);
    writeFileSync(join(folder, 'constants.json'), formatMinijailArchJson(loaded.table));
    writeFileSync(join(folder, 'echo.policy'), 'read: 1\nwrite: 1\nioctl: arg1 == TCGETS || arg1 == TIOCGWINSZ\nexit_group: 1\n');
    const run = loadedModules(['--arch-json', 'constants.json', '--default-action', 'trap', 'echo.policy', 'echo.bpf']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(existsSync(join(folder, 'echo.bpf'))).toBe(true);
    const heavy = run.loaded.filter((name) => /\b(child_process|net|dgram|tty)$/.test(name));
    expect(heavy).toEqual([]);
  });

  // The bin runs the bundled program from the V8 code cache the build trained (src/minijail/code-cache.ts).
  // V8 itself compares only the source's length, so a cache is used only with the program text whose
  // SHA-256 it was stamped with; without a usable cache the program compiles from source, same output.
  it.each([
    { name: 'the built cache', change: () => undefined, use: 'accepted' },
    {
      name: 'a cache stamped for other program text',
      change: (dir: string) => {
        const program = join(dir, 'compile-seccomp-policy.program.cjs');
        const text = readFileSync(program, 'utf8');
        writeFileSync(program, `${text.slice(0, -1)}${text.endsWith('0') ? '1' : '0'}`);
      },
      use: 'stale',
    },
    {
      name: 'no cache',
      change: (dir: string) => {
        rmSync(join(dir, 'compile-seccomp-policy.program.cache'));
      },
      use: 'absent',
    },
  ] satisfies { name: string; change: (dir: string) => void; use: string }[])('runs the program with $name: code cache $use, same program', ({ name, change, use }) => {
    const dir = join(folder, name.replaceAll(' ', '-'));
    cpSync(dirname(bin), dir, { recursive: true });
    change(dir);
    const args = ['--arch-json', 'constants.json', '--default-action', 'trap', 'echo.policy'];
    const run = spawnSync(process.execPath, [join(dir, basename(bin)), ...args, `${name}.bpf`], {
      cwd: folder,
      encoding: 'utf8',
      env: { ...process.env, SYSCAGE_CODE_CACHE: 'report' },
    });
    expect(run.stderr).toBe(`code cache: ${use}\n`);
    expect(run.status).toBe(0);
    expect(readFileSync(join(folder, `${name}.bpf`))).toEqual(readFileSync(join(folder, 'echo.bpf')));
  });

  it('still loads what an error needs: a bad constants.json is reported at its line and column', () => {
    writeFileSync(join(folder, 'bad.json'), '{\n  "arch_nr": "x"\n}\n');
    const run = loadedModules(['--arch-json', 'bad.json', 'echo.policy', 'bad.bpf']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/bad\.json:2:\d+: error\[SC6/);
  });
});
