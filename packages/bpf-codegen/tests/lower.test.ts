import { describe, expect, it } from 'vitest';
import type { ArchTable } from '@syscage/arch-tables';
import { lowerPolicy } from '../src/lower.js';
import { parseDefaultActionOption } from '../src/options.js';
import { compileText, tableNamed } from './compile/helpers.js';
import { createMemoryHost, resolvePolicy } from '@syscage/include-resolver';

const x86 = tableNamed('x86_64');
const arm = tableNamed('arm');
const aarch64 = tableNamed('aarch64');

function lower(text: string, table: ArchTable, options: Parameters<typeof lowerPolicy>[2] = {}) {
  const resolved = resolvePolicy('/p/main.policy', {
    host: createMemoryHost({ '/p/main.policy': text }),
    arch: table.name,
    ...(options.denylist === undefined ? {} : { denylist: options.denylist }),
  });
  return { resolved, lowered: lowerPolicy(resolved, table, options) };
}

describe('lowerPolicy: diagnostics', () => {
  it.each([
    // name, policy, table, code, line:col, message part, suggestion part
    ['misspelt syscall', 'raed: allow\n', x86, 'SC4001', '1:1', 'unknown syscall `raed`', 'did you mean `read`?'],
    ['mmap on arm', 'mmap: allow\n', arm, 'SC4001', '1:1', 'does not exist on arm; use `mmap2`', 'mmap2'],
    ['mmap2 on x86_64', 'mmap2: allow\n', x86, 'SC4001', '1:1', 'use `mmap`', 'mmap'],
    ['open on aarch64', 'open: allow\n', aarch64, 'SC4001', '1:1', 'use `openat`', 'openat'],
    ['stat on aarch64', 'stat: allow\n', aarch64, 'SC4001', '1:1', '`newfstatat`', 'newfstatat'],
    ['_llseek on x86_64', '_llseek: allow\n', x86, 'SC4001', '1:1', 'use `lseek`', 'lseek'],
    ['newfstatat on arm', 'newfstatat: allow\n', arm, 'SC4001', '1:1', 'use `fstatat64`', 'fstatat64'],
    // Names of Object.prototype's members were looked up in a plain object of replacements and crashed the hint.
    ['syscall named constructor', 'constructor: allow\n', x86, 'SC4001', '1:1', 'unknown syscall `constructor`', undefined],
    ['syscall named toString', 'toString: allow\n', arm, 'SC4001', '1:1', 'unknown syscall `toString`', undefined],
    ['misspelt constant', 'read: arg0 == O_RDONY\n', x86, 'SC4002', '1:15', 'unknown constant `O_RDONY`', 'O_RDONLY'],
    ['arg6', 'read: arg6 == 1\n', x86, 'SC4003', '1:7', 'only arg0..arg5', undefined],
    ['32-bit overflow', 'read: arg0 == 0x100000000\n', arm, 'SC4004', '1:15', 'does not fit in 32 bits', undefined],
    ['32-bit signed underflow', 'read: arg0 == -0x80000001\n', arm, 'SC4005', '1:15', 'signed underflow', undefined],
    ['overflow in return on 32-bit', 'read: return 0x100000000\n', arm, 'SC4004', '1:14', 'unsigned overflow', undefined],
    ['32-bit overflow in a constant expression', 'read: arg0 == 1|0x100000000\n', arm, 'SC4004', '1:17', 'unsigned overflow', undefined],
    ['syscall group', 'io@libc: allow\n', x86, 'SC4006', '1:1', 'needs a group table', 'list the syscalls'],
    // The kernel caps an errno at 4095 (MAX_ERRNO); masking to 16 bits changed the answer.
    ['errno above 4095', 'read: return 4096\n', x86, 'SC4022', '1:14', '`return 4096` is not an errno the kernel returns', 'EPERM'],
    ['errno 70000 (was errno 4464)', 'read: return 70000\n', x86, 'SC4022', '1:14', 'from 1 to 4095', 'EPERM'],
    ['errno -1 (was errno 65535)', 'write: arg0 == 1; return -1\n', arm, 'SC4022', '1:26', '`return -1`', 'EPERM'],
    ['errno 0 (a denied call that looks successful)', 'read: return 0\n', x86, 'SC4022', '1:14', '`return 0`', 'EPERM'],
    ['errno 0x10001 (was errno 1)', 'read: return 0x10001\n', x86, 'SC4022', '1:14', '`return 0x10001`', 'EPERM'],
    ['errno from a named constant', 'read: return O_DIRECTORY\n', x86, 'SC4022', '1:14', '`return O_DIRECTORY`', 'EPERM'],
  ])('%s', (_name, text, table, code, position, message, suggestion) => {
    const { lowered } = lower(text, table);
    expect(lowered.policy).toBeUndefined();
    const diagnostic = lowered.diagnostics.find((candidate) => candidate.code === code);
    expect(diagnostic, JSON.stringify(lowered.diagnostics)).toBeDefined();
    expect(`${diagnostic?.range.start.line}:${diagnostic?.range.start.column}`).toBe(position);
    expect(diagnostic?.message).toContain(message);
    expect(diagnostic?.file).toBe('/p/main.policy');
    if (suggestion !== undefined) expect(diagnostic?.suggestion).toContain(suggestion);
  });

  it('reports every problem, not only the first', () => {
    const { lowered } = lower('raed: allow\nwrite: arg0 == NOPE\nclose: arg7 == 1\n', x86);
    expect(lowered.diagnostics.map((diagnostic) => diagnostic.code).sort()).toEqual(['SC4001', 'SC4002']);
  });

  it('rejects a @denylist policy compiled without denylist mode', () => {
    const { lowered } = lower('@denylist\nread: return EPERM\n', x86);
    expect(lowered.policy).toBeUndefined();
    expect(lowered.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['SC4007']);
  });
});

describe('lowerPolicy: values', () => {
  it.each([
    ['negative on 64-bit', 'read: arg0 == -1', x86, 0xffffffffffffffffn],
    ['negative on 32-bit', 'read: arg0 == -1', arm, 0xffffffffn],
    ['complement on 64-bit', 'read: arg0 == ~0', x86, 0xffffffffffffffffn],
    ['complement on 32-bit', 'read: arg0 == ~0', arm, 0xffffffffn],
    ['or of constants', 'read: arg0 == 0x1|0x2|0x4|0x8', x86, 0xfn],
    ['octal', 'read: arg0 == 0755', x86, 493n],
    ['nested complement', 'read: arg0 == 0x0F|~(0x005AF000|0x00A50FFF)|0xF0', x86, 0xffffffffff0000ffn],
    ['named constant', 'read: arg2 in ~PROT_EXEC', x86, 0xfffffffffffffffbn],
  ])('%s', (_name, text, table, expected) => {
    const { lowered } = lower(`${text}\n`, table);
    expect(lowered.diagnostics).toEqual([]);
    expect(lowered.policy?.syscalls[0]?.filters[0]?.clauses[0]?.[0]?.value).toBe(expected);
  });
});

describe('lowerPolicy: actions and modes', () => {
  it.each([
    // name, policy, options, default action, kill action, arch mismatch, read fallback
    ['plain', 'read: allow\n', {}, 'kill-thread', 'kill-thread', 'kill-thread', 'allow'],
    ['@default trap', '@default trap\nread: kill\n', {}, 'trap', 'kill-thread', 'kill-thread', 'kill-thread'],
    ['option wins over @default', '@default trap\nread: arg0 == 1\n', { defaultAction: 'kill' }, 'kill-process', 'kill-thread', 'kill-thread', 'kill-process'],
    ['use kill process', 'read: kill\n', { useKillProcess: true }, 'kill-process', 'kill-process', 'kill-process', 'kill-process'],
    ['log failures', 'read: return EPERM\n', { logFailures: true }, 'log', 'log', 'log', 'log'],
    ['log failures keeps trap', 'read: trap\n', { logFailures: true }, 'log', 'log', 'log', 'trap'],
    ['denylist', '@denylist\nread: arg0 == 1; return EPERM\n', { denylist: true }, 'allow', 'errno 1', 'errno 1', 'allow'],
    ['largest errno', 'read: return 4095\n', {}, 'kill-thread', 'kill-thread', 'kill-thread', 'errno 4095'],
    ['errno option', 'read: arg0 == 1\n', { defaultAction: { errno: 4095 } }, 'errno 4095', 'kill-thread', 'kill-thread', 'errno 4095'],
  ] as const)('%s', (_name, text, options, defaultAction, killAction, mismatch, readFallback) => {
    const { lowered } = lower(text, x86, options);
    expect(lowered.diagnostics).toEqual([]);
    const policy = lowered.policy;
    const describe = (action: { kind: string; errno?: number } | undefined): string =>
      action === undefined ? 'none' : action.kind === 'errno' ? `errno ${action.errno ?? 0}` : action.kind;
    expect(describe(policy?.defaultAction)).toBe(defaultAction);
    expect(describe(policy?.killAction)).toBe(killAction);
    expect(describe(policy?.archMismatchAction)).toBe(mismatch);
    expect(describe(policy?.syscalls[0]?.fallback.action)).toBe(readFallback);
  });

  it.each([0, -1, 4096, 99_999, 1.5])('refuses the default-action option `return %s` with SC4010', (errno) => {
    const { lowered } = lower('read: allow\n', x86, { defaultAction: { errno } });
    expect(lowered.policy).toBeUndefined();
    expect(lowered.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['SC4010']);
    expect(lowered.diagnostics[0]?.message).toContain('from 1 to 4095');
  });

  it('never lets invalid numbers run, whatever the default', () => {
    for (const defaultAction of ['allow', 'log', 'trace', 'user-notify'] as const) {
      const { lowered } = lower('read: allow\n', x86, { defaultAction });
      expect(lowered.policy?.invalidNumberAction).toEqual({ kind: 'errno', errno: 38 });
    }
    const { lowered } = lower('@default trap\nread: allow\n', x86);
    expect(lowered.policy?.invalidNumberAction).toEqual({ kind: 'trap' });
  });

  it("reproduces Minijail's merge quirk: a final allow drops earlier conditional filters", () => {
    const { lowered } = lower('read: arg0 == 0; return EPERM\nread: allow\n', x86);
    const read = lowered.policy?.syscalls[0];
    expect(read?.filters).toEqual([]);
    expect(read?.fallback.action).toEqual({ kind: 'allow' });
    expect(read?.droppedByAllow).toHaveLength(1);
  });

  it('keeps only descriptors whose [arch=…] metadata names the target (Minijail names too)', () => {
    const text = '{mmap[arch=x86_64], mmap2[arch=arm], openat[arch=arm64]}: allow\n';
    for (const [table, expected] of [
      [x86, ['mmap']],
      [arm, ['mmap2']],
      [aarch64, ['openat']],
    ] as const) {
      const { lowered } = lower(text, table);
      expect(lowered.diagnostics).toEqual([]);
      expect(lowered.policy?.syscalls.map((syscall) => syscall.name)).toEqual(expected);
    }
  });

  it('takes frequencies from @frequency files (1 when absent)', () => {
    const { result } = compileText('@frequency ./main.frequency\nread: allow\nwrite: allow\n', x86, {}, {
      '/p/main.frequency': 'read: 40\n',
    });
    expect(result.lowered?.syscalls.map((syscall) => [syscall.name, syscall.frequency])).toEqual([
      ['read', 40],
      ['write', 1],
    ]);
  });

  // Where counts come from: the policy's @frequency first, then the option, and the typical
  // profile only when neither counts anything (so a partial profile is never mixed with it).
  it.each([
    ['policy file wins over the option', '@frequency ./main.frequency\n', { frequencies: new Map([['read', 7n], ['write', 9n]]) }, [['read', 40], ['write', 9]], [[0, 40], [1, 9]]],
    ['option without a policy file', '', { frequencies: new Map([['write', 9n]]) }, [['read', 1], ['write', 9]], [[1, 9]]],
    ['typical profile when nothing counts', '', {}, [['read', 10000], ['write', 10000]], [[0, 10000], [1, 10000], [3, 100], [7, 100], [16, 100]]],
    ['typical profile switched off', '', { typicalFrequencies: false }, [['read', 1], ['write', 1]], []],
  ] as const)('call counts: %s', (_name, header, options, listed, byNumber) => {
    const { result } = compileText(`${header}read: allow\nwrite: allow\n`, x86, options, { '/p/main.frequency': 'read: 40\n' });
    expect(result.lowered?.syscalls.map((syscall) => [syscall.name, syscall.frequency])).toEqual(listed);
    // Unlisted syscalls are counted too (close, poll, ioctl on x86_64 in the typical profile).
    const counts = [...(result.lowered?.callFrequencies ?? new Map<number, number>())].sort((a, b) => a[0] - b[0]);
    expect(counts.filter(([number]) => number <= 16)).toEqual(byNumber);
  });
});

describe('parseDefaultActionOption', () => {
  it.each([
    ['return 1', { errno: 1 }],
    ['errno 0xfff', { errno: 4095 }],
    ['return 4095', { errno: 4095 }],
    ['return 4096', undefined],
    ['return 99999', undefined],
    ['return 0', undefined],
    ['trap', 'trap'],
    ['maybe', undefined],
  ] as const)('%s → %j', (text, expected) => {
    expect(parseDefaultActionOption(text)).toEqual(expected);
  });
});
