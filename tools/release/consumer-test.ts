/**
 * `pnpm release:consumer`: installs the packed tarballs with plain npm into scratch projects
 * outside the workspace and runs three consumers against them, as a user of the registry would:
 *
 * 1. parse-only: `@syscage/policy-parser` alone; its install must hold no code generator and
 *    no architecture table. Type-checked with tsc (`module: nodenext`) and run.
 * 2. compile-x86_64: compiles a policy for x86_64 through the library API (include-resolver's
 *    `./node` entry, bpf-codegen, arch-x86-64); its install must hold that one table only.
 *    Type-checked and run, the program checked with the emulator.
 * 3. cli: `npx syscage …` (version, check, a failing check, compile, and on x86_64 hosts
 *    `run --mode log`, which loads koffi and the launcher from the installed package).
 *
 * Our packages come only from the tarballs: each project depends on the tarballs it asks for
 * and pins every @syscage package to its tarball with npm `overrides`; its `.npmrc` points the
 * `@syscage` scope at an address where nothing listens, so a registry fetch of one of them
 * fails the install; and the lockfile is checked for `file:` sources. Third-party
 * dependencies (commander, picocolors, koffi) come from the registry.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packAll, type PackedPackage } from './pack.js';
import { kilobytes, repoRoot, run, seconds, table, type RunResult } from './workspace.js';

/** How one consumer project is set up and checked. */
interface Consumer {
  readonly name: string;
  /** The packages the user asks for; their @syscage dependencies are added from the tarballs. */
  readonly install: readonly string[];
  /** Exactly the @syscage packages the install must contain. */
  readonly expectedPackages: readonly string[];
  /** Files of the project (besides package.json and .npmrc). */
  readonly files: Readonly<Record<string, string>>;
  /** Runs the consumer; returns problems. */
  readonly exercise: (dir: string) => Promise<string[]>;
}

const tsconfig = JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      outDir: 'out',
      types: [],
      skipLibCheck: false,
    },
    include: ['index.ts'],
  },
  null,
  2,
);

const parseOnlySource = `import { formatDiagnostic, parsePolicy, type PolicyFile } from '@syscage/policy-parser';

const good: PolicyFile = parsePolicy('read: 1\\nwrite: arg0 == 1 || arg0 == 2\\n', 'good.policy');
if (good.diagnostics.length !== 0 || good.statements.length !== 2) {
  throw new Error(\`good.policy: \${JSON.stringify(good.diagnostics)}\`);
}
const bad = parsePolicy('read 1\\n', 'bad.policy');
const first = bad.diagnostics[0];
if (first === undefined || !/^SC1\\d{3}$/.test(first.code) || first.range.start.line !== 1) {
  throw new Error(\`bad.policy: expected an SC1xxx diagnostic on line 1, got \${JSON.stringify(bad.diagnostics)}\`);
}
const frame = formatDiagnostic(first, new Map([['bad.policy', 'read 1\\n']]));
if (!frame.includes('bad.policy:1:')) throw new Error(\`code frame without a location:\\n\${frame}\`);
console.log(\`parse-only ok: \${first.code} \${first.message}\`);
`;

const compileSource = `import { compilePolicy, emulate, encodeProgram } from '@syscage/bpf-codegen';
import { archX86_64 } from '@syscage/arch-x86-64';
import { resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';

// The project has no @types/node; the folder of app.policy is the first argument.
declare const process: { readonly argv: readonly string[] };
const resolved = resolvePolicy(process.argv[2] + '/app.policy', { host: createNodeHost(), arch: 'x86_64' });
const result = compilePolicy(resolved, archX86_64);
const errors = [...resolved.diagnostics, ...result.diagnostics].filter((d) => d.severity === 'error');
if (result.program === undefined || errors.length > 0) throw new Error(JSON.stringify(errors));
const program = result.program;
const bytes = encodeProgram(program);
if (bytes.length === 0 || bytes.length % 8 !== 0) throw new Error(\`bad .bpf length \${bytes.length}\`);
const call = (name: string, args: bigint[] = []) => {
  const nr = archX86_64.syscalls[name];
  if (nr === undefined) throw new Error(\`no syscall \${name}\`);
  const outcome = emulate(program, { nr, arch: archX86_64.auditArch, instructionPointer: 0n, args });
  if (!outcome.ok) throw new Error(\`emulation of \${name} failed\`);
  return outcome;
};
const expect = (what: string, actual: string, expected: string) => {
  if (actual !== expected) throw new Error(\`\${what}: expected \${expected}, got \${actual}\`);
};
expect('read', call('read').action, 'allow');
expect('write to fd 1', call('write', [1n]).action, 'allow');
expect('write to fd 3', call('write', [3n]).action, 'kill-thread');
expect('openat', call('openat').action, 'errno');
expect('openat errno', String(call('openat').data), '2');
expect('ptrace', call('ptrace').action, 'kill-thread');
console.log(\`compile-x86_64 ok: \${program.length} instructions, \${bytes.length} bytes\`);
`;

const appPolicy = `# consumer test policy
read: 1
write: arg0 == 1 || arg0 == 2
exit_group: 1
openat: return ENOENT
`;

// For `syscage run --mode log`: everything but exit_group is reported; mkdir would fail.
const mkdirPolicy = `exit_group: 1
mkdir: return EPERM
mkdirat: return EPERM
`;

function npmEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // pnpm sets npm_config_* variables for scripts; they must not steer the consumer's npm.
  for (const key of Object.keys(env)) if (key.toLowerCase().startsWith('npm_')) env[key] = undefined;
  env['NODE_OPTIONS'] = undefined;
  return env;
}

function expectRun(what: string, result: RunResult, code: number, output?: RegExp): string[] {
  const text = result.stdout + result.stderr;
  const problems: string[] = [];
  if (result.code !== code) problems.push(`${what}: exit ${result.code}, expected ${code}\n${text}`);
  else if (output && !output.test(text)) problems.push(`${what}: output does not match ${String(output)}\n${text}`);
  return problems;
}

async function typecheckAndRun(dir: string, args: readonly string[] = []): Promise<string[]> {
  const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
  const compiled = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir });
  if (compiled.code !== 0) return [`tsc (nodenext) failed:\n${compiled.stdout}${compiled.stderr}`];
  return expectRun('node out/index.js', await run(process.execPath, ['out/index.js', ...args], { cwd: dir }), 0, / ok: /);
}

function consumers(cliVersion: string): Consumer[] {
  const npx = (dir: string, ...args: string[]): Promise<RunResult> => run('npx', ['--no', '--', 'syscage', ...args], { cwd: dir, env: npmEnv() });
  return [
    {
      name: 'parse-only',
      install: ['@syscage/policy-parser'],
      expectedPackages: ['@syscage/policy-parser'],
      files: { 'index.ts': parseOnlySource, 'tsconfig.json': tsconfig },
      exercise: (dir) => typecheckAndRun(dir),
    },
    {
      name: 'compile-x86_64',
      install: ['@syscage/bpf-codegen', '@syscage/arch-x86-64'],
      expectedPackages: [
        '@syscage/arch-tables',
        '@syscage/arch-x86-64',
        '@syscage/bpf-codegen',
        '@syscage/include-resolver',
        '@syscage/policy-parser',
      ],
      files: { 'index.ts': compileSource, 'tsconfig.json': tsconfig, 'app.policy': appPolicy },
      exercise: (dir) => typecheckAndRun(dir, [dir]),
    },
    {
      name: 'cli',
      install: ['@syscage/cli'],
      expectedPackages: [],
      files: { 'x86_64/app.policy': appPolicy, 'bad.policy': 'read: 1\nwrite 1\n', 'x86_64/mkdir.policy': mkdirPolicy },
      exercise: async (dir) => {
        const problems = [
          ...expectRun('syscage --version', await npx(dir, '--version'), 0, new RegExp(cliVersion.replaceAll('.', '\\.'))),
          ...expectRun('syscage check', await npx(dir, 'check', 'x86_64/app.policy'), 0),
          ...expectRun('syscage check bad.policy', await npx(dir, 'check', '--arch', 'x86_64', 'bad.policy'), 1, /bad\.policy:2:/),
          ...expectRun('syscage compile', await npx(dir, 'compile', 'x86_64/app.policy', '-o', 'app.bpf'), 0),
        ];
        const bpf = join(dir, 'app.bpf');
        if (!existsSync(bpf) || statSync(bpf).size === 0 || statSync(bpf).size % 8 !== 0) problems.push('syscage compile wrote no valid app.bpf');
        if (arch() === 'x64') {
          // Log mode loads koffi and the launcher from the installed package and supervises the
          // command through the kernel's user notification: mkdir is reported, not stopped.
          problems.push(
            ...expectRun(
              'syscage run --mode log',
              await npx(dir, 'run', '--mode', 'log', '--policy', 'x86_64/mkdir.policy', '--', 'mkdir', join(dir, 'made-under-log')),
              0,
              /mkdir \(\d+\) x1 would fail with EPERM/,
            ),
          );
          if (!existsSync(join(dir, 'made-under-log'))) problems.push('syscage run --mode log: the command did not run');
        }
        return problems;
      },
    },
  ];
}

/** The @syscage packages `names` need, themselves included (from the tarballs' manifests). */
function dependencyClosure(names: readonly string[], byName: ReadonlyMap<string, PackedPackage>): string[] {
  const closure = new Set<string>();
  const visit = (name: string): void => {
    if (closure.has(name)) return;
    const packed = byName.get(name);
    if (!packed) throw new Error(`no tarball for ${name}`);
    closure.add(name);
    const dependencies = (packed.manifest['dependencies'] ?? {}) as Record<string, string>;
    for (const dependency of Object.keys(dependencies)) if (dependency.startsWith('@syscage/')) visit(dependency);
  };
  names.forEach(visit);
  return [...closure].sort();
}

function directorySize(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) total += directorySize(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

/** Runs the three consumers; prints a table and returns false when any failed. */
export async function runConsumerTest(options: { keep?: boolean; packed?: PackedPackage[] } = {}): Promise<boolean> {
  let started = Date.now();
  const packed = options.packed ?? (await packAll());
  if (!options.packed) console.log(`packed ${packed.length} packages (${seconds(Date.now() - started)})`);
  const byName = new Map(packed.map((item) => [item.pkg.name, item]));
  const cliVersion = byName.get('@syscage/cli')?.pkg.manifest.version ?? '';
  const scratch = mkdtempSync(join(tmpdir(), 'syscage-consumer-'));
  const rows: string[][] = [];
  let ok = true;
  for (const consumer of consumers(cliVersion)) {
    started = Date.now();
    const dir = join(scratch, consumer.name);
    mkdirSync(dir, { recursive: true });
    // The project asks for what a user would (`npm install @syscage/bpf-codegen …`); every
    // @syscage package, direct or transitive, is pinned to its tarball through `overrides`.
    // Without the overrides npm resolves a transitive `@syscage/arch-tables@^0.1.0` against the
    // registry even when the tarball of that version is among the packages being installed.
    const tarballOf = (name: string): string => `file:${byName.get(name)?.tarball ?? ''}`;
    const manifest = {
      name: `consumer-${consumer.name}`,
      private: true,
      type: 'module',
      dependencies: Object.fromEntries(consumer.install.map((name) => [name, tarballOf(name)])),
      overrides: Object.fromEntries([...byName.keys()].map((name) => [name, tarballOf(name)])),
    };
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    // Nothing listens on port 9 (discard): any attempt to fetch @syscage/* from a registry fails,
    // and so does the install. npm's retries stay on (fetch-retries is one setting for every
    // registry): the third-party dependencies come from the real registry, where with no retry one
    // dropped connection failed the consumer test and with it the CI run.
    writeFileSync(join(dir, '.npmrc'), '@syscage:registry=http://127.0.0.1:9/\nfetch-retries=3\nfund=false\naudit=false\nupdate-notifier=false\n');
    for (const [file, text] of Object.entries(consumer.files)) {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    const wanted = dependencyClosure(consumer.install, byName);
    const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: npmEnv() });
    const problems: string[] = [];
    if (installed.code !== 0) problems.push(`npm install failed:\n${installed.stdout}${installed.stderr}`);
    else {
      const present = existsSync(join(dir, 'node_modules/@syscage'))
        ? readdirSync(join(dir, 'node_modules/@syscage')).map((name) => `@syscage/${name}`).sort()
        : [];
      const expected = consumer.expectedPackages.length > 0 ? [...consumer.expectedPackages].sort() : wanted;
      if (JSON.stringify(present) !== JSON.stringify(expected)) {
        problems.push(`node_modules/@syscage holds ${present.join(', ')}; expected exactly ${expected.join(', ')}`);
      }
      const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
      for (const [path, entry] of Object.entries(lock.packages)) {
        if (path.includes('node_modules/@syscage/') && !entry.resolved?.startsWith('file:')) {
          problems.push(`${path} was not installed from a tarball (resolved: ${entry.resolved ?? 'none'})`);
        }
      }
      if (problems.length === 0) problems.push(...(await consumer.exercise(dir)));
    }
    const size = existsSync(join(dir, 'node_modules')) ? directorySize(join(dir, 'node_modules')) : 0;
    const ourSize = existsSync(join(dir, 'node_modules/@syscage')) ? directorySize(join(dir, 'node_modules/@syscage')) : 0;
    for (const problem of problems) console.error(`consumer ${consumer.name}: ${problem}`);
    ok &&= problems.length === 0;
    rows.push([consumer.name, problems.length === 0 ? 'ok' : 'FAILED', String(wanted.length), kilobytes(ourSize), kilobytes(size), seconds(Date.now() - started)]);
  }
  console.log(table(['consumer', 'result', '@syscage pkgs', '@syscage size', 'node_modules size', 'time'], rows));
  if (options.keep === true) console.log(`scratch projects kept in ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
  return ok;
}

