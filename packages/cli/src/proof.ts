/**
 * Proofs of the filters syscage writes: `compile` and `build` check every program they are about
 * to write against its policy with the exact verifier (`verifyProgram` of `@syscage/bpf-codegen`)
 * and refuse one that is not proved, and `verify` names counterexamples the same way.
 */
import type { ArchTable } from '@syscage/arch-tables';
import { type BpfProgram, type Counterexample, type LoweredPolicy, type ProofCache, auditArchName, proveProgram, verifyProgram } from '@syscage/bpf-codegen';
import { hex } from './commands/simulate-input.js';

/** A syscall number as a person writes it: `write`, `x32 read (0x40000000)`, `syscall 0x3e7`. */
export function describeNumber(table: ArchTable, nr: number): string {
  const names = new Map<number, string>();
  for (const [name, number] of Object.entries(table.syscalls)) if (!names.has(number)) names.set(number, name);
  const name = names.get(nr);
  if (name !== undefined) return name;
  const x32 = table.x32SyscallBit;
  if (x32 !== undefined && (nr & x32) !== 0) {
    const base = names.get((nr & ~x32) >>> 0);
    return `${base === undefined ? 'no syscall' : `x32 ${base}`} (${hex(nr)}, the x32 bit set)`;
  }
  return `syscall ${hex(nr)} (no syscall of ${table.name})`;
}

/** One line naming a counterexample's input, for messages: `write(0x1, 0x0, …) on AUDIT_ARCH_X86_64`. */
export function describeInput(table: ArchTable, counterexample: Counterexample): string {
  const { input } = counterexample;
  const ip = input.instructionPointer === 0n ? '' : `, ip ${hex(input.instructionPointer)}`;
  return `${describeNumber(table, input.nr)}(${input.args.map((value) => hex(value)).join(', ')}) with arch ${auditArchName(input.arch) ?? hex(input.arch)}${ip}`;
}

/**
 * Why a program the compiler produced is not proved against its policy (a counterexample or the
 * reason it is undecided), or `undefined` when it is proved. Either is a compiler bug. With a
 * `cache`, the proof shares the rules and compiled parts it has in common with earlier proofs
 * made with it (the same answer, sooner when many programs are proved).
 */
export function proofFailure(lowered: LoweredPolicy, program: BpfProgram, table: ArchTable, cache?: ProofCache): string | undefined {
  const verdict = cache === undefined ? verifyProgram(lowered, program) : proveProgram(lowered, program, cache);
  if (verdict.result === 'proved') return undefined;
  if (verdict.result === 'undecided') return `undecided: ${verdict.reason}${verdict.pc === undefined ? '' : ` (instruction ${verdict.pc})`}`;
  const { counterexample } = verdict;
  const rule = counterexample.expected.rule;
  return (
    `${describeInput(table, counterexample)} gets ${counterexample.actual.action} from the filter and ` +
    `${counterexample.expected.action} from the policy${rule === undefined ? ` (${counterexample.expected.decision?.kind ?? 'default'})` : ` (rule ${rule.file}:${rule.line})`}`
  );
}

/** {@link programCode} of each program object met (programs are never changed once compiled). */
const codeOf = new WeakMap<BpfProgram, string>();

/**
 * Every field of every instruction of `program`, as one string (`code,jt,jf,k;` each), made once
 * per program object: the build keys its proofs and analyses by it, and a JSON text of nested
 * arrays cost more than some of the work it saved.
 */
export function programCode(program: BpfProgram): string {
  const known = codeOf.get(program);
  if (known !== undefined) return known;
  let code = '';
  for (const insn of program) code += `${insn.code},${insn.jt},${insn.jf},${insn.k};`;
  codeOf.set(program, code);
  return code;
}

/**
 * Everything a proof of `program` against `lowered` depends on: the program, and the policy's
 * meaning as the reference semantics reads it (architecture, the default, invalid-number and
 * arch-mismatch actions, and each listed syscall's number, filters and fallback), without where
 * the rules came from. Two policies with equal keys and one program are proved alike, so a build
 * proves each such pair once (`foo_device_vvu` often compiles to `foo_device`'s program).
 */
export function proofKey(lowered: LoweredPolicy, program: BpfProgram): string {
  const syscalls = lowered.syscalls.map((syscall) => [
    syscall.number,
    syscall.filters.map((filter) => [filter.clauses.map((clause) => clause.map((c) => `${c.arg}${c.operator}${c.value.toString()}`)), filter.action]),
    syscall.fallback.action,
  ]);
  return JSON.stringify([
    lowered.arch.name,
    lowered.arch.auditArch,
    lowered.defaultAction,
    lowered.invalidNumberAction,
    lowered.archMismatchAction,
    syscalls,
    programCode(program),
  ]);
}
