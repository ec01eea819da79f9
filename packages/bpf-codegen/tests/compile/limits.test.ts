// Large programs: conditional jumps beyond 255 go through `ja` trampolines, and programs over
// BPF_MAXINSNS are refused with a diagnostic naming the largest contributors.
import { describe, expect, it } from 'vitest';
import { emulate } from '../../src/emulate.js';
import { actionReturnValue } from '../../src/options.js';
import { evaluatePolicy } from '../../src/reference.js';
import { validateProgram } from '../../src/validate.js';
import { compileText, tableNamed } from './helpers.js';

const x86 = tableNamed('x86_64');
const names = Object.keys(x86.syscalls).sort();

describe('long programs', () => {
  it('routes far jumps through trampolines and still decides like the reference', () => {
    const text = names
      .slice(0, 300)
      .map((name, index) => `${name}: arg0 == ${index} || arg1 == ${index * 7}; return ${(index % 100) + 1}\n`)
      .join('');
    const { result } = compileText(text, x86, { defaultAction: 'trap' });
    expect(result.diagnostics).toEqual([]);
    const program = result.program ?? [];
    expect(program.length).toBeGreaterThan(1000);
    expect(result.stats?.trampolines).toBeGreaterThan(0);
    expect(validateProgram(program).filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
    const lowered = result.lowered;
    if (lowered === undefined) throw new Error('not lowered');
    names.slice(0, 300).forEach((name, index) => {
      const nr = x86.syscalls[name] ?? 0;
      for (const args of [[BigInt(index), 0n], [5000n, BigInt(index * 7)], [5000n, 5001n], [BigInt(index) | (1n << 32n), 0n]]) {
        const input = { nr, arch: x86.auditArch, args };
        const emulated = emulate(program, { ...input, instructionPointer: 0n }, { recordPath: false });
        expect(emulated.ok && emulated.returnValue >>> 0, name).toBe(actionReturnValue(evaluatePolicy(lowered, input).action));
      }
    });
  }, 600_000);

  it('refuses programs over 4096 instructions and names the largest contributors', () => {
    const clause = (index: number, arg: number): string => `arg${arg} == ${index * 13 + arg} && arg${(arg + 1) % 6} != ${index}`;
    const text = names
      .map((name, index) => `${name}: ${[0, 1, 2, 3].map((arg) => clause(index, arg)).join(' || ')}\n`)
      .join('');
    const { result } = compileText(text, x86, {});
    expect(result.program).toBeUndefined();
    const diagnostic = result.diagnostics.find((candidate) => candidate.code === 'SC4020');
    expect(diagnostic?.message).toMatch(/the program has \d+ instructions, more than the kernel's limit of 4096/);
    expect(diagnostic?.message).toContain('largest contributors:');
    expect(diagnostic?.related?.length).toBeGreaterThan(0);
    expect(diagnostic?.file).toBe('/p/main.policy');
  }, 600_000);

  // Six sparse `arg0 == V` values on 225 syscalls: with value sets the program is over 4096
  // instructions, testing the values one after the other it fits (3,911), so that is what comes out.
  it('tries again without value sets when they make the program too long', () => {
    const policy = (count: number): string =>
      names
        .slice(0, count)
        .map((name, index) => `${name}: ${Array.from({ length: 6 }, (_, value) => `arg0 == ${index * 1000 + value * 37}`).join(' || ')}\n`)
        .join('');
    const big = compileText(policy(225), x86, { defaultAction: 'trap' }).result;
    const bigPlain = compileText(policy(225), x86, { defaultAction: 'trap', passes: { valueSets: false } }).result;
    expect(big.diagnostics).toEqual([]);
    expect(big.program).toEqual(bigPlain.program);
    // A smaller policy keeps its value sets.
    const small = compileText(policy(100), x86, { defaultAction: 'trap' }).result;
    const smallPlain = compileText(policy(100), x86, { defaultAction: 'trap', passes: { valueSets: false } }).result;
    expect(small.program).not.toEqual(smallPlain.program);
  }, 600_000);

  it('tests a repeated alternative once: 3,000 alternatives with 30 distinct masks compile', () => {
    const text = `ioctl: ${Array.from({ length: 3000 }, (_, index) => `arg1 & ${1 + (index % 30)}`).join(' || ')}\n`;
    const { result } = compileText(text, x86, { defaultAction: 'trap' });
    expect(result.diagnostics).toEqual([]);
    const program = result.program ?? [];
    const lowered = result.lowered;
    if (lowered === undefined) throw new Error('not lowered');
    for (const arg of [0n, 1n, 32n, 64n, 1n << 33n]) {
      const input = { nr: x86.syscalls.ioctl ?? 16, arch: x86.auditArch, args: [0n, arg] };
      const emulated = emulate(program, { ...input, instructionPointer: 0n }, { recordPath: false });
      expect(emulated.ok && emulated.returnValue >>> 0).toBe(actionReturnValue(evaluatePolicy(lowered, input).action));
    }
  });

  // Compilation builds every tree and graph with an explicit stack, so the only limit on a
  // policy is the kernel's 4096 instructions, whatever the engine's stack.
  const agreesWithReference = (text: string, table: typeof x86, samples: readonly (readonly bigint[])[]): number => {
    const { result } = compileText(text, table, { defaultAction: 'trap' });
    expect(result.diagnostics).toEqual([]);
    const program = result.program ?? [];
    const lowered = result.lowered;
    if (lowered === undefined) throw new Error('not lowered');
    for (const args of samples) {
      const input = { nr: table.syscalls.ioctl ?? 16, arch: table.auditArch, args };
      const emulated = emulate(program, { ...input, instructionPointer: 0n }, { recordPath: false });
      expect(emulated.ok && emulated.returnValue >>> 0, String(args)).toBe(actionReturnValue(evaluatePolicy(lowered, input).action));
    }
    return program.length;
  };
  const lines = (count: number, line: (index: number) => string): string => Array.from({ length: count }, (_, index) => line(index)).join('');

  it('compiles 900 separate `ioctl: arg1 == V` lines like one `||` rule (they used to fail with SC4021)', () => {
    const value = (index: number): number => index * 7919 + 3;
    const separate = lines(900, (index) => `ioctl: arg1 == ${value(index)}\n`);
    const joined = `ioctl: ${Array.from({ length: 900 }, (_, index) => `arg1 == ${value(index)}`).join(' || ')}\n`;
    const samples = [0n, 3n, 4n, BigInt(value(450)), BigInt(value(899)), BigInt(value(899) + 1), (1n << 32n) | 3n].map((arg) => [0n, arg]);
    const length = agreesWithReference(separate, x86, samples);
    expect(length).toBe(agreesWithReference(joined, x86, samples));
    expect(compileText(separate, x86, { defaultAction: 'trap' }).result.program).toEqual(compileText(joined, x86, { defaultAction: 'trap' }).result.program);
  }, 600_000);

  it('compiles 5,000 separate rules on one syscall', () => {
    const value = (index: number): number => Math.floor(index / 100) * 1000 + (index % 100);
    const samples = [0n, 99n, 100n, 999n, 1000n, 49_099n, 49_100n, (1n << 40n) | 5n].map((arg) => [0n, arg]);
    expect(agreesWithReference(lines(5000, (index) => `ioctl: arg1 == ${value(index)}\n`), x86, samples)).toBeLessThan(4096);
  }, 600_000);

  it('compiles a chain of 1,800 filters that cannot be joined (actions alternate), nested 1,800 deep', () => {
    const arm = tableNamed('arm');
    const samples = [0n, 3n, 6n, 1n, 5397n, 5400n, 2700n].map((arg) => [0n, arg]);
    expect(agreesWithReference(lines(1800, (index) => `ioctl: arg1 == ${index * 3}; return ${1 + (index % 2)}\n`), arm, samples)).toBeGreaterThan(1800);
  }, 600_000);

  it('reports a chain of 3,000 distinct alternatives as too long (SC4020), not as a stack problem', () => {
    const text = `read: 1\nioctl: ${Array.from({ length: 3000 }, (_, index) => `arg1 & ${index + 1}`).join(' || ')}\n`;
    const { result } = compileText(text, x86, { defaultAction: 'trap', passes: { pathKnowledge: false } });
    expect(result.program).toBeUndefined();
    expect(result.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['SC4020']);
    expect(result.diagnostics[0]?.message).toMatch(/largest contributors: ioctl/);
  }, 600_000);
});
