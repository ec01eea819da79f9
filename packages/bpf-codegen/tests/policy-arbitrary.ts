// Random policies for property tests (shared by property.test.ts and verify.test.ts): rule lists
// over real syscalls with every comparison operator, edge-value constants and every action word.
import fc from 'fast-check';
import type { ArchTable } from '@syscage/arch-tables';
import type { LoweredPolicy } from '../src/lower.js';
import type { BpfProgram } from '../src/types.js';
import { compileText, tableNamed } from './compile/helpers.js';

const syscallPool = [
  'read', 'write', 'close', 'fstat', 'lseek', 'mprotect', 'munmap', 'brk', 'rt_sigaction', 'ioctl',
  'readv', 'writev', 'sched_yield', 'madvise', 'dup', 'nanosleep', 'getpid', 'socket', 'connect',
  'sendmsg', 'recvmsg', 'clone', 'exit', 'wait4', 'kill', 'uname', 'fcntl', 'flock', 'fsync',
  'getcwd', 'chdir', 'fchmod', 'getuid', 'prctl', 'gettid', 'futex', 'epoll_ctl', 'openat',
  'exit_group', 'pipe2', 'getrandom', 'statx', 'prlimit64', 'eventfd2', 'dup3',
];

const edgeValues = [
  0n, 1n, 2n, 3n, 0x7fn, 0xffn, 0x100n, 0x101n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn,
  0x100000000n, 0x100000001n, 0xffffffff00000000n, 0x8000000000000000n, 0xfffffffffffffffen,
  0xffffffffffffffffn, 0xbadc0ffee0ddf00dn,
];
const operators = ['==', '!=', '<', '<=', '>', '>=', '&', 'in'] as const;

export const valueArb = fc.oneof(fc.constantFrom(...edgeValues), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));
const atomArb = fc.record({ arg: fc.integer({ min: 0, max: 5 }), op: fc.constantFrom(...operators), value: valueArb });
const conditionArb = fc.array(fc.array(atomArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 });
export const actionArb = fc.constantFrom('allow', 'return 1', 'return EACCES', 'return 4095', 'trap', 'log', 'kill-thread', 'kill-process', 'kill', 'trace');
const ruleArb = fc.record({ condition: conditionArb, action: fc.option(actionArb, { nil: undefined }) });
const syscallArb = fc.record({
  conditional: fc.array(ruleArb, { minLength: 0, maxLength: 3 }),
  final: fc.option(actionArb, { nil: undefined }),
  frequency: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
});
export const policyArb = fc.record({
  arch: fc.constantFrom('x86_64', 'x86_64', 'aarch64', 'arm'),
  syscalls: fc.uniqueArray(fc.record({ name: fc.constantFrom(...syscallPool), body: syscallArb }), {
    minLength: 0,
    maxLength: 30,
    selector: (entry) => entry.name,
  }),
  defaultAction: fc.constantFrom(undefined, 'trap', 'kill-process', 'kill', 'allow'),
  atDefault: fc.constantFrom(undefined, 'trap', 'kill-thread'),
  useKillProcess: fc.boolean(),
  logFailures: fc.boolean(),
  passes: fc.record({
    mergeRanges: fc.boolean(),
    costTree: fc.boolean(),
    chainLeaves: fc.boolean(),
    elideLoads: fc.boolean(),
    pathKnowledge: fc.boolean(),
    shareBlocks: fc.boolean(),
    valueSets: fc.boolean(),
  }),
});

export type PolicyCase = typeof policyArb extends fc.Arbitrary<infer T> ? T : never;

export function hex(value: bigint): string {
  return `0x${value.toString(16)}`;
}

export function renderPolicy(policy: PolicyCase, bits: 32 | 64): { text: string; frequency: string; constants: bigint[] } {
  const lines: string[] = ['@frequency ./main.frequency'];
  const frequencyLines: string[] = [];
  const constants: bigint[] = [];
  const mask = bits === 64 ? (1n << 64n) - 1n : 0xffffffffn;
  if (policy.atDefault !== undefined) lines.push(`@default ${policy.atDefault}`);
  for (const { name, body } of policy.syscalls) {
    for (const rule of body.conditional) {
      const condition = rule.condition
        .map((clause) =>
          clause
            .map((atom) => {
              const value = atom.value & mask;
              constants.push(value);
              return `arg${atom.arg} ${atom.op} ${hex(value)}`;
            })
            .join(' && '),
        )
        .join(' || ');
      lines.push(`${name}: ${condition}${rule.action === undefined ? '' : `; ${rule.action}`}`);
    }
    if (body.final !== undefined) lines.push(`${name}: ${body.final}`);
    if (body.conditional.length === 0 && body.final === undefined) lines.push(`${name}: allow`);
    if (body.frequency !== undefined) frequencyLines.push(`${name}: ${body.frequency}`);
  }
  return { text: `${lines.join('\n')}\n`, frequency: `${frequencyLines.join('\n')}\n`, constants };
}


/**
 * Two random policies on the first one's architecture (syscalls it lacks dropped): the first
 * lowered, the second compiled, both with default action trap; and the constants both compare.
 */
export function policyAgainstProgram(first: PolicyCase, second: PolicyCase): { table: ArchTable; policy: LoweredPolicy; program: BpfProgram; constants: bigint[] } {
  const table = tableNamed(first.arch);
  const keep = (policy: PolicyCase): PolicyCase => ({ ...policy, syscalls: policy.syscalls.filter(({ name }) => Object.hasOwn(table.syscalls, name)) });
  const a = renderPolicy(keep(first), table.bits);
  const b = renderPolicy(keep(second), table.bits);
  const policy = compileText(a.text, table, { defaultAction: 'trap' }, { '/p/main.frequency': a.frequency }).result.lowered;
  const program = compileText(b.text, table, { defaultAction: 'trap' }, { '/p/main.frequency': b.frequency }).result.program;
  if (policy === undefined || program === undefined) throw new Error('no program');
  return { table, policy, program, constants: [...a.constants, ...b.constants] };
}
