// The emitter's bookkeeping grows linearly with the rules of one syscall (issue 13 item 5). Path
// knowledge used to be copied whole at every word test and its memo key rebuilt from every fact,
// so 4,000 separate `ioctl: arg1 == V` lines took ~19 s and ~825 MB. Counted, not timed: each
// policy shape is compiled with n and 2n rules and the work must about double, not quadruple.
import { describe, expect, it } from 'vitest';
import { createMemoryHost, resolvePolicy } from '@syscage/include-resolver';
import { assemble } from '../../src/assemble.js';
import { type CodeNode, type EmitMeter, NodeFactory, compileFilters, pathStateLimit } from '../../src/emit.js';
import { SECCOMP_DATA_NR } from '../../src/opcodes.js';
import { joinFilters } from '../../src/passes.js';
import { defaultPlanWeights } from '../../src/plan.js';
import { lowerPolicy } from '../../src/lower.js';
import { tableNamed } from './helpers.js';

const x86 = tableNamed('x86_64');
const arm = tableNamed('arm');

const lines = (count: number, line: (index: number) => string): string => Array.from({ length: count }, (_, index) => line(index)).join('');

interface Shape {
  readonly name: string;
  readonly policy: (count: number) => string;
  readonly table?: typeof x86;
  /** Value sets on (the default) or off (how a program too long with them is compiled again). */
  readonly valueSets?: boolean;
}

const shapes: readonly Shape[] = [
  { name: 'separate `arg1 == V` lines tested one by one', policy: (n) => lines(n, (i) => `ioctl: arg1 == ${i * 7919 + 3}\n`), valueSets: false },
  { name: 'rules of alternating actions (not joined)', policy: (n) => lines(n, (i) => `ioctl: arg1 == ${i * 3}; return ${1 + (i % 2)}\n`) },
  { name: 'the same on a 32-bit architecture', policy: (n) => lines(n, (i) => `ioctl: arg1 == ${i * 3}; return ${1 + (i % 2)}\n`), table: arm },
  { name: 'a long `||` of `arg1 & M`', policy: (n) => `ioctl: ${lines(n, (i) => `${i === 0 ? '' : ' || '}arg1 & ${i + 1}`)}\n` },
  { name: '`in` masks of alternating actions', policy: (n) => lines(n, (i) => `ioctl: arg1 in ${((i * 2654435761) >>> 0) | 1}; return ${1 + (i % 3)}\n`) },
  { name: 'two-argument clauses', policy: (n) => lines(n, (i) => `fcntl: arg1 == ${i * 13} && arg2 != ${i}\n`) },
  { name: 'a deep `&&` chain', policy: (n) => `ioctl: ${lines(n, (i) => `${i === 0 ? '' : ' && '}arg${i % 6} != ${i}`)}\n` },
  { name: 'values with many high words', policy: (n) => lines(n, (i) => `ioctl: arg1 == ${(BigInt(i % 7) << 32n) + BigInt(i * 31)}\n`), valueSets: false },
];

/** Compiles the conditional syscall of a policy's filters the way the compiler does, counting. */
function meter(shape: Shape, count: number): EmitMeter {
  const table = shape.table ?? x86;
  const resolved = resolvePolicy('/p/main.policy', { host: createMemoryHost({ '/p/main.policy': shape.policy(count) }), arch: table.name });
  const lowered = lowerPolicy(resolved, table, { defaultAction: 'trap' }).policy;
  const syscall = lowered?.syscalls.find((candidate) => candidate.filters.length > 0);
  if (syscall === undefined) throw new Error('the policy has no conditional syscall');
  const counts: EmitMeter = { knowledgeUpdates: 0, knowledges: 0, keyCharacters: 0 };
  compileFilters(
    new NodeFactory(true),
    joinFilters(syscall.filters),
    syscall.fallback.action,
    {
      bits: table.bits,
      endianness: table.endianness,
      elideLoads: true,
      pathKnowledge: true,
      stateLimit: pathStateLimit,
      valueSets: shape.valueSets ?? true,
      valueTreeSizeWeight: defaultPlanWeights.size,
      meter: counts,
    },
    SECCOMP_DATA_NR,
  );
  return counts;
}

describe('emitter work grows linearly with the rules of one syscall', () => {
  it.each(shapes)('$name', (shape) => {
    const small = meter(shape, 1000);
    const large = meter(shape, 2000);
    // Twice the rules, at most ~twice the work (the key's numbers grow a digit); a quadratic
    // step makes it four times.
    expect(large.knowledgeUpdates).toBeLessThanOrEqual(2.2 * small.knowledgeUpdates + 16);
    expect(large.knowledges).toBeLessThanOrEqual(2.2 * small.knowledges + 16);
    expect(large.keyCharacters).toBeLessThanOrEqual(2.4 * small.keyCharacters + 16);
    expect(large.keyCharacters).toBeGreaterThan(0);
  });

  it('tracks knowledge along the whole chain of separate lines (the count is not vacuous)', () => {
    const counted = meter(shapes[0] as Shape, 1000);
    // One low-word test per rule, each a knowledge on both branches, applied once and undone once.
    expect(counted.knowledges).toBeGreaterThanOrEqual(2000);
    expect(counted.knowledgeUpdates).toBeGreaterThanOrEqual(1000);
  });
});

// Far past the kernel's limit a policy is refused with SC4020, so every stage must get there with
// a graph or rule of any size: spreading one into a call's arguments failed with a RangeError
// (20,000 two-argument `fcntl` lines, ~200,000 instructions, did).
describe('no stage spreads a policy-sized list into one call', () => {
  const size = 200_000;

  it('assembles a graph of 200,000 tests with far jumps', () => {
    const factory = new NodeFactory(false);
    const far = factory.ret(0);
    let chain: CodeNode = factory.ret(1);
    for (let index = 0; index < size; index++) chain = factory.test('jeq', index, far, chain);
    const assembled = assemble(chain);
    expect(assembled.trampolines).toBeGreaterThan(0);
    expect(assembled.program.length).toBe(size + assembled.trampolines + 2);
  });

  it('joins a rule of 200,000 alternatives to the rule before it', () => {
    const resolved = resolvePolicy('/p/main.policy', { host: createMemoryHost({ '/p/main.policy': 'ioctl: arg1 == 1\nioctl: arg1 == 2\n' }), arch: 'x86_64' });
    const [first, second] = lowerPolicy(resolved, x86, {}).policy?.syscalls.find((syscall) => syscall.name === 'ioctl')?.filters ?? [];
    if (first === undefined || second === undefined) throw new Error('ioctl has not two filters');
    const wide = { ...second, clauses: Array.from({ length: size }, (_, index) => [{ arg: 1, operator: '==' as const, value: BigInt(index) }]) };
    const joined = joinFilters([first, wide]);
    expect(joined).toHaveLength(1);
    expect(joined[0]?.clauses).toHaveLength(size + 1);
  });
});
