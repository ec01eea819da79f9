// `syscage compile`, run in-process on policies written to a temporary folder.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { endianness, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProgram, emulate } from '@syscage/bpf-codegen';
import { runInProcess } from './helpers.js';

let folder = '';

// The C header test needs a C compiler; skipped without one.
const hasCc = spawnSync('cc', ['--version']).status === 0;

const files: Record<string, string> = {
  'x86_64/common_device.policy': 'read: allow\nwrite: allow\nmmap: arg2 in ~PROT_EXEC\n',
  'x86_64/net_device.policy': '@include /usr/share/policy/crosvm/common_device.policy\nopenat: return ENOENT\n',
  'aarch64/net_device.policy': 'read: allow\nopenat: return ENOENT\n',
  'bad.policy': 'raed: allow\nwrite: arg0 == O_RDONY\n',
  'plain.policy': 'read: allow\n',
};

const x86 = 0xc000003e;

function decisions(path: string, arch: number, probes: readonly (readonly [number, bigint])[]): string[] {
  const program = decodeProgram(new Uint8Array(readFileSync(path))).program;
  return probes.map(([nr, arg2]) => {
    const result = emulate(program, { nr, arch, instructionPointer: 0n, args: [0n, 0n, arg2] });
    if (!result.ok) return 'invalid';
    return result.action === 'errno' ? `errno ${result.data}` : result.action;
  });
}

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'syscage-compile-'));
  mkdirSync(join(folder, 'out'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, name)), { recursive: true });
    writeFileSync(join(folder, name), text);
  }
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('syscage compile', () => {
  it('compiles the way crosvm builds: --default-action trap with the crosvm include prefix', async () => {
    const result = await runInProcess(['compile', 'x86_64/net_device.policy', '--default-action', 'trap', '-o', 'out/net.bpf'], folder);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/x86_64\/net_device\.policy \(x86_64\): \d+ instructions → out\/net\.bpf/);
    // read, openat, mmap without PROT_EXEC, mmap with it, close (unlisted), arch mismatch.
    expect(decisions(join(folder, 'out/net.bpf'), x86, [[0, 0n], [257, 0n], [9, 3n], [9, 4n], [3, 0n]])).toEqual([
      'allow',
      'errno 2',
      'allow',
      'trap',
      'trap',
    ]);
    // An architecture mismatch gets the kill action, which kills the process in every command.
    expect(decisions(join(folder, 'out/net.bpf'), 0, [[0, 0n]])).toEqual(['kill-process']);
  });

  it.each([
    ['default (kill-process)', [], 'kill-process'],
    ['--use-kill-process (the default, Minijail\'s spelling)', ['--use-kill-process'], 'kill-process'],
    ['--kill-thread', ['--kill-thread'], 'kill-thread'],
    ['--default-action kill-process --kill-thread', ['--default-action', 'kill-process', '--kill-thread'], 'kill-process'],
    ['--log-failures', ['--log-failures'], 'log'],
    ['--default-action kill', ['--default-action', 'kill'], 'kill-process'],
    ['--default-action "return 13"', ['--default-action', 'return 13'], 'errno 13'],
  ])('unlisted syscalls with %s', async (_name, flags, expected) => {
    const result = await runInProcess(['compile', 'plain.policy', '--arch', 'x86_64', ...flags, '-o', 'plain.bpf'], folder);
    expect(result.code).toBe(0);
    expect(decisions(join(folder, 'plain.bpf'), x86, [[1, 0n]])).toEqual([expected]);
  });

  it('compiles several policies into OUT/<arch>/<name>.bpf, the arch taken from the folder', async () => {
    const result = await runInProcess(
      ['compile', 'x86_64/net_device.policy', 'aarch64/net_device.policy', '--default-action', 'trap', '-o', 'many'],
      folder,
    );
    expect(result.code).toBe(0);
    expect(existsSync(join(folder, 'many/x86_64/net_device.bpf'))).toBe(true);
    expect(existsSync(join(folder, 'many/aarch64/net_device.bpf'))).toBe(true);
    expect(decisions(join(folder, 'many/aarch64/net_device.bpf'), 0xc00000b7, [[63, 0n], [56, 0n], [64, 0n]])).toEqual([
      'allow',
      'errno 2',
      'trap',
    ]);
  });

  it('writes byte-identical output on every run', async () => {
    await runInProcess(['compile', 'x86_64/net_device.policy', '--default-action', 'trap', '-o', 'a.bpf'], folder);
    await runInProcess(['compile', 'x86_64/net_device.policy', '--default-action', 'trap', '-o', 'b.bpf'], folder);
    expect(readFileSync(join(folder, 'a.bpf'))).toEqual(readFileSync(join(folder, 'b.bpf')));
  });

  it('writes a C header and JSON', async () => {
    const header = await runInProcess(['compile', 'plain.policy', '--arch', 'x86_64', '--format', 'c-header', '-o', 'plain.h'], folder);
    expect(header.code).toBe(0);
    const text = readFileSync(join(folder, 'plain.h'), 'utf8');
    expect(text).toMatch(/^\/\* Generated by syscage compile from plain\.policy for x86_64; do not edit\. \*\//);
    expect(text).toContain('static struct sock_filter plain_filter[] = {');
    expect(text).toContain('static const struct sock_fprog plain_prog = {');
    await runInProcess(['compile', 'plain.policy', '--arch', 'x86_64', '-o', 'plain-header.bpf'], folder);
    const bytes = readFileSync(join(folder, 'plain-header.bpf'));
    expect(text).toContain(`.len = ${bytes.length / 8},`);
    const json = await runInProcess(['compile', 'plain.policy', '--arch', 'x86_64', '--format', 'json', '-o', 'plain.json'], folder);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(readFileSync(join(folder, 'plain.json'), 'utf8')) as { arch: string; length: number; instructions: unknown[] };
    expect(parsed.arch).toBe('x86_64');
    expect(parsed.instructions).toHaveLength(parsed.length);
  });

  // Issue 20 item 5: a header that casts a byte array to `struct sock_filter *` fails strict
  // warnings; the header is an initializer of the struct itself, checked with the C compiler.
  it.skipIf(!hasCc)('writes a C header that compiles with strict warnings and holds the program', async () => {
    const result = await runInProcess(['compile', 'x86_64/net_device.policy', '--default-action', 'trap', '--format', 'c-header', '-o', 'net.h'], folder);
    expect(result.code).toBe(0);
    expect(readFileSync(join(folder, 'net.h'), 'utf8')).not.toMatch(/\(struct sock_filter \*\)/);
    await runInProcess(['compile', 'x86_64/net_device.policy', '--default-action', 'trap', '-o', 'net-header.bpf'], folder);
    writeFileSync(
      join(folder, 'dump.c'),
      '#include <stdio.h>\n#include "net.h"\nint main(void) {\n  return fwrite(net_device_prog.filter, sizeof *net_device_prog.filter, net_device_prog.len, stdout) == net_device_prog.len ? 0 : 1;\n}\n',
    );
    const flags = ['-std=c11', '-Wall', '-Wextra', '-Werror', '-Wcast-align=strict', '-Wcast-qual', '-o', join(folder, 'dump'), join(folder, 'dump.c')];
    const built = spawnSync('cc', flags, { encoding: 'utf8' });
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    const dumped = spawnSync(join(folder, 'dump'));
    expect(dumped.status).toBe(0);
    // The struct is laid out in the host's byte order; the x86_64 .bpf is little-endian.
    if (endianness() === 'LE') expect(Buffer.from(dumped.stdout)).toEqual(readFileSync(join(folder, 'net-header.bpf')));
  });

  // Issue 20 item 11: a mistyped -o used to create every missing folder on the way.
  it.each([
    ['one policy', ['plain.policy', '--arch', 'x86_64'], 'nowhere/deeper/x.bpf', 'nowhere/deeper/x.bpf'],
    ['several policies', ['x86_64/net_device.policy', 'aarch64/net_device.policy'], 'nowhere-many/out', 'nowhere-many/out/x86_64/net_device.bpf'],
  ])('writes only into existing folders (%s), or creates them with --mkdir', async (_name, inputs, out, written) => {
    const refused = await runInProcess(['compile', ...inputs, '-o', out], folder);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('does not exist (create it, or pass --mkdir)');
    expect(existsSync(join(folder, out.split('/')[0] ?? out))).toBe(false);
    const created = await runInProcess(['compile', ...inputs, '--mkdir', '-o', out], folder);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(existsSync(join(folder, written))).toBe(true);
  });

  it('prints code frames, writes nothing and exits 1 on errors', async () => {
    const result = await runInProcess(['compile', 'bad.policy', '--arch', 'x86_64', '-o', 'bad.bpf'], folder);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bad.policy:1:1');
    expect(result.stderr).toContain('SC4001');
    expect(result.stderr).toContain('did you mean `read`?');
    expect(result.stderr).toContain('SC4002');
    expect(result.stderr).toContain('raed: allow');
    expect(result.stderr).toContain('nothing written');
    expect(existsSync(join(folder, 'bad.bpf'))).toBe(false);
  });

  it.each([
    ['missing output', ['compile', 'plain.policy', '--arch', 'x86_64'], 2, '-o/--output is required'],
    ['unknown arch', ['compile', 'plain.policy', '--arch', 'vax', '-o', 'x.bpf'], 2, "unknown architecture 'vax'"],
    ['arch not in the folder name', ['compile', 'plain.policy', '-o', 'x.bpf'], 2, 'pass --arch'],
    ['bad default action', ['compile', 'plain.policy', '--arch', 'x86_64', '--default-action', 'maybe', '-o', 'x.bpf'], 2, '--default-action maybe'],
    ['missing policy (an I/O error)', ['compile', 'nope.policy', '--arch', 'x86_64', '-o', 'x.bpf'], 3, 'nope.policy'],
    ['negative size budget', ['compile', 'plain.policy', '--arch', 'x86_64', '--size-budget', '-1', '-o', 'x.bpf'], 2, '--size-budget -1'],
    ['size budget that is no number', ['compile', 'plain.policy', '--arch', 'x86_64', '--size-budget', 'lots', '-o', 'x.bpf'], 2, '--size-budget lots'],
  ])('%s', async (_name, argv, code, message) => {
    const result = await runInProcess(argv, folder);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });
});

describe('syscage compile --frequency', () => {
  it('lays the dispatch out by an external profile without changing decisions', async () => {
    writeFileSync(join(folder, 'hot.frequency'), 'openat: 100000\n');
    const plain = await runInProcess(['compile', 'aarch64/net_device.policy', '--default-action', 'trap', '-o', 'cold.bpf'], folder);
    const hot = await runInProcess(
      ['compile', 'aarch64/net_device.policy', '--default-action', 'trap', '--frequency', 'hot.frequency', '-o', 'hot.bpf'],
      folder,
    );
    expect([plain.code, hot.code]).toEqual([0, 0]);
    const probes = [[63, 0n], [56, 0n], [64, 0n]] as const;
    expect(decisions(join(folder, 'hot.bpf'), 0xc00000b7, probes)).toEqual(decisions(join(folder, 'cold.bpf'), 0xc00000b7, probes));
    // openat (56) is tested first once it is hot: after the arch check and the nr load.
    const program = decodeProgram(new Uint8Array(readFileSync(join(folder, 'hot.bpf')))).program;
    expect(program[4]).toMatchObject({ k: 56 });
  });

  it('reports a bad frequency file with a code frame', async () => {
    writeFileSync(join(folder, 'bad.frequency'), 'openat 12\n');
    const result = await runInProcess(['compile', 'plain.policy', '--arch', 'x86_64', '--frequency', 'bad.frequency', '-o', 'x.bpf'], folder);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bad.frequency:1');
  });
});

describe('syscage compile --size-budget', () => {
  // crosvm's serial block on aarch64: four syscalls, each tested once in the smallest layout;
  // refusing the often-made read and write sooner takes one more dispatch test.
  it.each([
    ['default (0.2)', [], 15],
    ['0: the smallest program', ['--size-budget', '0'], 15],
    ['none: no limit', ['--size-budget', 'none'], 16],
  ])('%s', async (_name, flags, instructions) => {
    writeFileSync(join(folder, 'aarch64/serial.policy'), 'connect: 1\nbind: 1\nopenat: return ENOENT\nprctl: arg0 == PR_SET_NAME\n');
    const result = await runInProcess(['compile', 'aarch64/serial.policy', '--default-action', 'trap', ...flags, '-o', 'serial.bpf'], folder);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const program = decodeProgram(new Uint8Array(readFileSync(join(folder, 'serial.bpf')))).program;
    expect(program).toHaveLength(instructions);
    // Same decisions whatever the size: read trapped, connect allowed, openat ENOENT.
    expect(decisions(join(folder, 'serial.bpf'), 0xc00000b7, [[63, 0n], [203, 0n], [56, 0n]])).toEqual(['trap', 'allow', 'errno 2']);
  });
});

describe('syscage check --arch runs the lowering checks', () => {
  it('reports unknown names and the syscall to use on that architecture', async () => {
    writeFileSync(join(folder, 'lowering.policy'), 'mmap: allow\nread: arg0 == O_RDONY\n');
    const result = await runInProcess(['check', 'lowering.policy', '--arch', 'arm'], folder);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SC4001');
    expect(result.stderr).toContain('use `mmap2` there');
    expect(result.stderr).toContain('SC4002');
    const clean = await runInProcess(['check', 'lowering.policy', '--arch', 'x86_64'], folder);
    expect(clean.stderr).not.toContain('SC4001');
    expect(clean.stderr).toContain('SC4002');
  });
});

describe('syscage compile --arch-json', () => {
  // A description whose numbers differ from the Linux table proves the file's numbers are used.
  const description = (extra: string): string =>
    `{"arch_nr": 3221225534, "arch_name": "x86_64", "bits": 64, "syscalls": {"read": 400, "write": 401}, "constants": {"FLAG": 7}${extra}}`;

  it('compiles with exactly the file’s syscall numbers and constants', async () => {
    writeFileSync(join(folder, 'custom.json'), description(''));
    writeFileSync(join(folder, 'custom.policy'), 'read: 1\nwrite: arg0 == FLAG\n');
    const result = await runInProcess(['compile', 'custom.policy', '--arch-json', 'custom.json', '--default-action', 'trap', '-o', 'custom.bpf'], folder);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const program = decodeProgram(new Uint8Array(readFileSync(join(folder, 'custom.bpf')))).program;
    const decide = (nr: number, arg0: bigint): string => {
      const outcome = emulate(program, { nr, arch: x86, instructionPointer: 0n, args: [arg0] });
      return outcome.ok ? outcome.action : 'invalid';
    };
    expect([decide(400, 0n), decide(401, 7n), decide(401, 8n), decide(0, 0n)]).toEqual(['allow', 'allow', 'trap', 'trap']);
  });

  it.each([
    ['a bad file prints its diagnostics', ['--arch-json', 'bad.json'], 1, 'bad.json:1:'],
    ['--arch and --arch-json together', ['--arch-json', 'custom.json', '--arch', 'x86_64'], 2, 'not both'],
  ])('%s', async (_label, flags, code, phrase) => {
    writeFileSync(join(folder, 'bad.json'), description(', "bits": 64'));
    writeFileSync(join(folder, 'custom.json'), description(''));
    const result = await runInProcess(['compile', 'plain.policy', ...flags, '-o', 'out.bpf'], folder);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(phrase);
  });
});
