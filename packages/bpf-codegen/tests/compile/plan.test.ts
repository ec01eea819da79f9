// Planning follows the call counts: syscalls that are made often, allowed or denied, are decided
// after fewer dispatch tests. Counts come from @frequency, the option, or the typical profile.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emulate } from '../../src/emulate.js';
import type { GenerateOptions } from '../../src/compile.js';
import { type Segment, defaultPlanWeights, planDispatch, smallestDispatchTests } from '../../src/plan.js';
import { compileText, numberOf, tableNamed } from './helpers.js';

// A narrow policy like crosvm's serial.policy: read and write are denied but still made often.
const narrow = 'prctl: arg0 == 15\nbind: allow\nconnect: allow\nsocket: allow\nlisten: allow\nopenat: return 2\n';

function executed(text: string, archName: string, syscall: string, options: GenerateOptions, files: Record<string, string> = {}): { action: string; count: number } {
  const table = tableNamed(archName);
  const { result } = compileText(text, table, { defaultAction: 'trap', ...options }, files);
  if (result.program === undefined) throw new Error('no program');
  const run = emulate(result.program, { nr: numberOf(table, syscall), arch: table.auditArch, instructionPointer: 0n, args: [15n, 0n, 0n, 0n, 0n, 0n] }, { byteOrder: table.endianness });
  if (!run.ok) throw new Error('emulation failed');
  return { action: run.action, count: run.instructionsExecuted };
}

describe('dispatch follows call counts', () => {
  // arch load + test, nr load, one dispatch test, ret: the least a denial can execute.
  it.each([
    ['x86_64', 'read'],
    ['x86_64', 'write'],
    ['arm', 'read'],
    ['arm', 'write'],
  ])('%s: a denied %s the typical profile counts is refused after one dispatch test', (archName, syscall) => {
    // (No size budget: on arm this tiny policy's smallest layout has four dispatch tests, and
    // the default budget grants no fifth one; see the size budget cases below.)
    expect(executed(narrow, archName, syscall, { sizeBudget: Infinity })).toEqual({ action: 'trap', count: 5 });
    // Without counts the plan minimises the allowed syscalls' tests instead.
    expect(executed(narrow, archName, syscall, { typicalFrequencies: false, sizeBudget: Infinity }).count).toBeGreaterThan(5);
  });

  it.each([
    ['@frequency file', {}, { '/p/main.frequency': 'listen: 1000\n' }, '@frequency ./main.frequency\n', 'listen', 'prctl'],
    ['frequencies option', { frequencies: new Map([['socket', 1000n]]) }, {}, '', 'socket', 'prctl'],
  ] as const)('%s: the counted syscall is decided before the others', (_name, options, files, header, counted, other) => {
    const text = `${header}${narrow}`;
    const hot = executed(text, 'x86_64', counted, options, files);
    const cold = executed(text, 'x86_64', other, options, files);
    expect(hot.count).toBeLessThan(cold.count);
    // Without the count the same syscall is further down.
    expect(executed(narrow, 'x86_64', counted, {}).count).toBeGreaterThan(hot.count);
  });
});

describe('size budget', () => {
  // crosvm's serial.policy on aarch64: four syscalls tested one by one in the smallest layout;
  // making the denied read and write cheaper would take a fifth dispatch test.
  const serial = 'connect: 1\nbind: 1\nopenat: return ENOENT\nprctl: arg0 == PR_SET_NAME\n';

  it.each<[string, GenerateOptions, number, number]>([
    ['default budget: no extra test for a dispatch of four', {}, 15, 8],
    ['budget 0: the smallest layout', { sizeBudget: 0 }, 15, 8],
    ['no budget: one more instruction refuses read sooner', { sizeBudget: Infinity }, 16, 6],
  ])('aarch64 serial block, %s', (_name, options, instructions, readCost) => {
    const { result } = compileText(serial, tableNamed('aarch64'), { defaultAction: 'trap', ...options });
    expect(result.stats?.instructions).toBe(instructions);
    expect(executed(serial, 'aarch64', 'read', options)).toEqual({ action: 'trap', count: readCost });
    if (options.sizeBudget === Infinity) expect(result.stats?.smallestDispatchTests).toBeUndefined();
    else expect(result.stats).toMatchObject({ smallestDispatchTests: 4, dispatchTests: 4 });
  });

  const wide = Array.from({ length: 40 }, (_, index) => `${['read', 'write', 'close', 'fstat', 'lseek', 'mmap', 'mprotect', 'munmap', 'brk', 'rt_sigaction', 'rt_sigprocmask', 'ioctl', 'pread64', 'pwrite64', 'readv', 'writev', 'access', 'pipe', 'select', 'sched_yield', 'mremap', 'msync', 'mincore', 'madvise', 'dup', 'dup2', 'pause', 'nanosleep', 'getitimer', 'alarm', 'setitimer', 'getpid', 'sendfile', 'socket', 'connect', 'accept', 'sendto', 'recvfrom', 'sendmsg', 'recvmsg'][index] ?? 'read'}: ${index % 7 === 0 ? 'arg0 == 1 || arg0 == 2' : '1'}`).join('\n');
  it.each([
    ['narrow', 'x86_64', narrow],
    ['narrow', 'aarch64', narrow],
    ['narrow', 'arm', narrow],
    ['serial block', 'x86_64', serial],
    ['serial block', 'arm', serial],
    ['forty syscalls', 'x86_64', wide],
  ])('%s policy on %s: at most one dispatch test per five over the smallest plan, which the size-first layout reaches', (_name, archName, text) => {
    const table = tableNamed(archName);
    const stats = compileText(text, table, { defaultAction: 'trap' }).result.stats;
    const smallestLayout = compileText(text, table, { defaultAction: 'trap', sizeBudget: 0 }).result.stats;
    if (stats?.smallestDispatchTests === undefined || smallestLayout === undefined) throw new Error('no size figures');
    expect(stats.dispatchTests - stats.smallestDispatchTests).toBeGreaterThanOrEqual(0);
    expect(stats.dispatchTests - stats.smallestDispatchTests).toBeLessThanOrEqual(Math.floor(0.2 * stats.smallestDispatchTests));
    // The count is not only a bound: the smallest layout has exactly that many tests.
    expect(smallestLayout.dispatchTests).toBe(stats.smallestDispatchTests);
  });

  it('without the cost-planned layout there is no smallest layout to measure against', () => {
    const { result } = compileText(narrow, tableNamed('x86_64'), { defaultAction: 'trap', passes: { costTree: false } });
    expect(result.stats?.smallestDispatchTests).toBeUndefined();
    expect(result.program).toBeDefined();
  });
});

describe('exhaustive planning', () => {
  // The default search bounds the split points (Knuth) and chain leaves (6 tests); the
  // exhaustive one does neither, so its smallest layout is never longer, and decisions agree.
  const policies = [
    ['narrow', 'x86_64', narrow],
    ['narrow', 'arm', narrow],
    ['forty-ish syscalls', 'aarch64', ['read', 'write', 'close', 'fstat', 'mmap', 'mprotect', 'munmap', 'brk', 'ioctl', 'readv', 'writev', 'sched_yield', 'madvise', 'dup', 'nanosleep', 'getpid', 'socket', 'connect', 'sendmsg', 'recvmsg', 'clone', 'exit', 'wait4', 'kill', 'uname', 'fcntl', 'flock', 'fsync', 'getcwd', 'chdir', 'fchmod', 'getuid', 'prctl', 'gettid', 'futex', 'epoll_ctl', 'openat', 'exit_group', 'pipe2', 'getrandom'].map((name, index) => `${name}: ${index % 9 === 4 ? 'arg0 == 3' : 'allow'}`).join('\n')],
  ] as const;
  it.each(policies)('%s on %s: the exhaustive smallest layout is no longer', (_name, archName, text) => {
    const table = tableNamed(archName);
    const fast = compileText(text, table, { defaultAction: 'trap', sizeBudget: 0 }).result;
    const exhaustive = compileText(text, table, { defaultAction: 'trap', sizeBudget: 0, exhaustivePlan: true }).result;
    if (fast.program === undefined || exhaustive.program === undefined) throw new Error('no program');
    expect(exhaustive.program.length).toBeLessThanOrEqual(fast.program.length);
    for (const nr of [0, 1, 3, 29, 56, 63, 64, 98, 167, 172, 200, 281, 322, 435, 1000]) {
      const input = { nr, arch: table.auditArch, instructionPointer: 0n, args: [3n, 0n, 0n, 0n, 0n, 0n] };
      const a = emulate(fast.program, input);
      const b = emulate(exhaustive.program, input);
      expect(a.ok && b.ok && a.returnValue === b.returnValue).toBe(true);
    }
  });
});

describe('smallestDispatchTests', () => {
  // Segments as [low, high, outcome] over the whole 32-bit range.
  const segmentsOf = (spec: readonly (readonly [number, number, string])[]): Segment[] =>
    spec.map(([low, high, key]) => ({ low, high, outcome: { kind: 'action', key, action: { kind: 'allow' } }, weight: 1, syscallCount: high - low + 1 }));
  const top = 0xffffffff;
  it.each<[string, readonly (readonly [number, number, string])[], boolean, number]>([
    ['one segment', [[0, top, 'd']], true, 0],
    ['two segments: one bound', [[0, 9, 'a'], [10, top, 'd']], true, 1],
    ['a single number inside: jeq', [[0, 4, 'd'], [5, 5, 'a'], [6, top, 'd']], true, 1],
    ['a range inside: both bounds', [[0, 4, 'd'], [5, 7, 'a'], [8, top, 'd']], true, 2],
    ['two islands: a jeq and a range', [[0, 4, 'd'], [5, 5, 'a'], [6, 9, 'd'], [10, 12, 'b'], [13, top, 'd']], true, 3],
    ['no chain leaves: one split per boundary', [[0, 4, 'd'], [5, 5, 'a'], [6, top, 'd']], false, 2],
  ])('%s', (_name, spec, chainLeaves, tests) => {
    expect(smallestDispatchTests(segmentsOf(spec), chainLeaves)).toBe(tests);
  });

  it('is what the exhaustive size-first plan reaches on a forty-syscall policy', () => {
    const text = ['read', 'write', 'close', 'fstat', 'mmap', 'mprotect', 'munmap', 'brk', 'ioctl', 'readv', 'writev', 'sched_yield', 'madvise', 'dup', 'nanosleep', 'getpid', 'socket', 'connect', 'sendmsg', 'recvmsg', 'clone', 'exit', 'wait4', 'kill', 'uname', 'fcntl', 'flock', 'fsync', 'getcwd', 'chdir', 'fchmod', 'getuid', 'prctl', 'gettid', 'futex', 'epoll_ctl', 'openat', 'exit_group', 'pipe2', 'getrandom'].map((name, index) => `${name}: ${index % 5 === 2 ? 'return 1' : 'allow'}`).join('\n');
    for (const archName of ['x86_64', 'aarch64', 'arm']) {
      const result = compileText(text, tableNamed(archName), { defaultAction: 'trap', sizeBudget: 0, exhaustivePlan: true }).result;
      expect(result.stats?.dispatchTests).toBe(result.stats?.smallestDispatchTests);
    }
  });
});

describe('chain bound', () => {
  // The planner costs a chain leaf only where its lower bound does not exceed the competing
  // split; the plan must be exactly the one costing every chain gives. Weights include zeros,
  // ties and wide ranges, since the bound's margin is what keeps ties decided as before.
  const weight = fc.oneof(fc.constant(0), fc.constant(0.5), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true }));
  const segmentList = fc
    .array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), weight), { minLength: 1, maxLength: 60 })
    .map((parts) => {
      let low = 0;
      return parts.map(([width, key, segmentWeight], index): Segment => {
        const high = index === parts.length - 1 ? 0xffffffff : low + width - 1;
        const segment: Segment = { low, high, outcome: { kind: 'action', key, action: { kind: 'allow' } }, weight: segmentWeight, syscallCount: high - low + 1 };
        low = high + 1;
        return segment;
      });
    });
  const size = fc.oneof(fc.constant(defaultPlanWeights.size), fc.constant(0), fc.double({ min: 0, max: 10, noNaN: true }));

  it('plans exactly what costing every chain plans', () => {
    fc.assert(
      fc.property(segmentList, size, fc.integer({ min: 1, max: 8 }), (segments, sizeWeight, maxChainTests) => {
        const settings = { costTree: true, chainLeaves: true, maxChainTests, weights: { ...defaultPlanWeights, size: sizeWeight } };
        expect(planDispatch(segments, settings)).toEqual(planDispatch(segments, { ...settings, chainBound: false }));
      }),
      { numRuns: 300 },
    );
  });
});
