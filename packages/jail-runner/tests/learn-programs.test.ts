// Learned policies of real programs: one learn run, then the same command enforced under what it
// wrote does the same work with the same output; every syscall whose values are the security
// boundary carries an argument condition; none allows writable-and-executable memory unless the
// program asked for it; a strace log of the same program gives the same syscall set.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintReviewRules, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { describe, expect, it } from 'vitest';
import { type JailOptions, type LearnResult, hasArgumentRule, learnFromLogs, learnPolicy } from '../src/index.js';
import { runCollect } from './collect.js';
import { onX86_64, table } from './table.js';
import { emulateCall, policyProgram } from './learned.js';

const scratch = mkdtempSync(join(tmpdir(), 'syscage-programs-'));
const tree = join(scratch, 'tree');
mkdirSync(join(tree, 'sub'), { recursive: true });
for (const name of ['delta', 'alpha', 'echo', 'charlie', 'bravo', 'foxtrot']) writeFileSync(join(tree, name), `${name}\n`.repeat(50));
writeFileSync(join(tree, 'sub', 'inner'), 'inner\n');
const python = '/usr/bin/python3';
const threads = join(scratch, 'threads.py');
writeFileSync(
  threads,
  [
    'import threading',
    'results = [0] * 4',
    'def work(i):',
    '    results[i] = sum(range(i * 100000))',
    'workers = [threading.Thread(target=work, args=(i,)) for i in range(4)]',
    'for w in workers: w.start()',
    'for w in workers: w.join()',
    'print(results)',
    '',
  ].join('\n'),
);
const client = join(scratch, 'client.py');
writeFileSync(
  client,
  [
    'import sys, time, urllib.request',
    // Until the server answers, not a number of tries: a server started under the learn mode's
    // supervisor on a loaded machine took longer than the 100 tries of 50 ms this had. The
    // deadline only ends the client of a server that never starts.
    'deadline = time.monotonic() + 300',
    'while time.monotonic() < deadline:',
    // Always waits once, so whether the server was already up does not change the calls made.
    '    time.sleep(0.05)',
    '    try:',
    "        print(urllib.request.urlopen(f'http://127.0.0.1:{sys.argv[1]}/tree/alpha').read().decode().splitlines()[0])",
    '        break',
    '    except OSError:',
    '        pass',
    '',
  ].join('\n'),
);

/** A TCP port nobody listens on now. */
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

/** Item 2 of issue 16: the syscalls whose values are the boundary, and the argument that holds them. */
const issueArgumentRules: readonly (readonly [string, number])[] = [
  ['mmap', 2],
  ['mmap2', 2],
  ['mprotect', 2],
  ['pkey_mprotect', 2],
  ['ioctl', 1],
  ['socket', 0],
  ['socket', 1],
  ['prctl', 0],
  ['clone', 0],
  ['openat', 2],
  ['fcntl', 1],
  ['madvise', 2],
  ['kill', 1],
  ['tgkill', 2],
];

interface Program {
  readonly target: Pick<JailOptions, 'command' | 'args'>;
  /** Makes the folder as the program expects it, before each of its runs. */
  readonly prepare?: () => void;
  /** What the run leaves behind besides its output (a file it wrote). */
  readonly product?: () => string;
}

const programs: Record<string, () => Promise<Program>> = {
  "sh -c 'ls | sort | head'": () => Promise.resolve({ target: { command: '/bin/sh', args: ['-c', `ls ${tree} | sort -r | head -n 3`] } }),
  'tar czf': () => {
    const archive = join(scratch, 'tree.tar.gz');
    return Promise.resolve({
      target: { command: '/bin/tar', args: ['czf', archive, '-C', scratch, 'tree'] },
      prepare: () => {
        rmSync(archive, { force: true });
      },
      product: () => readFileSync(archive).toString('base64'),
    });
  },
  gzip: () => Promise.resolve({ target: { command: '/bin/gzip', args: ['-c', '-n', join(tree, 'alpha')] } }),
  'a threaded python3 script': () => Promise.resolve({ target: { command: python, args: [threads] } }),
  'python3 -m http.server serving one request': async () => {
    const port = String(await freePort());
    return {
      target: {
        command: '/bin/sh',
        args: ['-c', `${python} -m http.server ${port} --bind 127.0.0.1 --directory ${scratch} 2>/dev/null & ${python} ${client} ${port}; kill $!`],
      },
    };
  },
};

// Each test runs its program five times (learned under the supervisor, enforced, plain, two
// straces): the threaded python3 script took 43 s of the 120 s it had at load 28. The timeout
// catches a hang only.
describe.runIf(onX86_64 && existsSync(python))('learned policies of real programs', { timeout: 600_000 }, () => {
  it.each(Object.keys(programs))('%s does the same work under its learned policy, with argument conditions', async (name) => {
    const program = await (programs[name] as () => Promise<Program>)();
    program.prepare?.();
    const learned: LearnResult = await learnPolicy({ ...program.target, cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(learned.run.status).toBe(0);
    const learnedProduct = program.product?.();
    const policy = join(scratch, `${name.replace(/\W+/g, '-')}.policy`);
    writeFileSync(policy, learned.proposal.text);
    if (process.env.SHOW_LEARNED) console.log(learned.proposal.text);

    program.prepare?.();
    const enforced = await runCollect({ ...program.target, cwd: scratch, policy, compileOptions: { useKillProcess: true } });
    expect({ status: enforced.result.status, violation: enforced.result.violation }).toEqual({ status: 0, violation: undefined });
    const plain = await runPlain(program);
    expect(enforced.stdout).toBe(plain.stdout);
    expect(program.product?.()).toBe(learnedProduct);

    const called = new Set(learned.run.calls.map((call) => call.syscall.name));
    for (const rule of learned.proposal.rules) {
      if (hasArgumentRule(rule.syscall) && called.has(rule.syscall)) expect({ [rule.syscall]: rule.filter }).not.toEqual({ [rule.syscall]: '1' });
    }
    // The issue's own list (not the implementation's table): each one the program called has a
    // condition on the argument whose values are the boundary; clone3 is ENOSYS unless observed.
    for (const [syscall, arg] of issueArgumentRules) {
      const rule = learned.proposal.rules.find((candidate) => candidate.syscall === syscall);
      if (!called.has(syscall)) continue;
      expect({ syscall, conditioned: rule?.filter.includes(`arg${arg} `) }).toEqual({ syscall, conditioned: true });
    }
    if (!called.has('clone3')) expect(learned.proposal.rules.find((rule) => rule.syscall === 'clone3')?.filter).toBe('return ENOSYS');
    // A reviewer's lint has nothing to say: every dangerous syscall's rule is commented.
    const resolved = resolvePolicy(policy, { host: createNodeHost(), arch: table.name });
    expect(lintReviewRules(resolved).map((found) => `${found.code} ${found.message}`)).toEqual([]);
    // PROT_WRITE|PROT_EXEC only where the program asked for it: every protection with both bits
    // (with or without PROT_READ, PROT_SEM, PROT_GROWSDOWN, PROT_GROWSUP) is refused otherwise.
    const compiled = policyProgram(policy, table);
    const wx = (table.constants.PROT_WRITE ?? 2n) | (table.constants.PROT_EXEC ?? 4n);
    const askedWx = learned.run.calls.some(
      (call) => ['mmap', 'mprotect', 'pkey_mprotect'].includes(call.syscall.name ?? '') && ((call.args[2] ?? 0n) & wx) === wx,
    );
    const extraBits = ['PROT_READ', 'PROT_SEM', 'PROT_GROWSDOWN', 'PROT_GROWSUP'].map((name) => table.constants[name] ?? 0n);
    const writableExecutable = Array.from({ length: 2 ** extraBits.length }, (_, mask) => extraBits.reduce((prot, bit, index) => ((mask >> index) & 1 ? prot | bit : prot), wx));
    for (const syscall of ['mmap', 'mprotect', 'pkey_mprotect']) {
      const allowed = writableExecutable.filter((prot) => emulateCall(compiled, table, syscall, [0n, 4096n, prot, 0x22n, 0xffffffffffffffffn, 0n]));
      if (!askedWx || !called.has(syscall)) expect({ syscall, allowed }).toEqual({ syscall, allowed: [] });
    }

    // A strace log of the same program (clone3 answered ENOSYS, as a live run does), raw and
    // decoded, gives the same syscall set.
    for (const raw of [true, false]) {
      program.prepare?.();
      const log = join(scratch, `${name.replace(/\W+/g, '-')}${raw ? '.raw' : ''}.strace`);
      const { spawnSync } = await import('node:child_process');
      const traced = spawnSync(
        'strace',
        ['-f', '-qq', ...(raw ? ['-n', '-X', 'raw', '-e', 'raw=all'] : []), '-e', 'inject=clone3:error=ENOSYS', '-o', log, '--', program.target.command, ...(program.target.args ?? [])],
        { cwd: scratch, encoding: 'utf8' },
      );
      expect(traced.status).toBe(0);
      const fromLog = learnFromLogs({ logs: [{ file: log, text: readFileSync(log, 'utf8'), kind: 'strace' }], archTable: table });
      expect(fromLog.diagnostics).toEqual([]);
      const names = (rules: readonly { readonly syscall: string }[]): string[] => rules.map((rule) => rule.syscall).sort();
      expect({ raw, syscalls: names(fromLog.proposal.rules) }).toEqual({ raw, syscalls: names(learned.proposal.rules) });
    }
  });
});

/** The command without any filter, for the output it gives on its own. */
async function runPlain(program: Program): Promise<{ stdout: string }> {
  program.prepare?.();
  const { spawnSync } = await import('node:child_process');
  const result = spawnSync(program.target.command, [...(program.target.args ?? [])], { cwd: scratch, encoding: 'utf8' });
  return { stdout: result.stdout };
}
