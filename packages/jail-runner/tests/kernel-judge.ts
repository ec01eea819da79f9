// The kernel as judge of whole compiled filters. A random policy (every operator, 64-bit edge
// values, every action) is compiled; every `ret` of the program is rewritten to `ret ERRNO(id)`
// with a distinct id per return value, so whatever the filter decides (allow, kill, trap, log,
// errno) comes back as an errno instead of ending or changing the process. The rewritten program
// runs behind a prefix that lets every other syscall through, in a jailed child (the launcher
// installs it, then execs the harness) that issues the probe syscalls raw with chosen arguments.
// Each answer is mapped back to the original return value and compared with `emulate` on the
// unrewritten program and with the reference semantics of the lowered policy. Used by
// kernel-judge.test.ts (a short fuzz run) and bench/kernel-judge.ts (a longer one).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArchTable } from '@syscage/arch-tables';
import { type BpfProgram, type LoweredPolicy, actionReturnValue, compilePolicy, emulate, evaluatePolicy } from '@syscage/bpf-codegen';
import { createMemoryHost, resolvePolicy } from '@syscage/include-resolver';
import { type PolicyCase, policyArb, renderPolicy } from '../../bpf-codegen/tests/policy-arbitrary.js';

/** Random policies over the pool's names (the `arch` they name is ignored: each is compiled for the host). */
export const judgedPolicyArb = policyArb;
import { runCollect } from './collect.js';

const BPF_RET_K = 0x06;
const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const X32_BIT = 0x40000000;

/**
 * Syscalls of the random policies' pool that the harness (Node and koffi) never makes, so they
 * can be judged: the prefix sends only these numbers (and x32 forms, and a number no table has)
 * to the rewritten filter. (`fsync` is not one: Node makes it, and an errno there hangs Node.)
 */
export const probeSyscalls = ['flock', 'chdir', 'fchmod', 'wait4', 'connect', 'sendmsg', 'recvmsg', 'kill'] as const;
const unassignedNumber = 999;

/** The probe numbers on `table`: each probe, two x32-tagged ones and an unassigned number. */
export function probeNumbers(table: ArchTable): number[] {
  const native = probeSyscalls.map((name) => {
    const nr = table.syscalls[name];
    if (nr === undefined) throw new Error(`${name} has no number on ${table.name}`);
    return nr;
  });
  return [...native, (native[0] ?? 0) | X32_BIT, (native[1] ?? 0) | X32_BIT, unassignedNumber];
}

/**
 * `program` with every `ret K` made `ret ERRNO(id)`, behind a prefix that allows every syscall
 * but `probes`. Returns the program and the return value each id stands for.
 */
export function judgeProgram(program: BpfProgram, probes: readonly number[]): { program: BpfProgram; returnValues: Map<number, number> } {
  const ids = new Map<number, number>();
  const returnValues = new Map<number, number>();
  const rewritten = program.map((instruction) => {
    if (instruction.code !== BPF_RET_K) return instruction;
    const value = instruction.k >>> 0;
    let id = ids.get(value);
    if (id === undefined) {
      id = ids.size + 1;
      ids.set(value, id);
      returnValues.set(id, value);
    }
    return { ...instruction, k: RET_ERRNO | id };
  });
  const prefix: BpfProgram = [
    { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: 0 },
    // A probe jumps over the remaining tests and the allow, to the start of the filter.
    ...probes.map((nr, index) => ({ code: BPF_JEQ_K, jt: probes.length - index, jf: 0, k: nr })),
    { code: BPF_RET_K, jt: 0, jf: 0, k: RET_ALLOW },
  ];
  return { program: [...prefix, ...rewritten], returnValues };
}

/** One judged call that the kernel, the emulator and the reference semantics did not agree on. */
export interface Disagreement {
  readonly policy: string;
  readonly nr: number;
  readonly args: readonly bigint[];
  readonly kernel: number | string;
  readonly emulator: number;
  readonly reference: number;
}

const harness = new URL('./programs/syscall-harness.mjs', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'syscage-judge-'));
let runs = 0;

/** A compiled random policy with the calls to judge it on. */
export interface JudgeCase {
  readonly text: string;
  readonly program: BpfProgram;
  readonly lowered: LoweredPolicy;
  readonly calls: readonly (readonly [number, readonly bigint[]])[];
}

const MASK64 = (1n << 64n) - 1n;

/** Compiles a generated policy for `table` and picks `perProbe` argument vectors per probe number. */
export function judgeCase(policy: PolicyCase, table: ArchTable, perProbe: number, seed: number): JudgeCase {
  const present = { ...policy, syscalls: policy.syscalls.filter(({ name }) => Object.hasOwn(table.syscalls, name)) };
  const { text, constants } = renderPolicy(present, table.bits);
  const source = text.replace('@frequency ./main.frequency\n', '');
  const resolved = resolvePolicy('/p/main.policy', { host: createMemoryHost({ '/p/main.policy': source }), arch: table.name });
  const compiled = compilePolicy(resolved, table, {
    ...(policy.defaultAction === undefined ? {} : { defaultAction: policy.defaultAction }),
    useKillProcess: policy.useKillProcess,
    logFailures: policy.logFailures,
    passes: policy.passes,
  });
  if (compiled.program === undefined || compiled.lowered === undefined) {
    throw new Error(`policy did not compile:\n${source}\n${JSON.stringify(compiled.diagnostics)}`);
  }
  // Arguments near the policy's constants, and random ones (a deterministic stream per case).
  const candidates = [0n, MASK64, ...constants.flatMap((value) => [value, (value - 1n) & MASK64, (value + 1n) & MASK64, value | 0x100000000n])];
  let state = BigInt(seed) * 0x9e3779b97f4a7c15n + 1n;
  const next = (): bigint => {
    state ^= (state << 13n) & MASK64;
    state ^= state >> 7n;
    state ^= (state << 17n) & MASK64;
    return state & MASK64;
  };
  const pick = (): bigint => (next() % 4n === 0n ? next() : (candidates[Number(next() % BigInt(candidates.length))] ?? 0n));
  const calls: [number, bigint[]][] = [];
  for (const nr of probeNumbers(table)) {
    for (let index = 0; index < perProbe; index++) calls.push([nr, Array.from({ length: 6 }, pick)]);
  }
  return { text: source, program: compiled.program, lowered: compiled.lowered, calls };
}

/** Runs one case in the kernel; returns every call on which the three judges disagree. */
export async function judgeInKernel(judged: JudgeCase, table: ArchTable): Promise<Disagreement[]> {
  const { program, returnValues } = judgeProgram(judged.program, probeNumbers(table));
  const input = join(scratch, `calls-${(runs++).toString()}.json`);
  writeFileSync(input, JSON.stringify(judged.calls.map(([nr, args]) => [nr, args.map(String)])));
  const { result, stdout, stderr } = await runCollect({ command: process.execPath, args: [harness, input], filter: program });
  if (result.status !== 0 || stderr !== '') throw new Error(`the harness failed (status ${result.status.toString()}): ${stderr}`);
  const answers = JSON.parse(stdout) as [number, number][];
  if (answers.length !== judged.calls.length) throw new Error(`the harness answered ${answers.length.toString()} of ${judged.calls.length.toString()} calls`);
  const disagreements: Disagreement[] = [];
  judged.calls.forEach(([nr, args], index) => {
    const [value, errno] = answers[index] ?? [0, 0];
    const kernel = value === -1 ? (returnValues.get(errno) ?? `errno ${errno.toString()}`) : `returned ${value.toString()}`;
    const emulated = emulate(judged.program, { nr, arch: table.auditArch, instructionPointer: 0n, args: [...args] }, { recordPath: false });
    if (!emulated.ok) throw new Error(emulated.error.message);
    const emulator = emulated.returnValue >>> 0;
    const reference = actionReturnValue(evaluatePolicy(judged.lowered, { nr, arch: table.auditArch, args: [...args] }).action);
    if (kernel !== emulator || emulator !== reference) disagreements.push({ policy: judged.text, nr, args, kernel, emulator, reference });
  });
  return disagreements;
}
