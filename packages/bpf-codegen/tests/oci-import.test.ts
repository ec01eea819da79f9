// OCI profile import: bad profiles get a code, a JSON path and a line; Moby's and Podman's
// extensions are evaluated; the imported policy compiled by Syscage decides like libseccomp's
// compile of the profile (python3-seccomp, batched into one process), on profiles written here
// to use every operator, valueTwo, several architectures, includes/excludes and errno names; a
// fuzzer feeds the importer arbitrary text and arbitrary profiles.
import type { ArchTable } from '@syscage/arch-tables';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateLibseccompRequest, type LibseccompRequest } from '../src/libseccomp-rules.js';
import { compileManyWithLibseccomp, libseccompAvailable } from '../src/libseccomp-node.js';
import { importOciProfile, jsonPath } from '../src/oci-import.js';
import { libseccompRequestFromOciProfile } from '../src/oci.js';
import { actionReturnValue } from '../src/options.js';
import type { BpfProgram } from '../src/types.js';
import { compileText, numberOf, tableNamed } from './compile/helpers.js';
import { run, samples } from './libseccomp-samples.js';

const x86 = tableNamed('x86_64');
const file = '/p/profile.json';

describe('importOciProfile reports bad profiles with a code, a JSON path and a position', () => {
  it.each([
    ['invalid JSON', '{"defaultAction": "SCMP_ACT_ALLOW",', 'SC4039', 'not JSON', 1],
    ['a wrong type', '{\n"defaultAction": "SCMP_ACT_ERRNO",\n"defaultErrnoRet": "1"\n}', 'SC4040', '$.defaultErrnoRet: must be integer', 3],
    ['a missing field', '{"syscalls": []}', 'SC4040', "$: 'defaultAction' is missing", 1],
    ['an unknown field', '{"defaultAction": "SCMP_ACT_KILL",\n "syscall": []}', 'SC4040', "$: unknown field 'syscall'", 2],
    ['an unknown action', '{"defaultAction": "SCMP_ACT_KILL", "syscalls": [\n{"names": ["read"], "action": "SCMP_ACT_ALLOWED"}]}', 'SC4041', '$.syscalls[0].action: unknown action', 2],
    ['an unknown operator', '{"defaultAction": "SCMP_ACT_KILL", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",\n "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_IN"}]}]}', 'SC4041', '$.syscalls[0].args[0].op: unknown operator', 2],
    ['an unknown flag', '{"defaultAction": "SCMP_ACT_KILL", "flags": ["SECCOMP_FILTER_FLAG_NONE"]}', 'SC4041', '$.flags[0]: unknown name', 1],
    ['an index of 6', '{"defaultAction": "SCMP_ACT_KILL", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}', 'SC4042', '$.syscalls[0].args[0].index: an argument index is 0 to 5', 1],
    ['a duplicate name', '{"defaultAction": "SCMP_ACT_KILL", "syscalls": [{"names": ["read",\n "write",\n "read"], "action": "SCMP_ACT_ALLOW"}]}', 'SC4043', '$.syscalls[0].names[2]: a syscall name is listed twice', 3],
    ['a duplicate key', '{"defaultAction": "SCMP_ACT_KILL",\n"defaultAction": "SCMP_ACT_ALLOW"}', 'SC4043', '$.defaultAction: the key is given twice', 2],
    ['name and names', '{"defaultAction": "SCMP_ACT_KILL", "syscalls": [{"name": "read", "names": ["write"], "action": "SCMP_ACT_ALLOW"}]}', 'SC4040', "$.syscalls[0]: an entry needs 'names'", 1],
    ['a value past u64', '{"defaultAction": "SCMP_ACT_KILL", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 18446744073709551616, "op": "SCMP_CMP_EQ"}]}]}', 'SC4040', '$.syscalls[0].args[0].value: 18446744073709551616 is not an unsigned 64-bit integer', 1],
    ['a negative value', '{"defaultAction": "SCMP_ACT_KILL", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]}', 'SC4040', '$.syscalls[0].args[0].value: must be >= 0', 1],
    ['an unknown errno name', '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "ENOTANERRNO"}', 'SC4045', "$.defaultErrno: 'ENOTANERRNO' is not an errno name", 1],
    ['errno 0', '{"defaultAction": "SCMP_ACT_KILL", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 0}]}', 'SC4045', '$.syscalls[0].errnoRet: errno 0 cannot be a policy action', 1],
    ['trace data', '{"defaultAction": "SCMP_ACT_KILL", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_TRACE", "errnoRet": 7}]}', 'SC4045', '$.syscalls[0].errnoRet: SCMP_ACT_TRACE data', 1],
    [
      'overlapping entries of different actions',
      '{"defaultAction": "SCMP_ACT_KILL", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},\n{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5, "args": [{"index": 0, "value": 3, "op": "SCMP_CMP_LE"}]}]}',
      'SC4045',
      "$.syscalls[1]: 'read' has entries of different actions whose conditions overlap (with $.syscalls[0])",
      2,
    ],
    ['architectures and archMap', '{"defaultAction": "SCMP_ACT_KILL", "architectures": ["SCMP_ARCH_X86_64"], "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]}', 'SC4045', "$.archMap: both 'architectures' and 'archMap'", 1],
  ] as const)('%s', (_name, text, code, message, line) => {
    const result = importOciProfile(text, file, { table: x86 });
    expect(result.policy).toBeUndefined();
    const found = result.diagnostics.find((d) => d.code === code);
    expect(found?.message, JSON.stringify(result.diagnostics)).toContain(message);
    expect(found?.file).toBe(file);
    expect(found?.range.start.line).toBe(line);
  });

  it('writes JSON paths with indices and escaped keys', () => {
    expect(jsonPath('')).toBe('$');
    expect(jsonPath('/syscalls/3/args/0/op')).toBe('$.syscalls[3].args[0].op');
    expect(jsonPath('/a~1b/c~0d')).toBe('$.a/b.c~d');
  });

  it('reports an argument wider than a 32-bit architecture', () => {
    const text = '{"defaultAction": "SCMP_ACT_KILL", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 4294967296, "op": "SCMP_CMP_EQ"}]}]}';
    const result = importOciProfile(text, file, { table: tableNamed('arm') });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['SC4045']);
  });
});

/** The profile as JSON text, with u64 values written exactly. */
const profileText = (profile: unknown): string => JSON.stringify(profile, (_key, value: unknown) => (typeof value === 'bigint' ? `#${value.toString()}#` : value), 1).replace(/"#(\d+)#"/g, '$1');

const mobyProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrno: 'EPERM',
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  ],
  syscalls: [
    { names: ['read', 'write', 'close', 'no_such_call'], action: 'SCMP_ACT_ALLOW', comment: 'the basics' },
    { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }], excludes: { caps: ['CAP_SYS_ADMIN'], arches: ['s390x'] } },
    { names: ['clone', 'unshare'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errno: 'ENOSYS', excludes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['arch_prctl', 'modify_ldt'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32', 'x86'] } },
    { names: ['sync_file_range'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
    { names: ['openat2'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '5.6' } },
    { names: ['landlock_create_ruleset'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, excludes: { minKernel: '5.13' } },
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }, { index: 0, value: 8, op: 'SCMP_CMP_EQ' }, { index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
  ],
};

describe('importOciProfile reads Moby and Podman profiles', () => {
  it('evaluates includes and excludes for the capabilities, architecture and kernel', () => {
    const plain = importOciProfile(profileText(mobyProfile), file, { table: x86, kernel: '5.10' });
    expect(plain.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["SC4044 $.syscalls[0].names[3]: 'no_such_call' is not a syscall on x86_64; left out, as runtimes skip it"]);
    const lines = (plain.policy ?? '').split('\n');
    expect(lines).toContain('{read, write, close}: allow');
    expect(lines).toContain('# $.syscalls[0]: the basics');
    expect(lines).toContain('clone: arg0 in 0xffffffff81fdffff');
    expect(lines).toContain('clone3: return 38');
    expect(lines).toContain('{arch_prctl, modify_ldt}: allow');
    expect(lines).toContain('openat2: allow');
    expect(lines).toContain('landlock_create_ruleset: return 38');
    expect(lines).toContain('personality: arg0 == 0x0 || arg0 == 0x8 || arg0 == 0xffffffff');
    expect(lines.some((line) => line.startsWith('unshare') || line.startsWith('sync_file_range'))).toBe(false);
    expect(lines[1]).toBe('# Default action: SCMP_ACT_ERRNO (errno 1); compile with --default-action "return 1".');
    expect(plain.defaultActionOption).toEqual({ errno: 1 });

    const admin = importOciProfile(profileText(mobyProfile), file, { table: tableNamed('aarch64'), caps: ['CAP_SYS_ADMIN'], kernel: '6.1' });
    const adminLines = (admin.policy ?? '').split('\n');
    expect(adminLines).toContain('{clone, unshare}: allow');
    expect(adminLines).toContain('sync_file_range: allow');
    expect(adminLines.some((line) => /^(clone3|landlock_create_ruleset|clone: arg0)/.test(line))).toBe(false);
    // arch_prctl and modify_ldt are no syscalls of aarch64, but their entry is left out before the names are looked at.
    expect(admin.diagnostics.map((d) => d.code)).toEqual(['SC4044']);
  });

  it('writes an aligned MASKED_EQ block as a range, which an export merges back into one comparison', () => {
    const block = { index: 0, value: 0xfffffffffffffffcn, valueTwo: 4n, op: 'SCMP_CMP_MASKED_EQ' };
    const text = profileText({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [block] }, { names: ['write'], action: 'SCMP_ACT_ALLOW', args: [{ ...block, value: (1n << 64n) - 1n }] }] });
    const lines = (importOciProfile(text, file, { table: x86 }).policy ?? '').split('\n');
    expect(lines).toContain('read: arg0 >= 0x4 && arg0 <= 0x7');
    expect(lines).toContain('write: arg0 == 0x4');
  });

  it('warns when the profile does not cover the architecture (SC4046) and writes @default when the language can', () => {
    const text = profileText({ defaultAction: 'SCMP_ACT_KILL_PROCESS', architectures: ['SCMP_ARCH_AARCH64'], syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] });
    const result = importOciProfile(text, file, { table: x86 });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['SC4046']);
    expect(result.policy).toContain('\n@default kill-process\n');
    expect(result.defaultInPolicy).toBe(true);
  });
});

/** Profiles that use every operator, valueTwo, errno names, includes/excludes and several architectures. */
const handwritten: Readonly<Record<string, unknown>> = {
  'every operator': {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 38,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'],
    syscalls: [
      { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 3, op: 'SCMP_CMP_NE' }] },
      { names: ['write'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 4096, op: 'SCMP_CMP_LT' }, { index: 0, value: 2, op: 'SCMP_CMP_LE' }] },
      { names: ['pread64'], action: 'SCMP_ACT_ALLOW', args: [{ index: 3, value: 0x100000000n, op: 'SCMP_CMP_GT' }] },
      { names: ['pwrite64'], action: 'SCMP_ACT_ALLOW', args: [{ index: 3, value: 0xfffffffffffffff0n, op: 'SCMP_CMP_GE' }] },
      { names: ['close'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      { names: ['close'], action: 'SCMP_ACT_ERRNO', errnoRet: 9, args: [{ index: 0, value: 100, op: 'SCMP_CMP_GE' }] },
      { names: ['mmap'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 4, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }, { index: 3, value: 0x3, valueTwo: 0x2, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['mprotect'], action: 'SCMP_ACT_TRAP', args: [{ index: 2, value: 0xffffffff00000004n, valueTwo: 0x100000004n, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['fcntl'], action: 'SCMP_ACT_LOG', args: [{ index: 1, value: 1, op: 'SCMP_CMP_EQ' }, { index: 1, value: 2, op: 'SCMP_CMP_EQ' }, { index: 2, value: 7, op: 'SCMP_CMP_EQ' }] },
      { names: ['getpid', 'gettid'], action: 'SCMP_ACT_ALLOW' },
      { names: ['kill'], action: 'SCMP_ACT_KILL_PROCESS' },
      { names: ['tkill'], action: 'SCMP_ACT_KILL_THREAD' },
      { names: ['tgkill'], action: 'SCMP_ACT_KILL' },
      { names: ['ptrace'], action: 'SCMP_ACT_TRACE' },
      { names: ['ioctl'], action: 'SCMP_ACT_NOTIFY', args: [{ index: 1, value: 0x5401, op: 'SCMP_CMP_EQ' }] },
      { names: ['ioctl'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 0x5402, op: 'SCMP_CMP_EQ' }] },
    ],
  },
  'Moby and Podman extensions': { ...mobyProfile, syscalls: mobyProfile.syscalls.map((entry) => ({ ...entry, names: entry.names.filter((name) => name !== 'no_such_call') })) },
  'a trap default and names of one architecture': {
    defaultAction: 'SCMP_ACT_TRAP',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'],
    syscalls: [
      { names: ['openat', 'newfstatat'], action: 'SCMP_ACT_ERRNO', errno: 'ENOENT', args: [{ index: 2, value: 0o1000000, valueTwo: 0o1000000, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['openat', 'newfstatat'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 0o1000000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['exit_group'], action: 'SCMP_ACT_ALLOW' },
    ],
  },
};

const libseccomp = libseccompAvailable();
if (!libseccomp) console.warn('SKIPPED: OCI import differential tests need /usr/bin/python3 with python3-seccomp');

interface Case {
  readonly label: string;
  readonly table: ArchTable;
  readonly ours: BpfProgram;
  readonly request: LibseccompRequest;
  readonly values: readonly bigint[];
}

/** Imports and compiles a profile for one architecture; `request` is runc's reading of the same profile. */
function importCase(label: string, text: string, table: ArchTable, caps: readonly string[] = []): Case {
  const imported = importOciProfile(text, file, { table, caps, kernel: '6.1' });
  const errors = imported.diagnostics.filter((d) => d.severity === 'error');
  if (imported.policy === undefined || imported.resolved === undefined || imported.defaultActionOption === undefined) throw new Error(`${label}: ${JSON.stringify(errors)}`);
  const { result } = compileText(imported.policy, table, { defaultAction: imported.defaultActionOption, useKillProcess: true });
  if (!result.program || !result.lowered) throw new Error(`${label}: ${result.diagnostics.map((d) => d.message).join('\n')}\n${imported.policy}`);
  const request = { ...libseccompRequestFromOciProfile(imported.resolved, table.name, (name) => Object.hasOwn(table.syscalls, name)), badArchAction: result.lowered.archMismatchAction };
  const values = imported.resolved.syscalls.flatMap((entry) => (entry.args ?? []).flatMap((a) => [a.value, a.valueTwo ?? 0n]));
  return { label, table, ours: result.program, request, values };
}

/** Compares two programs on sampled calls of every syscall of the table; returns the number of vectors. */
function expectSame(ours: BpfProgram, theirs: BpfProgram, table: ArchTable, values: readonly bigint[], label: string): number {
  let vectors = 0;
  for (const [name, nr] of Object.entries(table.syscalls)) {
    for (const args of samples([ours, theirs], table, nr, values.slice(0, 24))) {
      vectors++;
      const want = run(theirs, table, nr, args);
      const got = run(ours, table, nr, args);
      if (got !== want) expect(got, `${name}(${args.join(', ')}) in ${label}`).toBe(want);
    }
  }
  return vectors;
}

describe.skipIf(!libseccomp)('imported profiles compiled by Syscage decide like libseccomp', () => {
  it('on the handwritten profiles, x86_64 and aarch64, with and without CAP_SYS_ADMIN', () => {
    const cases: Case[] = [];
    for (const [label, profile] of Object.entries(handwritten)) {
      for (const arch of ['x86_64', 'aarch64']) {
        for (const caps of [[], ['CAP_SYS_ADMIN']]) cases.push(importCase(`${label} (${arch}, ${caps.join(',') || 'no caps'})`, profileText(profile), tableNamed(arch), caps));
      }
    }
    const compiled = compileManyWithLibseccomp(cases.map((c) => c.request));
    let vectors = 0;
    cases.forEach((c, i) => {
      const theirs = compiled[i];
      if (!theirs?.ok) throw new Error(`${c.label}: ${theirs?.message ?? 'no result'}`);
      vectors += expectSame(c.ours, theirs.program, c.table, c.values, c.label);
    });
    console.log(`OCI import differential: ${String(cases.length)} profiles, ${String(vectors)} vectors, 0 differences`);
    expect(vectors).toBeGreaterThan(10_000);
  }, 1_200_000);
});

// Fuzzing: arbitrary text never crashes the importer, and arbitrary valid profiles either import
// (and then decide like runc's reading of them, evaluated without BPF) or are refused with SC4045.
const fuzzNames = ['read', 'write', 'openat', 'mmap', 'ioctl', 'close', 'no_such_call'];
const u64 = fc.oneof(fc.constantFrom(0n, 1n, 2n, 0xffn, 0xffffffffn, 1n << 63n, (1n << 64n) - 1n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));
const arg = fc.record({
  index: fc.integer({ min: 0, max: 5 }),
  value: u64,
  op: fc.constantFrom('SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'),
  valueTwo: u64,
});
const entry = fc.record(
  {
    names: fc.uniqueArray(fc.constantFrom(...fuzzNames), { minLength: 1, maxLength: 3 }),
    action: fc.constantFrom('SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRAP', 'SCMP_ACT_LOG', 'SCMP_ACT_KILL_PROCESS'),
    errnoRet: fc.integer({ min: 1, max: 4095 }),
    args: fc.array(arg, { maxLength: 3 }),
    includes: fc.record({ caps: fc.constant(['CAP_SYS_ADMIN']) }),
  },
  { requiredKeys: ['names', 'action'] },
);
const profile = fc.record({
  defaultAction: fc.constantFrom('SCMP_ACT_ERRNO', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_ALLOW'),
  syscalls: fc.array(entry, { maxLength: 6 }),
});

describe('importOciProfile under fuzzing', () => {
  it('never throws on arbitrary text, and every problem has a code and a position', () => {
    const text = fc.oneof(fc.string(), fc.json(), profile.map(profileText), profile.map((p) => profileText(p).slice(0, 40)));
    fc.assert(
      fc.property(text, (input) => {
        const result = importOciProfile(input, file, { table: x86 });
        for (const d of result.diagnostics) {
          expect(d.code).toMatch(/^SC404[0-6]|SC4039$/);
          expect(d.range.start.line).toBeGreaterThanOrEqual(1);
        }
        expect(result.policy === undefined).toBe(result.diagnostics.some((d) => d.severity === 'error'));
      }),
      { numRuns: 300 },
    );
  });

  it('imports valid profiles exactly: the compiled policy decides like the profile read as runc reads it', () => {
    fc.assert(
      fc.property(profile, fc.boolean(), fc.array(fc.array(u64, { minLength: 6, maxLength: 6 }), { minLength: 4, maxLength: 8 }), (p, admin, extra) => {
        const imported = importOciProfile(profileText(p), file, { table: x86, caps: admin ? ['CAP_SYS_ADMIN'] : [] });
        if (imported.policy === undefined) {
          expect(imported.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(expect.arrayContaining(['SC4045']));
          return;
        }
        if (!imported.resolved || !imported.defaultActionOption) throw new Error('no resolved profile');
        const { result } = compileText(imported.policy, x86, { defaultAction: imported.defaultActionOption, useKillProcess: true });
        if (!result.program) throw new Error(`${result.diagnostics.map((d) => d.message).join('\n')}\n${imported.policy}`);
        const request = libseccompRequestFromOciProfile(imported.resolved, 'x86_64', (name) => Object.hasOwn(x86.syscalls, name));
        const values = imported.resolved.syscalls.flatMap((e) => (e.args ?? []).flatMap((a) => [a.value, a.valueTwo ?? 0n]));
        for (const name of fuzzNames.filter((n) => Object.hasOwn(x86.syscalls, n))) {
          const nr = numberOf(x86, name);
          for (const args of [...samples([result.program], x86, nr, values.slice(0, 8)), ...extra]) {
            const want = actionReturnValue(evaluateLibseccompRequest(request, name, args));
            const got = run(result.program, x86, nr, args);
            if (got !== want) expect(got, `${name}(${args.join(', ')})\n${imported.policy}`).toBe(want);
          }
        }
      }),
      { numRuns: 150 },
    );
  }, 600_000);
});
