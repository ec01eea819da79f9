/**
 * A classic-BPF interpreter with the semantics the kernel gives a seccomp filter once it has
 * accepted it (`bpf_check_classic` + `seccomp_check_filter`, then the cBPF→eBPF conversion).
 *
 * Semantics, precisely:
 * - A and X are u32 and start at 0; the scratch cells `M[0..15]` start uninitialised (the
 *   kernel refuses programs that could read one before storing it; here such a read is an
 *   `SC4611` error result).
 * - `ld [k]` reads the 32-bit word of `seccomp_data` at byte offset `k` in the machine's byte
 *   order: on little-endian machines `args[i]`'s low word is at `16 + 8i` and its high word at
 *   `20 + 8i`; on big-endian ones the other way round (likewise the instruction pointer at 8).
 *   `ld len`/`ldx len` give 64 (`sizeof(struct seccomp_data)`).
 * - ALU operations are 32-bit and wrap. `div x`/`mod x` with X = 0 end the filter with return
 *   value 0 (the conversion inserts that check; 0 is `SECCOMP_RET_KILL_THREAD`). Shifts use the
 *   amount modulo 32 (`lsh x` with X = 33 shifts by 1): the kernel's interpreter masks the
 *   amount with 31 and the x86-64 and arm64 JITs emit 32-bit shift instructions whose hardware
 *   does the same; constant shifts of 32 or more never get that far (`SC4613` at install).
 * - Jumps compare unsigned; `jset` tests `A & operand ≠ 0`.
 * - `mod` is run although seccomp rejects it at install (so programs for other classic-BPF
 *   users can be emulated); opcodes with no meaning on `seccomp_data` (`ld ind`, `ldx msh`,
 *   byte and half-word loads, unknown codes, `ret x`) give an `SC4631` error result.
 */
import type { Endianness } from '@syscage/arch-tables';
import * as bpf from './opcodes.js';
import type { SeccompActionKind } from './options.js';
import type { BpfProgram } from './types.js';
import { ProgramDiagnosticCode, type ProgramDiagnostic } from './validate.js';

/** The input of a seccomp filter: `struct seccomp_data`. */
export interface SeccompData {
  /** Syscall number as the filter sees it (a negative number reads as its u32 pattern). */
  readonly nr: number;
  /** `AUDIT_ARCH_*` value. */
  readonly arch: number;
  /** Instruction pointer at the syscall (u64). */
  readonly instructionPointer: bigint;
  /** The six syscall arguments (u64 each); missing entries read as 0. */
  readonly args: readonly bigint[];
}

/**
 * What a return value asks the kernel to do. `unknown` is an action value the kernel does not
 * define; the kernel treats it like `kill-process`.
 */
export type SeccompActionName = SeccompActionKind | 'unknown';

/** Options of {@link emulate}. */
export interface EmulationOptions {
  /**
   * Byte order of the machine the filter runs on (decides which half of a 64-bit field a
   * load at a given offset reads).
   * @defaultValue `'little'`
   */
  readonly byteOrder?: Endianness;
  /**
   * Record the executed pcs in `path`; turn off for speed when only the result matters.
   * @defaultValue `true`
   */
  readonly recordPath?: boolean;
}

/** A run that reached a `ret` (or the implicit `ret 0` of `div x`/`mod x` by zero). */
export interface EmulationSuccess {
  /** Discriminant: the program reached a `ret`. */
  readonly ok: true;
  /** The filter's u32 return value. */
  readonly returnValue: number;
  /** The action {@link EmulationSuccess.returnValue} selects (its `SECCOMP_RET_ACTION_FULL` bits). */
  readonly action: SeccompActionName;
  /** Low 16 bits of the return value (errno, trap or trace data). */
  readonly data: number;
  /** The pcs executed, in order (empty when `recordPath` is false). */
  readonly path: readonly number[];
  /** How many instructions ran, the final `ret` included. */
  readonly instructionsExecuted: number;
}

/** A run the kernel would never perform because the program is invalid on that path. */
export interface EmulationFailure {
  /** Discriminant: the run went somewhere the kernel would not follow (see {@link EmulationFailure.error}). */
  readonly ok: false;
  /** What went wrong and at which pc (`SC4611`, `SC4612`, `SC4630`, `SC4631`, …). */
  readonly error: ProgramDiagnostic;
  /** The pcs executed, in order, up to where the emulation stopped (empty when `recordPath` is false). */
  readonly path: readonly number[];
  /** How many instructions were executed before the emulation stopped. */
  readonly instructionsExecuted: number;
}

/** The result of {@link emulate}: check `ok` before reading the action. */
export type EmulationResult = EmulationSuccess | EmulationFailure;

const ACTIONS: ReadonlyMap<number, SeccompActionName> = new Map<number, SeccompActionName>([
  [bpf.SECCOMP_RET_KILL_PROCESS, 'kill-process'],
  [bpf.SECCOMP_RET_KILL_THREAD, 'kill-thread'],
  [bpf.SECCOMP_RET_TRAP, 'trap'],
  [bpf.SECCOMP_RET_ERRNO, 'errno'],
  [bpf.SECCOMP_RET_USER_NOTIF, 'user-notify'],
  [bpf.SECCOMP_RET_TRACE, 'trace'],
  [bpf.SECCOMP_RET_LOG, 'log'],
  [bpf.SECCOMP_RET_ALLOW, 'allow'],
]);

/** The action a filter return value asks for (`returnValue & SECCOMP_RET_ACTION_FULL`). */
export function seccompActionName(returnValue: number): SeccompActionName {
  return ACTIONS.get((returnValue & bpf.SECCOMP_RET_ACTION_FULL) >>> 0) ?? 'unknown';
}

const MASK32 = 0xffffffffn;

/**
 * The 32-bit word of `seccomp_data` at byte offset `offset` (a multiple of 4 below 64), as a
 * `ld [offset]` sees it on a machine of the given byte order.
 */
export function seccompDataWord(data: SeccompData, offset: number, byteOrder: Endianness = 'little'): number {
  if (offset === bpf.SECCOMP_DATA_NR) return data.nr >>> 0;
  if (offset === bpf.SECCOMP_DATA_ARCH) return data.arch >>> 0;
  let value: bigint;
  let fieldOffset: number;
  if (offset < bpf.SECCOMP_DATA_ARGS) {
    value = data.instructionPointer;
    fieldOffset = offset - bpf.SECCOMP_DATA_IP_LO;
  } else {
    const index = Math.floor((offset - bpf.SECCOMP_DATA_ARGS) / 8);
    value = data.args[index] ?? 0n;
    fieldOffset = (offset - bpf.SECCOMP_DATA_ARGS) % 8;
  }
  const high = (fieldOffset === 4) === (byteOrder === 'little');
  return Number(high ? (BigInt.asUintN(64, value) >> 32n) & MASK32 : BigInt.asUintN(64, value) & MASK32);
}

/**
 * Whether a conditional jump is taken: its jump field (`code & 0xf0`: `jeq`, `jgt`, `jge`,
 * `jset`) applied to the u32 accumulator `a` and operand `k` (`undefined` for any other field).
 * The one definition of the four tests, shared with the path analysis and the emitter's path
 * knowledge.
 */
export function jumpTaken(op: number, a: number, k: number): boolean | undefined {
  switch (op) {
    case bpf.BPF_JEQ:
      return a === k;
    case bpf.BPF_JGT:
      return a > k;
    case bpf.BPF_JGE:
      return a >= k;
    case bpf.BPF_JSET:
      return (a & k) !== 0;
    default:
      return undefined;
  }
}

/** One 32-bit ALU operation (`-1` for an unknown op); shared with the analysis. */
export function aluOperation(op: number, a: number, b: number): number {
  switch (op) {
    case bpf.BPF_ADD:
      return (a + b) >>> 0;
    case bpf.BPF_SUB:
      return (a - b) >>> 0;
    case bpf.BPF_MUL:
      return Math.imul(a, b) >>> 0;
    case bpf.BPF_DIV:
      return Math.floor(a / b) >>> 0;
    case bpf.BPF_MOD:
      return a % b >>> 0;
    case bpf.BPF_OR:
      return (a | b) >>> 0;
    case bpf.BPF_AND:
      return (a & b) >>> 0;
    case bpf.BPF_XOR:
      return (a ^ b) >>> 0;
    case bpf.BPF_LSH:
      return (a << (b & 31)) >>> 0;
    case bpf.BPF_RSH:
      return a >>> (b & 31);
    default:
      return -1;
  }
}

function failure(code: string, message: string, pc: number, path: number[], executed: number): EmulationFailure {
  return { ok: false, error: { code, severity: 'error', message, pc }, path, instructionsExecuted: executed };
}

function success(returnValue: number, path: number[], executed: number): EmulationSuccess {
  return {
    ok: true,
    returnValue: returnValue >>> 0,
    action: seccompActionName(returnValue),
    data: returnValue & bpf.SECCOMP_RET_DATA,
    path,
    instructionsExecuted: executed,
  };
}

/**
 * Runs a seccomp program on one `seccomp_data` exactly as the kernel would (see the module
 * comment for the precise semantics). Never throws: a program that is invalid on the path
 * taken (a jump or fall-through past the end, an uninitialised scratch read, a division by
 * the constant 0, an opcode seccomp cannot run) gives an {@link EmulationFailure}.
 */
export function emulate(program: BpfProgram, data: SeccompData, options: EmulationOptions = {}): EmulationResult {
  const byteOrder = options.byteOrder ?? 'little';
  const record = options.recordPath ?? true;
  const path: number[] = [];
  // Made at the first store (most filters never store); a cell never stored reads as undefined.
  let memory: (number | undefined)[] | undefined;
  let a = 0;
  let x = 0;
  let pc = 0;
  let executed = 0;
  // Results through module-level helpers rather than closures here: a closure over pc and
  // executed kept them in a heap context that every step of the loop wrote (the tests emulate
  // millions of calls).
  // Jumps only move forward, so a valid run takes at most program.length steps.
  for (;;) {
    const insn = program[pc];
    if (insn === undefined) return failure(ProgramDiagnosticCode.ranOffEnd, `execution reached pc ${pc}, past the end of the program`, pc, path, executed);
    if (record) path.push(pc);
    executed++;
    const { code, k } = insn;
    const kk = k >>> 0;
    const op = code & 0xf0; // the operation of an ALU or jump instruction
    switch (code & 0x07) {
      case bpf.BPF_LD:
      case bpf.BPF_LDX: {
        let value: number;
        const mode = code & 0xe0;
        if (mode === bpf.BPF_ABS && (code & 0x18) === bpf.BPF_W && (code & 0x07) === bpf.BPF_LD) {
          if (kk >= bpf.SECCOMP_DATA_SIZE || kk % 4 !== 0) {
            return failure(
              kk >= bpf.SECCOMP_DATA_SIZE ? ProgramDiagnosticCode.loadOutOfRange : ProgramDiagnosticCode.loadMisaligned,
              `load at offset ${kk} outside the aligned words of seccomp_data`,
              pc,
              path,
              executed,
            );
          }
          value = seccompDataWord(data, kk, byteOrder);
        } else if (mode === bpf.BPF_IMM && (code & 0x18) === bpf.BPF_W) {
          value = kk;
        } else if (mode === bpf.BPF_LEN && (code & 0x18) === bpf.BPF_W) {
          value = bpf.SECCOMP_DATA_SIZE;
        } else if (mode === bpf.BPF_MEM && (code & 0x18) === bpf.BPF_W) {
          if (kk >= bpf.BPF_MEMWORDS) return failure(ProgramDiagnosticCode.memoryIndexOutOfRange, `scratch memory index ${kk} is not below ${bpf.BPF_MEMWORDS}`, pc, path, executed);
          const cell = memory?.[kk];
          if (cell === undefined) return failure(ProgramDiagnosticCode.uninitialisedMemory, `M[${kk}] is read before any store to it`, pc, path, executed);
          value = cell;
        } else {
          return failure(ProgramDiagnosticCode.cannotEmulate, `opcode 0x${code.toString(16)} has no meaning on seccomp_data`, pc, path, executed);
        }
        if ((code & 0x07) === bpf.BPF_LD) a = value;
        else x = value;
        pc++;
        break;
      }
      case bpf.BPF_ST:
      case bpf.BPF_STX: {
        if (code !== bpf.BPF_ST && code !== bpf.BPF_STX) return failure(ProgramDiagnosticCode.cannotEmulate, `opcode 0x${code.toString(16)} is not an instruction`, pc, path, executed);
        if (kk >= bpf.BPF_MEMWORDS) return failure(ProgramDiagnosticCode.memoryIndexOutOfRange, `scratch memory index ${kk} is not below ${bpf.BPF_MEMWORDS}`, pc, path, executed);
        memory ??= new Array<number | undefined>(bpf.BPF_MEMWORDS).fill(undefined);
        memory[kk] = code === bpf.BPF_ST ? a : x;
        pc++;
        break;
      }
      case bpf.BPF_ALU: {
        if (op === bpf.BPF_NEG) {
          if (code !== (bpf.BPF_ALU | bpf.BPF_NEG)) return failure(ProgramDiagnosticCode.cannotEmulate, `opcode 0x${code.toString(16)} is not an instruction`, pc, path, executed);
          a = (0 - a) >>> 0;
          pc++;
          break;
        }
        const useX = (code & bpf.BPF_X) === bpf.BPF_X;
        if ((code & ~(0xf0 | bpf.BPF_X | 0x07)) !== 0) return failure(ProgramDiagnosticCode.cannotEmulate, `opcode 0x${code.toString(16)} is not an instruction`, pc, path, executed);
        const operand = useX ? x : kk;
        if ((op === bpf.BPF_DIV || op === bpf.BPF_MOD) && operand === 0) {
          if (!useX) return failure(ProgramDiagnosticCode.divisionByZero, 'division by the constant 0', pc, path, executed);
          // The cBPF→eBPF conversion makes division by X = 0 end the filter with 0.
          return success(0, path, executed);
        }
        const result = aluOperation(op, a, operand);
        if (result < 0) return failure(ProgramDiagnosticCode.cannotEmulate, `opcode 0x${code.toString(16)} is not an ALU operation`, pc, path, executed);
        a = result;
        pc++;
        break;
      }
      case bpf.BPF_JMP: {
        if (op === bpf.BPF_JA) {
          if (code !== (bpf.BPF_JMP | bpf.BPF_JA)) return failure(ProgramDiagnosticCode.cannotEmulate, `opcode 0x${code.toString(16)} is not an instruction`, pc, path, executed);
          pc = pc + 1 + kk;
          break;
        }
        if ((code & ~(0xf0 | bpf.BPF_X | 0x07)) !== 0) return failure(ProgramDiagnosticCode.cannotEmulate, `opcode 0x${code.toString(16)} is not an instruction`, pc, path, executed);
        const operand = (code & bpf.BPF_X) === bpf.BPF_X ? x : kk;
        const taken = jumpTaken(op, a, operand);
        if (taken === undefined) return failure(ProgramDiagnosticCode.cannotEmulate, `opcode 0x${code.toString(16)} is not a jump`, pc, path, executed);
        pc = pc + 1 + (taken ? insn.jt : insn.jf);
        break;
      }
      case bpf.BPF_RET: {
        if (code === (bpf.BPF_RET | bpf.BPF_K)) return success(kk, path, executed);
        if (code === (bpf.BPF_RET | bpf.BPF_A)) return success(a, path, executed);
        return failure(ProgramDiagnosticCode.cannotEmulate, `opcode 0x${code.toString(16)} is not a seccomp return`, pc, path, executed);
      }
      default: {
        if (code === (bpf.BPF_MISC | bpf.BPF_TAX)) x = a;
        else if (code === (bpf.BPF_MISC | bpf.BPF_TXA)) a = x;
        else return failure(ProgramDiagnosticCode.cannotEmulate, `opcode 0x${code.toString(16)} is not an instruction`, pc, path, executed);
        pc++;
        break;
      }
    }
    if (executed > program.length) {
      return failure(ProgramDiagnosticCode.ranOffEnd, 'execution did not end within the program length', pc, path, executed);
    }
  }
}
