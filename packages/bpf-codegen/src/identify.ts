/**
 * Recognising a raw `.bpf` file before working on it. A file that is not a seccomp program at
 * all (an executable, a text file) would otherwise decode into thousands of meaningless records,
 * each with its own problem; tools want one answer with one reason instead. A real program also
 * says which byte order it was written in (its first instruction is a load from `seccomp_data`,
 * whose opcode reads correctly in one order only) and which architecture it is for (the value
 * its first comparison of `seccomp_data.arch` tests).
 */
import type { Endianness } from '@syscage/arch-tables';
import { SOCK_FILTER_SIZE, decodeProgram } from './decode.js';
import { BPF_ABS, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_MAXINSNS, BPF_W, SECCOMP_DATA_ARCH } from './opcodes.js';
import type { BpfProgram } from './types.js';
import { ProgramDiagnosticCode, type ProgramDiagnostic, isSeccompOpcode } from './validate.js';

/** Options of {@link identifyProgram}. */
export interface IdentifyOptions {
  /**
   * The byte order the program must be in (that of the architecture the caller was told about).
   * @defaultValue undefined: the order in which every opcode is one seccomp accepts, little-endian first
   */
  readonly byteOrder?: Endianness;
}

/** What {@link identifyProgram} found. */
export type ProgramIdentification =
  | {
      readonly ok: true;
      /** The instructions, decoded in `byteOrder`. Every opcode is one seccomp accepts; nothing else is validated. */
      readonly program: BpfProgram;
      /** The byte order every opcode reads correctly in. */
      readonly byteOrder: Endianness;
      /**
       * The `AUDIT_ARCH_*` value the first comparison of `seccomp_data.arch` tests (the load of
       * offset 4 followed by `jeq #k`), or undefined when the program compares no architecture.
       */
      readonly auditArch: number | undefined;
    }
  | {
      readonly ok: false;
      /** One `SC4621` error, "not a seccomp BPF program: REASON". */
      readonly diagnostic: ProgramDiagnostic;
    };

const hex = (value: number, digits: number): string => `0x${value.toString(16).padStart(digits, '0')}`;

/** The first record whose opcode seccomp does not accept, or -1. */
function firstForeignOpcode(program: BpfProgram): number {
  return program.findIndex((instruction) => !isSeccompOpcode(instruction.code));
}

/** The architecture the program checks first: `ld [4]` followed (before another load) by `jeq #k`. */
function comparedAuditArch(program: BpfProgram): number | undefined {
  const load = program.findIndex((instruction) => instruction.code === (BPF_LD | BPF_W | BPF_ABS) && instruction.k === SECCOMP_DATA_ARCH);
  if (load < 0) return undefined;
  for (const instruction of program.slice(load + 1)) {
    if (instruction.code === (BPF_JMP | BPF_JEQ | BPF_K)) return instruction.k >>> 0;
    if ((instruction.code & 0x07) === BPF_LD) return undefined;
  }
  return undefined;
}

function notAProgram(reason: string): ProgramIdentification {
  // No pc: the reason names the record, and a message prefixed with an instruction would read
  // as if the file were a program with one bad instruction.
  return { ok: false, diagnostic: { code: ProgramDiagnosticCode.notSeccompProgram, severity: 'error', message: `not a seccomp BPF program: ${reason}` } };
}

/**
 * Tells whether raw bytes are a seccomp BPF program (a whole number of 8-byte records, 1 to
 * 4096 of them, every opcode one that `seccomp_check_filter` accepts) and, when they are, in
 * which byte order and for which architecture. Never throws. A program that passes may still
 * have problems {@link validateProgram} reports (a jump out of range, no final `ret`): those are
 * faults of a program, while a failure here means the file is something else.
 */
export function identifyProgram(bytes: Uint8Array, options: IdentifyOptions = {}): ProgramIdentification {
  const size = bytes.byteLength;
  if (size === 0) return notAProgram('the file is empty');
  if (size % SOCK_FILTER_SIZE !== 0) {
    return notAProgram(`its ${size} bytes are not a whole number of ${SOCK_FILTER_SIZE}-byte struct sock_filter records`);
  }
  const records = size / SOCK_FILTER_SIZE;
  if (records > BPF_MAXINSNS) return notAProgram(`it would have ${records} instructions, more than the ${BPF_MAXINSNS} a filter may have`);
  const orders: readonly Endianness[] = options.byteOrder === undefined ? ['little', 'big'] : [options.byteOrder];
  let firstFailure: { order: Endianness; pc: number; code: number } | undefined;
  for (const byteOrder of orders) {
    const { program } = decodeProgram(bytes, { byteOrder });
    const pc = firstForeignOpcode(program);
    if (pc < 0) return { ok: true, program, byteOrder, auditArch: comparedAuditArch(program) };
    firstFailure ??= { order: byteOrder, pc, code: program[pc]?.code ?? 0 };
  }
  const failure = firstFailure ?? { order: 'little', pc: 0, code: 0 };
  let reason = `instruction ${failure.pc} (bytes ${failure.pc * SOCK_FILTER_SIZE}–${failure.pc * SOCK_FILTER_SIZE + 7}) has the opcode ${hex(failure.code, 4)}, which is not one seccomp accepts`;
  if (options.byteOrder !== undefined) {
    const other: Endianness = options.byteOrder === 'little' ? 'big' : 'little';
    if (firstForeignOpcode(decodeProgram(bytes, { byteOrder: other }).program) < 0) {
      reason += ` (read ${options.byteOrder}-endian; the file is a ${other}-endian program, for another architecture)`;
    }
  } else {
    reason += ' in either byte order';
  }
  return notAProgram(reason);
}
