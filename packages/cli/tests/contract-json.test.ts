// `--format json` on every command that prints results: stdout is one JSON document with the
// documented keys and types, and nothing else. In-process (`runContract`); the binary's streams
// are checked by contract-streams.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoPolicy, goodTree, type Scratch, makeScratch, runContract } from './contract-support.js';

let scratch: Scratch = { dir: '', cleanup: () => undefined };

beforeAll(async () => {
  scratch = await makeScratch();
});

afterAll(() => {
  scratch.cleanup();
});

const string = expect.any(String) as unknown;
const number = expect.any(Number) as unknown;
const boolean = expect.any(Boolean) as unknown;
const array = expect.any(Array) as unknown;
const object = expect.any(Object) as unknown;

interface JsonCase {
  readonly name: string;
  readonly argv: readonly string[];
  /** Keys and types of the document (toMatchObject: extra keys are allowed). */
  readonly shape: unknown;
  /** Keys and types of the first element of `list`, when the document holds one. */
  readonly list?: { readonly key: string; readonly shape: unknown };
}

const jsonCases: readonly JsonCase[] = [
  {
    name: 'parse',
    argv: ['parse', '--format', 'json', echoPolicy],
    shape: { files: array },
    list: { key: 'files', shape: { file: string, kind: 'policy', statements: array } },
  },
  {
    name: 'check',
    argv: ['check', '--format', 'json', '--arch', 'x86_64', echoPolicy],
    shape: { policies: array, diagnostics: array, errors: 0, warnings: 0 },
    list: { key: 'policies', shape: { file: string, arch: 'x86_64', syscalls: number, errors: 0, warnings: 0 } },
  },
  {
    name: 'check (a policy with errors: diagnostics with file and range)',
    argv: ['check', '--format', 'json', 'x86_64/syntax.policy'],
    shape: { policies: array, diagnostics: array, errors: 1, warnings: 0 },
    list: {
      key: 'diagnostics',
      shape: { code: 'SC1005', severity: 'error', message: string, file: expect.stringMatching(/x86_64\/syntax\.policy$/) as unknown, range: { start: { line: 2, column: 8 }, end: object } },
    },
  },
  {
    name: 'check --format sarif',
    argv: ['check', '--format', 'sarif', 'x86_64/syntax.policy'],
    shape: { $schema: expect.stringContaining('sarif') as unknown, version: '2.1.0', runs: array },
    list: { key: 'runs', shape: { tool: { driver: { name: 'syscage' } }, results: [{ ruleId: 'SC1005', level: 'error', locations: array }] } },
  },
  {
    name: 'build --summary json',
    argv: ['build', '--summary', 'json', '-o', 'built-json', goodTree],
    shape: { ok: true, out: string, written: number, summary: array },
    list: { key: 'summary', shape: { arch: 'x86_64', files: number, failed: 0, instructions: number, meanCost: object, errors: 0, warnings: 0 } },
  },
  {
    name: 'disasm',
    argv: ['disasm', '--format', 'json', '--arch', 'x86_64', 'echo.bpf'],
    shape: { file: string, arch: 'x86_64', instructions: array },
    list: { key: 'instructions', shape: { pc: 0, code: number, jt: number, jf: number, k: number, mnemonic: string, operand: string, targets: array, comment: string } },
  },
  {
    name: 'simulate',
    argv: ['simulate', '--format', 'json', '--arch', 'x86_64', '--syscall', 'write', 'echo.bpf'],
    shape: { input: string, arch: 'x86_64', syscall: 'write', nr: 1, args: array, returnValue: number, action: 'allow', returnText: 'ALLOW', instructionsExecuted: number, path: array },
  },
  {
    name: 'explain',
    argv: ['explain', '--format', 'json', '--arch', 'x86_64', '--syscall', 'openat', echoPolicy],
    shape: { policy: string, arch: 'x86_64', syscall: 'openat', nr: 257, args: array, action: string, decision: { kind: 'rule', file: string, line: 15, column: 1 }, compiled: { returnValue: number, action: string, agrees: true } },
  },
  {
    name: 'stats',
    argv: ['stats', '--format', 'json', '--arch', 'x86_64', 'echo.bpf'],
    shape: { input: string, arch: 'x86_64', instructions: number, alwaysAllowed: number, conditional: number, denied: number, cacheCoverage: number, costUniform: number, maxCost: number, allowed: array },
    list: { key: 'allowed', shape: { nr: number, name: string, verdict: string, exact: boolean, cacheable: boolean, cost: number } },
  },
  {
    name: 'diff',
    argv: ['diff', '--format', 'json', '--arch', 'x86_64', 'echo.bpf', echoPolicy],
    shape: { old: string, new: string, arch: 'x86_64', result: 'same', added: 0, removed: 0, changed: 0, defaultAction: null, syscalls: [], otherNumbers: [], otherArchitectures: [] },
  },
  {
    name: 'audit',
    argv: ['audit', '--format', 'json', '--fail-on', 'none', '--arch', 'x86_64', 'echo.bpf'],
    shape: { input: string, arch: 'x86_64', device: false, counts: { high: number, medium: number, low: number, info: number }, findings: array },
    list: { key: 'findings', shape: { code: string, name: string, severity: string, message: string } },
  },
  {
    name: 'arch (the list)',
    argv: ['arch', '--format', 'json'],
    shape: expect.arrayContaining([expect.objectContaining({ name: 'x86_64', aliases: array, auditArch: 0xc000003e, bits: 64, endianness: 'little', syscallCount: number })]) as unknown,
  },
  {
    name: 'arch (one table)',
    argv: ['arch', '--format', 'json', 'aarch64'],
    shape: { name: 'aarch64', auditArch: 0xc00000b7, bits: 64, kernelVersion: string, syscalls: expect.objectContaining({ openat: 56 }) as unknown, constants: object },
  },
  {
    name: 'arch (a name resolved)',
    argv: ['arch', '--format', 'json', 'x86_64', '--syscall', 'openat'],
    shape: { arch: 'x86_64', syscall: { name: 'openat', number: 257 } },
  },
];

describe('--format json', { timeout: 60_000 }, () => {
  it.concurrent.each(jsonCases)('$name', async ({ argv, shape, list }) => {
    const result = await runContract(argv, { cwd: scratch.dir });
    expect(result.code, result.stderr).toBe(argv.includes('x86_64/syntax.policy') ? 1 : 0);
    const document = JSON.parse(result.stdout) as unknown;
    expect(document).toMatchObject(shape as object);
    if (list !== undefined) {
      const items = (document as Record<string, unknown[]>)[list.key];
      expect(items?.length).toBeGreaterThan(0);
      expect(items?.[0]).toMatchObject(list.shape as object);
    }
  });

  it('compile --format json writes the program as JSON (compile prints only a summary line)', async () => {
    const result = await runContract(['compile', '--format', 'json', '--arch', 'x86_64', '-o', 'echo.json', echoPolicy], { cwd: scratch.dir });
    expect(result.code).toBe(0);
    const program = JSON.parse(readFileSync(join(scratch.dir, 'echo.json'), 'utf8')) as { length: number; instructions: unknown[] };
    expect(program).toMatchObject({ arch: 'x86_64', auditArch: 0xc000003e, policy: string, defaultAction: string, length: number, instructions: array });
    expect(program.instructions).toHaveLength(program.length);
    expect(program.instructions[0]).toEqual({ code: 0x20, jt: 0, jf: 0, k: 4 });
  });

  it.concurrent.each<[string, string[]]>([
    ['stats', ['stats', '--arch', 'x86_64', 'echo.bpf']],
    ['arch', ['arch', 'riscv64']],
  ])('%s: --json is an alias of --format json', async (_name, argv) => {
    const [viaFormat, viaJson, text] = await Promise.all([
      runContract([...argv, '--format', 'json'], { cwd: scratch.dir }),
      runContract([...argv, '--json'], { cwd: scratch.dir }),
      runContract(argv, { cwd: scratch.dir }),
    ]);
    expect(viaFormat.code).toBe(0);
    expect(viaJson.stdout).toBe(viaFormat.stdout);
    expect(() => JSON.parse(viaFormat.stdout) as unknown).not.toThrow();
    expect(() => JSON.parse(text.stdout) as unknown).toThrow();
  });
});
