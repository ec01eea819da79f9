// OCI profile export: table-driven cases of what the export writes, and the decision-equality
// differential: each exported profile read the way runc reads it, compiled by libseccomp
// (python3-seccomp), must decide every sampled call like Syscage's compile of the policy.
import { readdirSync } from 'node:fs';
import type { ArchTable } from '@syscage/arch-tables';
import { resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from '../../../tools/shared-data/index.js';
import { describeWithShared } from '../../../tools/shared-data/vitest.js';
import type { CompileResult } from '../src/compile.js';
import { compilePolicy } from '../src/compile.js';
import { libseccompAvailable } from '../src/libseccomp-node.js';
import type { LibseccompRequest } from '../src/libseccomp-rules.js';
import type { LoweredPolicy } from '../src/lower.js';
import { importOciProfile } from '../src/oci-import.js';
import { exportOciProfile, libseccompRequestFromOciProfile, ociProfileJson, type OciSeccompProfile } from '../src/oci.js';
import type { BpfProgram } from '../src/types.js';
import { compileText, tableNamed, tables } from './compile/helpers.js';
import { libseccompBatch, type LibseccompBatch } from './libseccomp-batch.js';
import { run, samples } from './libseccomp-samples.js';

function exported(text: string, arch = 'x86_64'): { profile?: OciSeccompProfile; codes: string[]; result: CompileResult } {
  const { result } = compileText(text, tableNamed(arch), { defaultAction: 'trap' });
  if (!result.lowered) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  const out = exportOciProfile([result.lowered]);
  // SC4037 (runc's ENOSYS answer above the highest named syscall) is tested on its own below.
  return { ...(out.profile ? { profile: out.profile } : {}), codes: out.diagnostics.filter((d) => d.code !== 'SC4037').map((d) => d.code), result };
}

describe('exportOciProfile writes', () => {
  it.each([
    ['an unconditional allow', 'read: 1\n', [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }]],
    ['return N as errnoRet', 'read: return 13\n', [{ names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }]],
    ['== on the whole word', 'read: arg0 == 0x100000001\n', [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x100000001n, op: 'SCMP_CMP_EQ' }] }]],
    [
      '|| as several entries',
      'read: arg0 == 1 || arg1 != 2\n',
      [
        { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1n, op: 'SCMP_CMP_EQ' }] },
        { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 2n, op: 'SCMP_CMP_NE' }] },
      ],
    ],
    ['in V as MASKED_EQ(~V, 0)', 'read: arg2 in 0xf0\n', [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 0xffffffffffffff0fn, valueTwo: 0n, op: 'SCMP_CMP_MASKED_EQ' }] }]],
    [
      '& V as one MASKED_EQ per bit',
      'read: arg2 & 0x5\n',
      [
        { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 1n, valueTwo: 1n, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 4n, valueTwo: 4n, op: 'SCMP_CMP_MASKED_EQ' }] },
      ],
    ],
    ['two bounds on one argument merged', 'read: arg0 > 3 && arg0 >= 7\n', [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 7n, op: 'SCMP_CMP_GE' }] }]],
    ['a contradiction as no entry', 'read: arg0 == 3 && arg0 == 4\n', []],
    [
      'a closed range as aligned blocks',
      'read: arg0 >= 4 && arg0 <= 9\n',
      [
        { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0xfffffffffffffffcn, valueTwo: 4n, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0xfffffffffffffffen, valueTwo: 8n, op: 'SCMP_CMP_MASKED_EQ' }] },
      ],
    ],
    [
      'a fallback action as the negation of the filter',
      'read: arg0 == 1; return 5\nread: return 7\n',
      [
        { names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 5, args: [{ index: 0, value: 1n, op: 'SCMP_CMP_EQ' }] },
        { names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 7, args: [{ index: 0, value: 1n, op: 'SCMP_CMP_NE' }] },
      ],
    ],
    [
      'a fallback after & V as MASKED_EQ(V, 0)',
      'read: arg2 & 0x5; return 5\nread: return 7\n',
      [
        { names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 5, args: [{ index: 2, value: 1n, valueTwo: 1n, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 5, args: [{ index: 2, value: 4n, valueTwo: 4n, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 7, args: [{ index: 2, value: 5n, valueTwo: 0n, op: 'SCMP_CMP_MASKED_EQ' }] },
      ],
    ],
  ] as const)('%s', (_name, text, syscalls) => {
    const { profile, codes } = exported(text);
    expect(codes).toEqual([]);
    expect(profile).toEqual({ defaultAction: 'SCMP_ACT_TRAP', architectures: ['SCMP_ARCH_X86_64'], syscalls });
  });

  it('writes u64 values as exact JSON numbers', () => {
    const { profile } = exported('read: arg0 == 0xfffffffffffffff0\n');
    if (!profile) throw new Error('no profile');
    expect(ociProfileJson(profile, 0)).toContain('"value":18446744073709551600,');
  });

  it('writes per-architecture differences with includes.arches and warns (SC4038)', () => {
    const x86 = exported('read: arg0 == 1\nwrite: 1\narch_prctl: 1\n', 'x86_64').result.lowered;
    const arm = exported('read: arg0 == 2\nwrite: 1\n', 'aarch64').result.lowered;
    if (!x86 || !arm) throw new Error('not lowered');
    const out = exportOciProfile([x86, arm]);
    expect(out.diagnostics.filter((d) => d.code !== 'SC4037')).toMatchObject([{ code: 'SC4038', file: '/p/main.policy', range: { start: { line: 1, column: 1 } } }]);
    // write is the same on both; arch_prctl exists only on x86_64, so it needs no condition.
    const expected = [
      { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1n, op: 'SCMP_CMP_EQ' }], includes: { arches: ['amd64'] } },
      { names: ['arch_prctl', 'write'], action: 'SCMP_ACT_ALLOW' },
      { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2n, op: 'SCMP_CMP_EQ' }], includes: { arches: ['arm64'] } },
    ];
    expect(out.profile?.syscalls).toHaveLength(expected.length);
    expect(out.profile?.syscalls).toEqual(expect.arrayContaining(expected));
    expect(out.profile?.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64']);
  });

  it('refuses policies whose default actions differ (SC4035)', () => {
    const x86 = exported('read: 1\n', 'x86_64').result.lowered;
    const { result } = compileText('read: 1\n', tableNamed('aarch64'), { defaultAction: 'kill-process' });
    if (!x86 || !result.lowered) throw new Error('not lowered');
    const out = exportOciProfile([x86, result.lowered]);
    expect(out.profile).toBeUndefined();
    expect(out.diagnostics.map((d) => d.code)).toEqual(['SC4035']);
  });

  it('warns when a permissive default lets non-syscall numbers through (SC4037)', () => {
    const { result } = compileText('read: 1\n', tableNamed('x86_64'), { defaultAction: 'log' });
    if (!result.lowered) throw new Error('not lowered');
    expect(exportOciProfile([result.lowered]).diagnostics.map((d) => d.code)).toEqual(['SC4037']);
  });

  it("warns that runc answers ENOSYS above the highest syscall the profile names (SC4037)", () => {
    const trap = exported('read: 1\nopenat: 1\n').result.lowered;
    const { result } = compileText('read: 1\nopenat: 1\n', tableNamed('x86_64'), { defaultAction: { errno: 38 } });
    if (!trap || !result.lowered) throw new Error('not lowered');
    expect(exportOciProfile([trap]).diagnostics.map((d) => d.message)).toEqual(['runc answers ENOSYS, not the default action, for x86_64 syscalls numbered above openat (257), the highest the profile names']);
    expect(exportOciProfile([result.lowered]).diagnostics).toEqual([]);
  });

  it('gives up with SC4036 past the entry limit', () => {
    const { result } = compileText('read: arg0 >= 4 && arg0 <= 9\n', tableNamed('x86_64'), { defaultAction: 'trap' });
    if (!result.lowered) throw new Error('not lowered');
    const out = exportOciProfile([result.lowered], { maxEntriesPerSyscall: 1 });
    expect(out.profile).toBeUndefined();
    expect(out.diagnostics.map((d) => d.code)).toEqual(['SC4036']);
  });
});

const available = libseccompAvailable();
if (!available) console.warn('SKIPPED: OCI libseccomp differential tests need /usr/bin/python3 with python3-seccomp');

/** A compiled policy's export, and the libseccomp request of the exported profile as runc reads it. */
interface Exported {
  readonly label: string;
  readonly ours: BpfProgram;
  readonly lowered: LoweredPolicy;
  readonly request: LibseccompRequest;
  readonly values: readonly bigint[];
}

function exportedRequest(result: CompileResult, table: ArchTable, label: string): Exported {
  const ours = result.program;
  const lowered = result.lowered;
  if (!ours || !lowered) throw new Error(`${label} did not compile`);
  const out = exportOciProfile([lowered]);
  expect(out.diagnostics.filter((d) => d.severity === 'error'), label).toEqual([]);
  if (!out.profile) throw new Error('no profile');
  // The architecture-mismatch action is the runtime's choice; give libseccomp the policy's.
  const request = { ...libseccompRequestFromOciProfile(out.profile, table.name), badArchAction: lowered.archMismatchAction };
  const values = out.profile.syscalls.flatMap((entry) => (entry.args ?? []).flatMap((a) => [a.value, a.valueTwo ?? 0n]));
  return { label, ours, lowered, request, values };
}

/** Compares libseccomp's compile of the exported profile with ours on sampled calls of every listed syscall. */
function expectSameDecisions({ label, ours, lowered, request, values }: Exported, table: ArchTable, libseccomp: LibseccompBatch): void {
  const theirs = libseccomp.compile(request);
  if (!theirs.ok) throw new Error(`${theirs.message}\n${label}`);
  for (const syscall of lowered.syscalls) {
    for (const args of samples([ours, theirs.program], table, syscall.number, values.slice(0, 16))) {
      // expect() only on a difference: building its message and assertion for each of a million
      // agreeing vectors took longer than the comparison itself.
      const want = run(ours, table, syscall.number, args);
      const got = run(theirs.program, table, syscall.number, args);
      if (got !== want) expect(got, `${syscall.name}(${args.join(', ')}) in ${label}`).toBe(want);
    }
  }
}

const corpus = sharedData('corpus/crosvm-2022-06');
describeWithShared('exported crosvm-2022-06 profiles compiled by libseccomp decide like Syscage', [corpus], () => {
  const host = createNodeHost();
  for (const arch of ['x86_64', 'aarch64'] as const) {
    const table = tables[arch];
    describe.skipIf(!available || table === undefined)(arch, () => {
      const files = readdirSync(`${corpus.path}/${arch}`).filter((file) => file.endsWith('.policy')).sort();
      const exports = new Map<string, Exported>();
      const exportOf = (file: string): Exported => {
        if (table === undefined) throw new Error('unreachable');
        let made = exports.get(file);
        if (made === undefined) {
          const resolved = resolvePolicy(`${corpus.path}/${arch}/${file}`, { host, arch });
          made = exportedRequest(compilePolicy(resolved, table, { defaultAction: 'trap' }), table, file);
          exports.set(file, made);
        }
        return made;
      };
      // Every file's profile compiled by libseccomp in one Python process.
      const libseccomp = libseccompBatch();
      beforeAll(() => {
        libseccomp.add(files.map((file) => exportOf(file).request));
      }, 600_000);
      it.each(files)('%s', (file) => {
        if (table === undefined) throw new Error('unreachable');
        expectSameDecisions(exportOf(file), table, libseccomp);
      }, 600_000);
    });
  }
});

// The shapes of policies/ that the export used to refuse (SC4036) or that libseccomp 2.5.4 could
// not compile: an allow-list of ioctl requests with a type-byte block and an errno for the rest
// (986 entries before, over the 512 limit), `in` with an errno for the other bits re-exported
// after an import (3,481 entries before), and several arguments where the product of negations
// wrote dozens of `!= 1 && bit` entries that libseccomp compiles for hours.
const ioctlPolicy =
  'ioctl: arg1 == 0x5451 || arg1 == 0x5421 || arg1 == 0xaa00 || arg1 == 0xc018aa3f || ' +
  'arg1 in ~0x9b00 && arg1 & 0x400 && arg1 & 0x2000 && arg1 & 0x4000 || ' +
  'arg1 == 0x40086200 || arg1 == 0xc0303e03 || arg1 == 0xc0383e04 || arg1 == 0x40187542 || arg1 == 0x40087543\n' +
  'ioctl: return 25\n';
const socketPolicy = 'socket: arg0 == 1 || arg0 == 2 && arg1 in 0x80002 && arg2 == 0\nsocket: return 13\n';
const openatPolicy = 'openat: arg2 in 0xb8800\nopenat: return 13\n';

describe('exportOciProfile writes compact exact profiles', () => {
  it.each([
    // [shape, architecture, policy, most entries]
    ['an ioctl allow-list with an errno for the rest', 'x86_64', ioctlPolicy, 260],
    ['an ioctl allow-list with an errno for the rest', 'aarch64', ioctlPolicy, 260],
    ['several arguments with an errno for the rest', 'x86_64', socketPolicy, 200],
    ['in V with an errno for the other bits', 'x86_64', openatPolicy, 60],
  ] as const)('%s (%s)', (_name, arch, text, most) => {
    const { profile, codes } = exported(text, arch);
    expect(codes).toEqual([]);
    expect(profile?.syscalls.length).toBeLessThanOrEqual(most);
  });

  it('writes != only in entries that test one argument (libseccomp 2.5.4 hangs on dozens of multi-argument != entries)', () => {
    const { profile } = exported(socketPolicy);
    const multi = (profile?.syscalls ?? []).filter((entry) => (entry.args ?? []).length > 1);
    expect(multi.length).toBeGreaterThan(0);
    expect(multi.filter((entry) => entry.args?.some((a) => a.op === 'SCMP_CMP_NE'))).toEqual([]);
  });

  it('re-exports an imported profile at the size of the first export', () => {
    const table = tableNamed('x86_64');
    const first = exported(openatPolicy).profile;
    if (!first) throw new Error('no profile');
    const imported = importOciProfile(ociProfileJson(first), 'openat.json', { table });
    if (imported.policy === undefined || imported.defaultActionOption === undefined) throw new Error(imported.diagnostics.map((d) => d.message).join('\n'));
    const { result } = compileText(imported.policy, table, { defaultAction: imported.defaultActionOption });
    if (!result.lowered) throw new Error('not lowered');
    const again = exportOciProfile([result.lowered]);
    expect(again.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(again.profile?.syscalls.length).toBe(first.syscalls.length);
  });

  describe.skipIf(!available)('and libseccomp decides like Syscage', () => {
    const cases = [
      ['ioctl', 'x86_64', ioctlPolicy],
      ['ioctl', 'aarch64', ioctlPolicy],
      ['socket', 'x86_64', socketPolicy],
      ['openat', 'x86_64', openatPolicy],
    ] as const;
    const exportOf = (name: string, arch: string, text: string): Exported => exportedRequest(compileText(text, tableNamed(arch), { defaultAction: 'trap' }).result, tableNamed(arch), name);
    // The four profiles compiled by libseccomp in one Python process.
    const libseccomp = libseccompBatch();
    beforeAll(() => {
      libseccomp.add(cases.map(([name, arch, text]) => exportOf(name, arch, text).request));
    }, 600_000);
    it.each(cases)('%s (%s)', (name, arch, text) => {
      expectSameDecisions(exportOf(name, arch, text), tableNamed(arch), libseccomp);
    }, 600_000);
  });
});
