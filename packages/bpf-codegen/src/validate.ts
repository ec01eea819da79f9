/**
 * Install-time checks of a classic-BPF seccomp program, as the kernel applies them when a
 * filter is attached: `bpf_check_classic` (net/core/filter.c) followed by
 * `seccomp_check_filter` (kernel/seccomp.c). The kernel stops at the first problem and
 * answers `EINVAL`; this module reports every problem with the instruction it concerns.
 */
import * as bpf from './opcodes.js';
import type { BpfProgram } from './types.js';

/**
 * A problem found in a BPF program (by the validator, the decoder or the emulator).
 *
 * Codes are stable and live in the `SC46xx`–`SC49xx` part of the code-generation range
 * (the compiler uses the rest of `SC4xxx`); see {@link ProgramDiagnosticCode}.
 */
export interface ProgramDiagnostic {
  /** Stable code, one of {@link ProgramDiagnosticCode}'s values. */
  readonly code: string;
  /** `error` when the kernel would refuse the program or it could misbehave; `warning`/`info` for findings that do not. */
  readonly severity: 'error' | 'warning' | 'info';
  /** One sentence, lower-case start, no trailing period. */
  readonly message: string;
  /** Index of the instruction concerned; absent for problems of the whole program. */
  readonly pc?: number;
}

/** Stable codes of {@link ProgramDiagnostic}s (the tools' sub-range `SC46xx`–`SC49xx`). */
export const ProgramDiagnosticCode = {
  /** The program has no instruction. */
  empty: 'SC4601',
  /** The program has more than `BPF_MAXINSNS` (4096) instructions. */
  tooLong: 'SC4602',
  /** The opcode is not a classic-BPF instruction (`bpf_check_classic`). */
  unknownOpcode: 'SC4603',
  /** The opcode is classic BPF but seccomp does not accept it (`seccomp_check_filter`). */
  notAllowedInSeccomp: 'SC4604',
  /** A `ld [k]` reads at or past the end of `seccomp_data` (64 bytes). */
  loadOutOfRange: 'SC4605',
  /** A `ld [k]` offset is not a multiple of 4. */
  loadMisaligned: 'SC4606',
  /** A conditional jump's `jt` or `jf` target is past the last instruction. */
  jumpOutOfRange: 'SC4607',
  /** A `ja` target is past the last instruction. */
  jaOutOfRange: 'SC4608',
  /** The last instruction is not `ret k` or `ret a`, so some path runs off the end. */
  lastNotReturn: 'SC4609',
  /** A scratch memory index is 16 or more. */
  memoryIndexOutOfRange: 'SC4610',
  /** A scratch memory cell may be read before any store to it on some path. */
  uninitialisedMemory: 'SC4611',
  /** Division or modulo by the constant 0. */
  divisionByZero: 'SC4612',
  /** A shift by a constant of 32 or more. */
  shiftOutOfRange: 'SC4613',
  /** A `code`, `jt`, `jf` or `k` field does not fit its width (u16, u8, u8, u32). */
  fieldOutOfRange: 'SC4614',
  /** A raw `.bpf` file's length is not a multiple of 8 bytes. */
  truncatedRecord: 'SC4620',
  /** A raw `.bpf` file is not a seccomp program at all: empty, not whole records, too long, or an opcode seccomp does not accept (`identifyProgram`). */
  notSeccompProgram: 'SC4621',
  /** Emulation reached a pc past the end of the program. */
  ranOffEnd: 'SC4630',
  /** Emulation met an instruction it cannot run on `seccomp_data`. */
  cannotEmulate: 'SC4631',
} as const;

const ALU_OPS = [bpf.BPF_ADD, bpf.BPF_SUB, bpf.BPF_MUL, bpf.BPF_DIV, bpf.BPF_OR, bpf.BPF_AND, bpf.BPF_LSH, bpf.BPF_RSH, bpf.BPF_MOD, bpf.BPF_XOR];
const JUMP_OPS = [bpf.BPF_JEQ, bpf.BPF_JGT, bpf.BPF_JGE, bpf.BPF_JSET];

/** Opcodes `bpf_check_classic` accepts (its `codes[]` table). */
const CLASSIC_OPCODES: ReadonlySet<number> = new Set<number>([
  ...ALU_OPS.flatMap((op) => [bpf.BPF_ALU | op | bpf.BPF_K, bpf.BPF_ALU | op | bpf.BPF_X]),
  bpf.BPF_ALU | bpf.BPF_NEG,
  bpf.BPF_LD | bpf.BPF_W | bpf.BPF_ABS,
  bpf.BPF_LD | bpf.BPF_H | bpf.BPF_ABS,
  bpf.BPF_LD | bpf.BPF_B | bpf.BPF_ABS,
  bpf.BPF_LD | bpf.BPF_W | bpf.BPF_LEN,
  bpf.BPF_LD | bpf.BPF_W | bpf.BPF_IND,
  bpf.BPF_LD | bpf.BPF_H | bpf.BPF_IND,
  bpf.BPF_LD | bpf.BPF_B | bpf.BPF_IND,
  bpf.BPF_LD | bpf.BPF_IMM,
  bpf.BPF_LD | bpf.BPF_MEM,
  bpf.BPF_LDX | bpf.BPF_W | bpf.BPF_LEN,
  bpf.BPF_LDX | bpf.BPF_B | bpf.BPF_MSH,
  bpf.BPF_LDX | bpf.BPF_IMM,
  bpf.BPF_LDX | bpf.BPF_MEM,
  bpf.BPF_ST,
  bpf.BPF_STX,
  bpf.BPF_MISC | bpf.BPF_TAX,
  bpf.BPF_MISC | bpf.BPF_TXA,
  bpf.BPF_RET | bpf.BPF_K,
  bpf.BPF_RET | bpf.BPF_A,
  bpf.BPF_JMP | bpf.BPF_JA,
  ...JUMP_OPS.flatMap((op) => [bpf.BPF_JMP | op | bpf.BPF_K, bpf.BPF_JMP | op | bpf.BPF_X]),
]);

/** Opcodes `seccomp_check_filter` accepts (everything else is `EINVAL`, e.g. `mod`, `ld ind`). */
const SECCOMP_OPCODES: ReadonlySet<number> = new Set<number>([
  bpf.BPF_LD | bpf.BPF_W | bpf.BPF_ABS,
  bpf.BPF_LD | bpf.BPF_W | bpf.BPF_LEN,
  bpf.BPF_LDX | bpf.BPF_W | bpf.BPF_LEN,
  bpf.BPF_RET | bpf.BPF_K,
  bpf.BPF_RET | bpf.BPF_A,
  ...[bpf.BPF_ADD, bpf.BPF_SUB, bpf.BPF_MUL, bpf.BPF_DIV, bpf.BPF_AND, bpf.BPF_OR, bpf.BPF_XOR, bpf.BPF_LSH, bpf.BPF_RSH].flatMap((op) => [
    bpf.BPF_ALU | op | bpf.BPF_K,
    bpf.BPF_ALU | op | bpf.BPF_X,
  ]),
  bpf.BPF_ALU | bpf.BPF_NEG,
  bpf.BPF_LD | bpf.BPF_IMM,
  bpf.BPF_LDX | bpf.BPF_IMM,
  bpf.BPF_MISC | bpf.BPF_TAX,
  bpf.BPF_MISC | bpf.BPF_TXA,
  bpf.BPF_LD | bpf.BPF_MEM,
  bpf.BPF_LDX | bpf.BPF_MEM,
  bpf.BPF_ST,
  bpf.BPF_STX,
  bpf.BPF_JMP | bpf.BPF_JA,
  ...JUMP_OPS.flatMap((op) => [bpf.BPF_JMP | op | bpf.BPF_K, bpf.BPF_JMP | op | bpf.BPF_X]),
]);

/** True when classic BPF (`bpf_check_classic`) knows this opcode. */
export function isClassicOpcode(code: number): boolean {
  return CLASSIC_OPCODES.has(code);
}

/** True when `seccomp_check_filter` accepts this opcode. */
export function isSeccompOpcode(code: number): boolean {
  return SECCOMP_OPCODES.has(code);
}

/** True for the conditional jumps (`jeq`/`jgt`/`jge`/`jset`, with `k` or `x`). */
export function isConditionalJump(code: number): boolean {
  return (code & 0x07) === bpf.BPF_JMP && (code & 0xf0) !== bpf.BPF_JA;
}

function isU(value: number, bits: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < 2 ** bits;
}

function error(code: string, message: string, pc?: number): ProgramDiagnostic {
  return pc === undefined ? { code, severity: 'error', message } : { code, severity: 'error', message, pc };
}

/**
 * Applies the kernel's install-time rules to a seccomp program and returns every problem
 * (an empty array means the kernel accepts the program).
 *
 * Rules: length 1..4096; every opcode known to classic BPF and accepted by seccomp (no `mod`,
 * no `ld ind`/`msh`, no byte or half-word loads, no `ret x`); `ld [k]` with `k < 64` and `k`
 * a multiple of 4; scratch indices below 16; no division or modulo by the constant 0; no
 * constant shift by 32 or more; jump targets inside the program; the last instruction a
 * `ret`; and no load of a scratch cell that some path reaches before a store to it (the
 * kernel's `check_load_and_stores`, reproduced exactly, including its conservative
 * straight-line treatment of code after a `ret`).
 */
export function validateProgram(program: BpfProgram): ProgramDiagnostic[] {
  const problems: ProgramDiagnostic[] = [];
  const length = program.length;
  if (length === 0) problems.push(error(ProgramDiagnosticCode.empty, 'the program has no instruction'));
  if (length > bpf.BPF_MAXINSNS) {
    problems.push(
      error(ProgramDiagnosticCode.tooLong, `the program has ${length} instructions, more than the ${bpf.BPF_MAXINSNS} allowed`),
    );
  }
  let fieldsOk = true;
  for (const [pc, insn] of program.entries()) {
    if (!isU(insn.code, 16) || !isU(insn.jt, 8) || !isU(insn.jf, 8) || !isU(insn.k, 32)) {
      fieldsOk = false;
      problems.push(
        error(
          ProgramDiagnosticCode.fieldOutOfRange,
          `instruction fields out of range (code ${insn.code}, jt ${insn.jt}, jf ${insn.jf}, k ${insn.k})`,
          pc,
        ),
      );
      continue;
    }
    checkInstruction(program, pc, problems);
  }
  if (length > 0) {
    const last = program[length - 1];
    if (last && last.code !== (bpf.BPF_RET | bpf.BPF_K) && last.code !== (bpf.BPF_RET | bpf.BPF_A)) {
      problems.push(
        error(ProgramDiagnosticCode.lastNotReturn, 'the last instruction is not a `ret`, so a path can run off the end', length - 1),
      );
    }
  }
  if (fieldsOk) problems.push(...checkLoadsAndStores(program));
  return problems;
}

function checkInstruction(program: BpfProgram, pc: number, problems: ProgramDiagnostic[]): void {
  const insn = program[pc];
  if (!insn) return;
  const { code, k } = insn;
  if (!CLASSIC_OPCODES.has(code)) {
    problems.push(error(ProgramDiagnosticCode.unknownOpcode, `opcode 0x${code.toString(16).padStart(4, '0')} is not a classic-BPF instruction`, pc));
    return;
  }
  if (!SECCOMP_OPCODES.has(code)) {
    problems.push(error(ProgramDiagnosticCode.notAllowedInSeccomp, `opcode 0x${code.toString(16).padStart(4, '0')} is classic BPF but seccomp rejects it`, pc));
  }
  const cls = code & 0x07;
  const op = code & 0xf0;
  if (cls === bpf.BPF_ALU && (code & bpf.BPF_X) === bpf.BPF_K) {
    if ((op === bpf.BPF_DIV || op === bpf.BPF_MOD) && k === 0) {
      problems.push(error(ProgramDiagnosticCode.divisionByZero, 'division by the constant 0', pc));
    }
    if ((op === bpf.BPF_LSH || op === bpf.BPF_RSH) && k >= 32) {
      problems.push(error(ProgramDiagnosticCode.shiftOutOfRange, `shift by the constant ${k}, 32 or more`, pc));
    }
  }
  const isMemAccess =
    code === (bpf.BPF_LD | bpf.BPF_MEM) || code === (bpf.BPF_LDX | bpf.BPF_MEM) || code === bpf.BPF_ST || code === bpf.BPF_STX;
  if (isMemAccess && k >= bpf.BPF_MEMWORDS) {
    problems.push(error(ProgramDiagnosticCode.memoryIndexOutOfRange, `scratch memory index ${k} is not below ${bpf.BPF_MEMWORDS}`, pc));
  }
  if (code === (bpf.BPF_LD | bpf.BPF_W | bpf.BPF_ABS)) {
    if (k >= bpf.SECCOMP_DATA_SIZE) {
      problems.push(error(ProgramDiagnosticCode.loadOutOfRange, `load at offset ${k}, past the ${bpf.SECCOMP_DATA_SIZE} bytes of seccomp_data`, pc));
    } else if (k % 4 !== 0) {
      problems.push(error(ProgramDiagnosticCode.loadMisaligned, `load at offset ${k}, not a multiple of 4`, pc));
    }
  }
  const remaining = program.length - pc - 1;
  if (code === (bpf.BPF_JMP | bpf.BPF_JA)) {
    if (k >= remaining) {
      problems.push(error(ProgramDiagnosticCode.jaOutOfRange, `ja +${k} lands at ${pc + 1 + k}, past the last instruction ${program.length - 1}`, pc));
    }
  } else if (isConditionalJump(code)) {
    if (insn.jt >= remaining || insn.jf >= remaining) {
      const bad = insn.jt >= remaining ? insn.jt : insn.jf;
      problems.push(error(ProgramDiagnosticCode.jumpOutOfRange, `jump target ${pc + 1 + bad} is past the last instruction ${program.length - 1}`, pc));
    }
  }
}

/**
 * The kernel's `check_load_and_stores`: one forward pass with a bit set of initialised cells;
 * jumps intersect it into their targets' masks and reset it to "all" for the next instruction.
 */
function checkLoadsAndStores(program: BpfProgram): ProgramDiagnostic[] {
  const problems: ProgramDiagnostic[] = [];
  const all = 0xffff;
  const masks = new Array<number>(program.length).fill(all);
  let valid = 0;
  const narrow = (target: number, mask: number): void => {
    const current = masks[target];
    if (current !== undefined) masks[target] = current & mask;
  };
  program.forEach((insn, pc) => {
    valid &= masks[pc] ?? all;
    const { code, k } = insn;
    if (code === bpf.BPF_ST || code === bpf.BPF_STX) {
      if (k < bpf.BPF_MEMWORDS) valid |= 1 << k;
    } else if (code === (bpf.BPF_LD | bpf.BPF_MEM) || code === (bpf.BPF_LDX | bpf.BPF_MEM)) {
      if (k < bpf.BPF_MEMWORDS && (valid & (1 << k)) === 0) {
        problems.push(error(ProgramDiagnosticCode.uninitialisedMemory, `M[${k}] may be read before it is stored on some path`, pc));
      }
    } else if (code === (bpf.BPF_JMP | bpf.BPF_JA)) {
      narrow(pc + 1 + k, valid);
      valid = all;
    } else if (isConditionalJump(code) && CLASSIC_OPCODES.has(code)) {
      narrow(pc + 1 + insn.jt, valid);
      narrow(pc + 1 + insn.jf, valid);
      valid = all;
    }
  });
  return problems;
}
