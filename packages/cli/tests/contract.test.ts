// The command-line contract: every command's exit codes (0 ok, 1 policy errors, 2 usage, 3 I/O;
// `run` passes the target's status on), errors that name file:line:column, usage errors with
// suggestions, and no stack trace without --debug. Rows run in-process (`runContract`); the rows
// marked `spawn` and the --version and --debug cases run the built binary as a user runs it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helpExamples } from '../src/help-examples.js';
import { runCli } from '../src/index.js';
import { blockPolicy, containerProfile, echoPolicy, goodTree, type Scratch, makeScratch, runContract, spawnCliAsync, stackFrame, syntaxErrorAt, syntaxErrorTree } from './contract-support.js';

let scratch: Scratch = { dir: '', cleanup: () => undefined };

beforeAll(async () => {
  scratch = await makeScratch();
  // A profile whose defaultAction is no action: import's policy error (SC4041) at 1:19.
  writeFileSync(join(scratch.dir, 'bad-action.json'), '{"defaultAction": 5}\n');
});

afterAll(() => {
  scratch.cleanup();
});

interface ExitCase {
  readonly argv: readonly string[];
  readonly code: number;
  /** What stderr must say (and, for policy errors, where). */
  readonly stderr: RegExp;
  /** Run through the built binary: one row per exit code, and `run`'s passing on of the target's status. */
  readonly spawn?: true;
}

// One row per command and exit code. The scratch folder is the working directory.
const exitCases: Readonly<Record<string, readonly [string, ExitCase][]>> = {
  parse: [
    ['ok', { argv: ['parse', echoPolicy], code: 0, stderr: /^$/ , spawn: true }],
    ['a syntax error', { argv: ['parse', 'x86_64/syntax.policy'], code: 1, stderr: syntaxErrorAt , spawn: true }],
    ['a bad --format', { argv: ['parse', '--format', 'xml', echoPolicy], code: 2, stderr: /argument 'xml' is invalid/ , spawn: true }],
    ['a missing file', { argv: ['parse', 'missing.policy'], code: 3, stderr: /cannot read missing\.policy: ENOENT/ , spawn: true }],
  ],
  check: [
    ['ok', { argv: ['check', '--arch', 'x86_64', echoPolicy], code: 0, stderr: /^$/ }],
    ['a syntax error', { argv: ['check', 'x86_64/syntax.policy'], code: 1, stderr: syntaxErrorAt }],
    ['a misspelt flag', { argv: ['check', '--lnt', 'off', echoPolicy], code: 2, stderr: /unknown option '--lnt'\n\(Did you mean --lint\?\)/ }],
    ['a missing file', { argv: ['check', 'missing.policy'], code: 3, stderr: /missing\.policy:1:1: error\[SC2001\]/ }],
  ],
  compile: [
    ['ok', { argv: ['compile', '--arch', 'x86_64', '-o', 'ok.bpf', echoPolicy], code: 0, stderr: /^$/ }],
    ['a syntax error', { argv: ['compile', '-o', 'never.bpf', 'x86_64/syntax.policy'], code: 1, stderr: syntaxErrorAt }],
    ['no output', { argv: ['compile', '--arch', 'x86_64', echoPolicy], code: 2, stderr: /-o\/--output is required/ }],
    ['a missing policy', { argv: ['compile', '--arch', 'x86_64', '-o', 'never.bpf', 'missing.policy'], code: 3, stderr: /missing\.policy:1:1: error\[SC2001\]/ }],
    ['an output that cannot be written', { argv: ['compile', '--arch', 'x86_64', '-o', 'afile/x.bpf', echoPolicy], code: 3, stderr: /cannot write afile\/x\.bpf/ }],
  ],
  build: [
    ['ok', { argv: ['build', '-o', 'built', goodTree], code: 0, stderr: /^$/ }],
    ['a syntax error in an included block', { argv: ['build', '-o', 'never', syntaxErrorTree], code: 1, stderr: /arm\/common_device\.policy:2:7: error\[SC1003\]/ }],
    ['an unknown --lint level', { argv: ['build', '--lint', 'loud', goodTree], code: 2, stderr: /argument 'loud' is invalid/ }],
    ['a missing tree', { argv: ['build', '-o', 'never', 'no-such-tree'], code: 3, stderr: /cannot read the policy tree no-such-tree/ }],
    ['an output folder that cannot be made', { argv: ['build', '-o', 'afile/out', goodTree], code: 3, stderr: /cannot \w+ .*afile\/out.*: ENOTDIR/ }],
  ],
  disasm: [
    ['ok', { argv: ['disasm', '--arch', 'x86_64', 'echo.bpf'], code: 0, stderr: /^$/ }],
    ['a file that is no program', { argv: ['disasm', '--arch', 'x86_64', 'odd.bpf'], code: 1, stderr: /^odd\.bpf:1:1: error\[SC4621\]: not a seccomp BPF program: its 3 bytes/ }],
    ['a policy with a syntax error', { argv: ['disasm', 'x86_64/syntax.policy'], code: 1, stderr: syntaxErrorAt }],
    ['a .bpf without --arch that is no program', { argv: ['disasm', 'odd.bpf'], code: 1, stderr: /^syscage: odd\.bpf: not a seccomp BPF program: its 3 bytes/ }],
    ['an unknown --arch', { argv: ['disasm', '--arch', 'vax', 'echo.bpf'], code: 2, stderr: /unknown architecture 'vax'/ }],
    ['a missing file', { argv: ['disasm', '--arch', 'x86_64', 'missing.bpf'], code: 3, stderr: /cannot read missing\.bpf: ENOENT/ }],
  ],
  simulate: [
    ['ok', { argv: ['simulate', '--arch', 'x86_64', '--syscall', 'read', 'echo.bpf'], code: 0, stderr: /^$/ }],
    ['a syntax error', { argv: ['simulate', '--syscall', 'read', 'x86_64/syntax.policy'], code: 1, stderr: syntaxErrorAt }],
    ['no --syscall', { argv: ['simulate', '--arch', 'x86_64', 'echo.bpf'], code: 2, stderr: /required option '--syscall <name\|nr>' not specified/ }],
    ['a missing file', { argv: ['simulate', '--arch', 'x86_64', '--syscall', 'read', 'missing.bpf'], code: 3, stderr: /cannot read missing\.bpf: ENOENT/ }],
  ],
  explain: [
    ['ok', { argv: ['explain', '--arch', 'x86_64', '--syscall', 'openat', echoPolicy], code: 0, stderr: /^$/ }],
    ['a syntax error', { argv: ['explain', '--syscall', 'read', 'x86_64/syntax.policy'], code: 1, stderr: syntaxErrorAt }],
    ['no --syscall', { argv: ['explain', '--arch', 'x86_64', echoPolicy], code: 2, stderr: /required option '--syscall <name\|nr>' not specified/ }],
    ['a missing policy', { argv: ['explain', '--arch', 'x86_64', '--syscall', 'read', 'missing.policy'], code: 3, stderr: /missing\.policy:1:1: error\[SC2001\]/ }],
  ],
  stats: [
    ['ok', { argv: ['stats', '--arch', 'x86_64', 'echo.bpf'], code: 0, stderr: /^$/ }],
    ['a syntax error', { argv: ['stats', 'x86_64/syntax.policy'], code: 1, stderr: syntaxErrorAt }],
    ['a misspelt flag', { argv: ['stats', '--frequncy', 'f', 'echo.bpf'], code: 2, stderr: /unknown option '--frequncy'\n\(Did you mean --frequency\?\)/ }],
    ['a missing file', { argv: ['stats', '--arch', 'x86_64', 'missing.bpf'], code: 3, stderr: /cannot read missing\.bpf: ENOENT/ }],
  ],
  diff: [
    ['ok', { argv: ['diff', '--arch', 'x86_64', 'echo.bpf', echoPolicy], code: 0, stderr: /^$/ }],
    ['a syntax error', { argv: ['diff', '--arch', 'x86_64', 'x86_64/syntax.policy', echoPolicy], code: 1, stderr: syntaxErrorAt }],
    ['a missing argument', { argv: ['diff', 'echo.bpf'], code: 2, stderr: /missing required argument 'new'/ }],
    ['a missing file', { argv: ['diff', '--arch', 'x86_64', 'missing.bpf', 'echo.bpf'], code: 3, stderr: /cannot read missing\.bpf: ENOENT/ }],
  ],
  audit: [
    ['ok', { argv: ['audit', '--arch', 'x86_64', '--fail-on', 'none', 'echo.bpf'], code: 0, stderr: /^$/ }],
    ['a finding at --fail-on', { argv: ['audit', '--arch', 'x86_64', '--fail-on', 'info', 'echo.bpf'], code: 1, stderr: /^$/ }],
    ['a syntax error', { argv: ['audit', 'x86_64/syntax.policy'], code: 1, stderr: syntaxErrorAt }],
    ['a bad --fail-on', { argv: ['audit', '--arch', 'x86_64', '--fail-on', 'severe', 'echo.bpf'], code: 2, stderr: /argument 'severe' is invalid/ }],
    ['a missing file', { argv: ['audit', '--arch', 'x86_64', 'missing.bpf'], code: 3, stderr: /cannot read missing\.bpf: ENOENT/ }],
  ],
  flatten: [
    ['ok', { argv: ['flatten', '--arch', 'x86_64', '-o', 'flat.policy', echoPolicy], code: 0, stderr: /warning\[SC4033\]/ }],
    ['a syntax error', { argv: ['flatten', '-o', 'never.policy', 'x86_64/syntax.policy'], code: 1, stderr: syntaxErrorAt }],
    ['an unknown --arch', { argv: ['flatten', '--arch', 'vax', echoPolicy], code: 2, stderr: /unknown architecture 'vax'/ }],
    ['a missing policy', { argv: ['flatten', '--arch', 'x86_64', 'missing.policy'], code: 3, stderr: /missing\.policy:1:1: error\[SC2001\]/ }],
    ['an output under a file', { argv: ['flatten', '--arch', 'x86_64', '-o', 'afile/x.policy', echoPolicy], code: 3, stderr: /cannot write afile\/x\.policy: afile is not a folder\n/ }],
  ],
  export: [
    ['ok', { argv: ['export', '--arch', 'x86_64', '-o', 'echo.json', echoPolicy], code: 0, stderr: /warning\[SC4037\]/ }],
    ['a syntax error', { argv: ['export', '--arch', 'x86_64', '-o', 'never.json', 'x86_64/syntax.policy'], code: 1, stderr: syntaxErrorAt }],
    ['a bad --format', { argv: ['export', '--format', 'xml', echoPolicy], code: 2, stderr: /argument 'xml' is invalid/ }],
    ['a missing policy', { argv: ['export', '--arch', 'x86_64', 'missing.policy'], code: 3, stderr: /missing\.policy:1:1: error\[SC2001\]/ }],
    ['an output under a file', { argv: ['export', '--arch', 'x86_64', '-o', 'afile/x.json', echoPolicy], code: 3, stderr: /cannot write afile\/x\.json: afile is not a folder\n/ }],
  ],
  import: [
    ['ok', { argv: ['import', '--arch', 'x86_64', '-o', 'container.policy', containerProfile], code: 0, stderr: /^$/ }],
    ['a profile with a bad action', { argv: ['import', '--arch', 'x86_64', 'bad-action.json'], code: 1, stderr: /^bad-action\.json:1:19: error\[SC4041\]/ }],
    ['an unknown --arch', { argv: ['import', '--arch', 'vax', containerProfile], code: 2, stderr: /unknown architecture 'vax'/ }],
    ['a missing profile', { argv: ['import', '--arch', 'x86_64', 'missing.json'], code: 3, stderr: /cannot read missing\.json: ENOENT/ }],
    ['an output under a file', { argv: ['import', '--arch', 'x86_64', '-o', 'afile/x.policy', containerProfile], code: 3, stderr: /cannot write afile\/x\.policy: afile is not a folder\n/ }],
  ],
  verify: [
    ['ok', { argv: ['verify', '--arch', 'x86_64', echoPolicy, 'echo.bpf'], code: 0, stderr: /^$/ }],
    ['a filter that differs', { argv: ['verify', '--arch', 'x86_64', blockPolicy, 'echo.bpf'], code: 1, stderr: /^$/ }],
    ['a file that is no program', { argv: ['verify', '--arch', 'x86_64', echoPolicy, 'odd.bpf'], code: 1, stderr: /^odd\.bpf:1:1: error\[SC4621\]/ }],
    ['a bad --format', { argv: ['verify', '--arch', 'x86_64', '--format', 'xml', echoPolicy, 'echo.bpf'], code: 2, stderr: /argument 'xml' is invalid/ }],
    ['a missing filter', { argv: ['verify', '--arch', 'x86_64', echoPolicy, 'missing.bpf'], code: 3, stderr: /cannot read missing\.bpf: ENOENT/ }],
    ['a node budget too small to decide', { argv: ['verify', '--arch', 'x86_64', '--max-nodes', '16', echoPolicy, 'echo.bpf'], code: 4, stderr: /^$/ }],
  ],
  // arch reads no file: its only I/O is standard output (contract-streams.test.ts).
  arch: [
    ['ok', { argv: ['arch'], code: 0, stderr: /^$/ }],
    ['an unknown syscall', { argv: ['arch', 'x86_64', '--syscall', 'opnat'], code: 1, stderr: /unknown syscall 'opnat' on x86_64; did you mean 'openat'\?/ }],
    ['an unknown architecture', { argv: ['arch', 'vax'], code: 2, stderr: /unknown architecture 'vax'/ }],
  ],
  ...(process.arch === 'x64'
    ? {
        run: [
          ['ok', { argv: ['run', '--mode', 'learn', '--', '/bin/true'], code: 0, stderr: /rules to add:/ }],
          ['a policy with a syntax error', { argv: ['run', '--policy', 'x86_64/syntax.policy', '--', '/bin/true'], code: 1, stderr: syntaxErrorAt }],
          ['no filter', { argv: ['run', '--', '/bin/true'], code: 2, stderr: /give --policy or --bpf/ }],
          ['a missing .bpf', { argv: ['run', '--bpf', 'missing.bpf', '--', '/bin/true'], code: 3, stderr: /cannot read missing\.bpf: ENOENT/ }],
          ["the target's status", { argv: ['run', '--mode', 'learn', '--', '/bin/sh', '-c', 'exit 7'], code: 7, stderr: /rules to add:/ , spawn: true }],
          ['128 + the signal that killed the target', { argv: ['run', '--mode', 'learn', '--', '/bin/sh', '-c', 'kill -TERM $$'], code: 128 + 15, stderr: /rules to add:/ , spawn: true }],
        ],
        learn: [
          ['ok', { argv: ['learn', '-o', 'learned.policy', '--', '/bin/true'], code: 0, stderr: /rules from one run .*→ learned\.policy/ }],
          ['a policy with a syntax error', { argv: ['learn', '--policy', 'x86_64/syntax.policy', '--', '/bin/true'], code: 1, stderr: syntaxErrorAt }],
          ['a misspelt flag', { argv: ['learn', '--polcy', 'p.policy', '--', '/bin/true'], code: 2, stderr: /unknown option '--polcy'\n\(Did you mean --policy\?\)/ }],
          ['an output that cannot be written', { argv: ['learn', '-o', 'afile/learned.policy', '--', '/bin/true'], code: 3, stderr: /cannot write afile\/learned\.policy: afile is not a folder\n/ }],
        ],
      }
    : {}),
};

const exitRows = Object.entries(exitCases).flatMap(([command, rows]) =>
  rows.map(([what, row]) => ({ name: `${command}: ${what} exits ${String(row.code)}`, ...row })),
);

// The rows run concurrently, and the run/learn rows start the target under the supervisor: at
// load 25-40 those took past 60 s (five rows failed so in two runs), so the limit catches a hang only.
describe('syscage exit codes', { timeout: 600_000 }, () => {
  it.concurrent.each(exitRows)('$name', async ({ argv, code, stderr, spawn }) => {
    const result = await runContract(argv, { cwd: scratch.dir, spawn: spawn === true });
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code, stderr: expect.stringMatching(stderr) as unknown });
    expect(result.stderr).not.toMatch(stackFrame);
  });

  it('runs every exit code through the built binary at least once', () => {
    const spawned = new Set(exitRows.filter((row) => row.spawn === true).map((row) => row.code));
    for (const code of [0, 1, 2, 3]) expect(spawned.has(code), `a spawned row exits ${String(code)}`).toBe(true);
  });

  it('covers every command and, except where a command reads no file, every exit code', () => {
    // Every command the help lists (help-examples.json has each one's examples); run and learn
    // start a target under the x86_64 supervisor, so only there.
    const commands = Object.keys(helpExamples).filter((command) => process.arch === 'x64' || (command !== 'run' && command !== 'learn'));
    expect(Object.keys(exitCases).sort()).toEqual([...commands].sort());
    for (const [command, rows] of Object.entries(exitCases)) {
      const codes = new Set(rows.map(([, row]) => row.code));
      const expected = command === 'arch' ? [0, 1, 2] : command === 'verify' ? [0, 1, 2, 3, 4] : [0, 1, 2, 3];
      for (const code of expected) expect(codes.has(code), `${command} exits ${String(code)}`).toBe(true);
    }
  });
});

describe('usage errors', { timeout: 60_000 }, () => {
  it.concurrent.each<[string, string[], RegExp]>([
    ['an unknown command suggests the nearest one', ['chek', 'x.policy'], /error: unknown command 'chek'\n\(Did you mean check\?\)/],
    ['an unknown flag suggests the nearest one', ['disasm', '--arhc', 'x86_64', 'x.bpf'], /error: unknown option '--arhc'\n\(Did you mean --arch\?\)/],
    ['a missing argument names it', ['compile'], /error: missing required argument 'policies'/],
    ['no command shows the usage', [], /Usage: syscage \[options\] \[command\]/],
    ['an invalid choice lists the choices', ['check', '--format', 'xml', 'x.policy'], /Allowed choices are text, json, sarif/],
    ['a usage error of a command points at its --help', ['compile', '--arch', 'x86_64', 'x.policy'], /^syscage: compile: -o\/--output is required\n\(run `syscage compile --help` for usage\)\n$/],
    ['--out and -o naming different files', ['compile', '--arch', 'x86_64', '-o', 'a.bpf', '--out', 'b.bpf', 'x.policy'], /--out b\.bpf and -o\/--output a\.bpf name different outputs/],
  ])('%s (exit 2)', async (_name, argv, message) => {
    const result = await runContract(argv, { cwd: scratch.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('--version prints the version and exits 0', async () => {
    expect(await spawnCliAsync(['--version'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) as unknown });
  });
});

describe('--out and -o are the same flag everywhere', { timeout: 60_000 }, () => {
  it.concurrent.each<[string, string[], string]>([
    ['compile --out', ['compile', '--arch', 'x86_64', '--out', 'via-out.bpf', echoPolicy], 'via-out.bpf'],
    ['build -o', ['build', '-o', 'via-o', goodTree], 'via-o/x86_64/echo_device.bpf'],
  ])('%s', async (_name, argv, written) => {
    const result = await runContract(argv, { cwd: scratch.dir });
    expect(result.code).toBe(0);
    expect((await runContract(['disasm', '--arch', 'x86_64', written], { cwd: scratch.dir })).code).toBe(0);
  });
});

describe('--debug (spawned)', { timeout: 60_000 }, () => {
  // An output folder under a plain file fails in a file-system call no command wraps itself.
  it.concurrent.each<[string, string[], boolean]>([
    ['without --debug: one line, no stack trace', [], false],
    ['with --debug: the stack trace too', ['--debug'], true],
  ])('%s', async (_name, debug, stack) => {
    const result = await spawnCliAsync(['build', ...debug, '-o', 'afile/debug-out', goodTree], { cwd: scratch.dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^syscage: cannot \w+ .*afile\/debug-out.*: ENOTDIR\n/);
    expect(stackFrame.test(result.stderr)).toBe(stack);
  });
});

// An exception no command anticipated: here the embedder's own stdout writer fails. The CLI says
// it is a bug, hints at --debug, and prints the stack only with --debug.
describe('internal errors (in-process, through the public runCli)', () => {
  async function runWithFailingStdout(debug: boolean): Promise<{ code: number; stderr: string }> {
    let stderr = '';
    const code = await runCli(['arch'], {
      stdout: () => {
        throw new Error('the writer broke');
      },
      stderr: (text) => {
        stderr += text;
      },
      color: false,
      cwd: process.cwd(),
      debug,
    });
    return { code, stderr };
  }

  it('exits 70 with one line and a hint, no stack trace', async () => {
    const { code, stderr } = await runWithFailingStdout(false);
    expect(code).toBe(70);
    expect(stderr).toBe('syscage: internal error: the writer broke\n(run with --debug for a stack trace, and please report this)\n');
  });

  it('prints the stack trace with --debug', async () => {
    const { code, stderr } = await runWithFailingStdout(true);
    expect(code).toBe(70);
    expect(stderr).toMatch(/^syscage: internal error: the writer broke\nError: the writer broke\n/);
    expect(stderr).toMatch(stackFrame);
  });
});
