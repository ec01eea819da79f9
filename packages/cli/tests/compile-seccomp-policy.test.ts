// `compile_seccomp_policy`, Minijail's compiler's command line, run in-process in a temporary
// folder laid out the way crosvm's build lays out one architecture.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMinijailArchJson } from '@syscage/arch-tables';
import { archX86_64 } from '@syscage/arch-x86-64';
import { decodeProgram, emulate } from '@syscage/bpf-codegen';
import { runCompileSeccompPolicy } from '../src/minijail/compile-seccomp-policy.js';

let folder = '';

const files: Record<string, string> = {
  'common.policy': 'read: 1\nwrite: 1\n',
  'device.policy': '@include ./common.policy\nopenat: return ENOENT\nioctl: arg1 == 0x5401\n',
  'deep.policy': '@include ./device.policy\n',
  'crosvm-prefix.policy': '@include /usr/share/policy/crosvm/common.policy\n',
  'deny.policy': '@denylist\nptrace: return EPERM\n',
  'broken.policy': 'read: 1\nwrite: arg0 == NO_SUCH_CONSTANT\n',
  'sub/inner.policy': '@include ./helper.policy\n',
  'sub/helper.policy': 'close: 1\n',
  'sub/up.policy': '@include ./../common.policy\n',
};

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Run {
  let stdout = '';
  let stderr = '';
  const ctx = {
    stdout: (text: string) => {
      stdout += text;
    },
    stderr: (text: string) => {
      stderr += text;
    },
    color: false,
    cwd: folder,
    debug: false,
  };
  const code = runCompileSeccompPolicy(argv, ctx, env);
  return { code, stdout, stderr };
}

const x86 = archX86_64.auditArch;
const nr = (name: string): number => archX86_64.syscalls[name] ?? -1;

/** The decision of the program in `file` for a syscall with arg1 = `arg1`. */
function decide(file: string, syscall: string, arg1 = 0n, arch = x86): string {
  const program = decodeProgram(new Uint8Array(readFileSync(join(folder, file)))).program;
  const result = emulate(program, { nr: nr(syscall), arch, instructionPointer: 0n, args: [0n, arg1] });
  if (!result.ok) return 'invalid';
  return result.action === 'errno' ? `errno ${result.data}` : result.action;
}

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'syscage-csp-'));
  mkdirSync(join(folder, 'sub'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
  writeFileSync(join(folder, 'constants.json'), formatMinijailArchJson(archX86_64));
  writeFileSync(join(folder, 'other.json'), formatMinijailArchJson(archX86_64));
  writeFileSync(join(folder, 'duplicate.json'), '{\n  "arch_nr": 3221225534,\n  "arch_name": "x86_64",\n  "bits": 64,\n  "bits": 64,\n  "syscalls": {},\n  "constants": {}\n}\n');
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('compile_seccomp_policy', () => {
  it('compiles quietly as crosvm runs it, with includes read relative to the including file', () => {
    const result = run(['--arch-json', 'constants.json', '--default-action', 'trap', 'device.policy', 'device.bpf']);
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(decide('device.bpf', 'read')).toBe('allow');
    expect(decide('device.bpf', 'openat')).toBe('errno 2');
    expect(decide('device.bpf', 'ioctl', 0x5401n)).toBe('allow');
    expect(decide('device.bpf', 'ioctl', 0x5402n)).toBe('trap');
    expect(decide('device.bpf', 'close')).toBe('trap');
    expect(decide('device.bpf', 'read', 0n, 0)).toBe('kill-thread');
  });

  it('reads ./constants.json when --arch-json is not given', () => {
    expect(run(['device.policy', 'default-arch.bpf']).code).toBe(0);
    expect(readFileSync(join(folder, 'default-arch.bpf')).length).toBeGreaterThan(0);
  });

  it('resolves includes of an included file against its own folder, not the working directory', () => {
    expect(run(['sub/inner.policy', 'inner.bpf']).code).toBe(0);
    expect(decide('inner.bpf', 'close')).toBe('allow');
  });

  it('reads an include outside the policy\'s folder, as Minijail does', () => {
    const result = run(['sub/up.policy', 'up.bpf']);
    expect(result.stderr).toBe('');
    expect(decide('up.bpf', 'write')).toBe('allow');
  });

  it('maps no install prefix, as Minijail does not', () => {
    const result = run(['crosvm-prefix.policy', 'prefix.bpf']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SC2002');
    expect(existsSync(join(folder, 'prefix.bpf'))).toBe(false);
  });

  it.each([
    ['no flags: kill-thread', [], {}, 'close', 'kill-thread'],
    ['--use-kill-process', ['--use-kill-process'], {}, 'close', 'kill-process'],
    ['--use-ret-log: failures are logged', ['--use-ret-log'], {}, 'close', 'log'],
    ['--use-ret-log: return N is logged too', ['--use-ret-log'], {}, 'openat', 'log'],
    ['MINIJAIL_DEFAULT_RET_LOG (any value, even empty)', [], { MINIJAIL_DEFAULT_RET_LOG: '' }, 'close', 'log'],
    ['--default-action allow (a permissive default is allowed here)', ['--default-action', 'allow'], {}, 'close', 'allow'],
    ['--default-action kill is kill-process', ['--default-action', 'kill'], {}, 'close', 'kill-process'],
    ['--default-action 1 is allow', ['--default-action', '1'], {}, 'close', 'allow'],
    ['--default-action "return EPERM" names a constant', ['--default-action', 'return EPERM'], {}, 'close', 'errno 1'],
    ['--default-action "return 13"', ['--default-action', 'return 13'], {}, 'close', 'errno 13'],
    ['--default-action user-notify', ['--default-action', 'user-notify'], {}, 'close', 'user-notify'],
  ])('%s', (_label, flags, env, syscall, expected) => {
    const result = run([...flags, 'device.policy', 'flags.bpf'], env);
    expect(result.code).toBe(0);
    expect(decide('flags.bpf', syscall)).toBe(expected);
    if ('MINIJAIL_DEFAULT_RET_LOG' in env) expect(result.stderr).toContain('MINIJAIL_DEFAULT_RET_LOG is set');
    else expect(result.stderr).toBe('');
  });

  it('--denylist compiles a @denylist policy: listed syscalls fail, the rest run', () => {
    expect(run(['--denylist', 'deny.policy', 'deny.bpf']).code).toBe(0);
    expect(decide('deny.bpf', 'ptrace')).toBe('errno 1');
    expect(decide('deny.bpf', 'read')).toBe('allow');
  });

  it('--denylist on a policy without @denylist is an error', () => {
    const result = run(['--denylist', 'device.policy', 'nodeny.bpf']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SC2021');
  });

  it('--optimization-strategy is accepted and does not change the program', () => {
    expect(run(['--optimization-strategy', 'linear', 'device.policy', 'linear.bpf']).code).toBe(0);
    expect(run(['--optimization-strategy', 'bst', 'device.policy', 'bst.bpf']).code).toBe(0);
    expect(readFileSync(join(folder, 'linear.bpf'))).toEqual(readFileSync(join(folder, 'bst.bpf')));
  });

  it.each([
    ['2 allows no nested include', '2', 'device.policy', 1],
    ['3 allows one level', '3', 'device.policy', 0],
    ['3 refuses two levels', '3', 'deep.policy', 1],
    ['the default 10 allows two levels', undefined, 'deep.policy', 0],
  ])('--include-depth-limit: %s', (_label, limit, policy, code) => {
    const result = run([...(limit === undefined ? [] : ['--include-depth-limit', limit]), policy, 'depth.bpf']);
    expect(result.code).toBe(code);
    if (code !== 0) expect(result.stderr).toContain('SC2003');
  });

  it('--output-header-file writes OUTPUT.h instead of OUTPUT', () => {
    rmSync(join(folder, 'hdr'), { force: true });
    expect(run(['--output-header-file', 'device.policy', 'hdr']).code).toBe(0);
    expect(existsSync(join(folder, 'hdr'))).toBe(false);
    const header = readFileSync(join(folder, 'hdr.h'), 'utf8');
    expect(header).toContain('hdr_binary_seccomp_policy[] __attribute__((__aligned__(4)))');
    expect(header).toContain('} hdr_seccomp_bpf_program = {');
  });

  const cc = ['cc', 'gcc', 'clang'].find((name) => spawnSync(name, ['--version']).status === 0);
  it.skipIf(cc === undefined)('the header compiles with strict warnings and holds the .bpf bytes', () => {
    expect(run(['--output-header-file', 'device.policy', 'device_filter']).code).toBe(0);
    expect(run(['device.policy', 'device_filter.bpf']).code).toBe(0);
    writeFileSync(
      join(folder, 'main.c'),
      [
        '#include <stdio.h>',
        '#include "device_filter.h"',
        'int main(void) {',
        '  const unsigned char *bytes = device_filter_seccomp_bpf_program.bpf;',
        '  for (unsigned i = 0; i < device_filter_seccomp_bpf_program.cnt * 8u; i++) printf("%02x", bytes[i]);',
        '  return 0;',
        '}',
        '',
      ].join('\n'),
    );
    const flags = ['-Wall', '-Wextra', '-Werror', '-Wcast-align=strict', '-Wcast-qual', '-o', join(folder, 'main'), join(folder, 'main.c')];
    const compiled = spawnSync(cc ?? 'cc', flags, { encoding: 'utf8' });
    expect(compiled.stderr).toBe('');
    expect(compiled.status).toBe(0);
    const printed = spawnSync(join(folder, 'main'), { encoding: 'utf8' }).stdout;
    expect(printed).toBe(readFileSync(join(folder, 'device_filter.bpf')).toString('hex'));
  });

  it('policy errors are file:line:col diagnostics and nothing is written', () => {
    const result = run(['broken.policy', 'broken.bpf']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/broken\.policy:2:\d+/);
    expect(result.stderr).toContain('SC4002');
    expect(existsSync(join(folder, 'broken.bpf'))).toBe(false);
  });

  it.each([
    ['a missing --arch-json file is a usage error', ['--arch-json', 'missing.json', 'device.policy', 'x.bpf'], 2, 'could not find the architecture description missing.json'],
    ['a bad --arch-json file is a diagnostic with its place', ['--arch-json', 'duplicate.json', 'device.policy', 'x.bpf'], 1, 'duplicate.json:5:3'],
    ['an unknown default action', ['--default-action', 'explode', 'device.policy', 'x.bpf'], 2, '--default-action explode'],
    ['return with an unknown constant', ['--default-action', 'return ENOPE', 'device.policy', 'x.bpf'], 2, '--default-action return ENOPE'],
    ['an unknown optimization strategy', ['--optimization-strategy', 'fast', 'device.policy', 'x.bpf'], 2, 'Allowed choices are linear, bst'],
    ['a non-numeric include depth limit', ['--include-depth-limit', 'deep', 'device.policy', 'x.bpf'], 2, '--include-depth-limit deep'],
    ['a missing output argument', ['device.policy'], 2, "missing required argument 'output'"],
    ['a missing policy file', ['absent.policy', 'x.bpf'], 3, 'absent.policy'],
  ])('%s', (_label, argv, code, phrase) => {
    const result = run(argv);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(phrase);
  });

  it('--help says that Syscage plans its own layout', () => {
    const result = run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Syscage plans its own instruction layout');
    for (const flag of ['--arch-json', '--default-action', '--optimization-strategy', '--include-depth-limit', '--denylist', '--use-kill-process', '--use-ret-log', '--output-header-file']) {
      expect(result.stdout).toContain(flag);
    }
  });

  it('--arch-json with another file name is read', () => {
    expect(run(['--arch-json', 'other.json', 'device.policy', 'other.bpf']).code).toBe(0);
  });
});
