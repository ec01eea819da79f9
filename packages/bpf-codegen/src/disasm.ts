/**
 * Disassembler for seccomp programs: one line per instruction with its pc, absolute jump
 * targets, `seccomp_data` field names (`ld [nr]`, `ld [args[1].hi]`), named return values
 * (`ret ALLOW`, `ret ERRNO(1)`) and comments naming syscalls and audit architectures where the
 * accumulator is known to hold `nr` or `arch`.
 */
import { type ArchTable, type Endianness, errnoConstantName, nameArgumentValue } from '@syscage/arch-tables';
import * as bpf from './opcodes.js';
import { seccompActionName } from './emulate.js';
import type { BpfProgram, SockFilter } from './types.js';
import { isConditionalJump } from './validate.js';

/** Options of {@link disassemble}. */
export interface DisassembleOptions {
  /**
   * Architecture whose syscall names annotate comparisons of `nr` and whose audit value is
   * named in comparisons of `arch`; its byte order decides which half `ld [16]` reads.
   * @defaultValue none: numbers only, little-endian
   */
  readonly arch?: ArchTable;
  /**
   * Byte order for naming argument halves; overrides the architecture's.
   * @defaultValue the architecture's, else `'little'`
   */
  readonly byteOrder?: Endianness;
  /**
   * Further architectures whose `AUDIT_ARCH_*` values are named in comments.
   * @defaultValue `[]` (a built-in list of common audit values is always used)
   */
  readonly archTables?: readonly ArchTable[];
}

/** One disassembled instruction. */
export interface DisassembledInstruction {
  /** Index of the instruction in the program (0-based; jump targets count in the same units). */
  readonly pc: number;
  /** The instruction as decoded, unchanged. */
  readonly insn: SockFilter;
  /** `ld`, `jeq`, `ret`, … (`.unknown` for opcodes classic BPF lacks). */
  readonly mnemonic: string;
  /** Operand text, e.g. `[nr]`, `#0x3b`, `x`, `M[2]`, `ALLOW`. */
  readonly operand: string;
  /** Absolute pcs a jump goes to: `[target]` for `ja`, `[jt, jf]` for conditional jumps. */
  readonly targets: readonly number[];
  /** What the line means, e.g. `read` or `AUDIT_ARCH_X86_64`; empty when nothing to add. */
  readonly comment: string;
  /** The whole line as {@link formatDisassembly} prints it. */
  readonly text: string;
}

/** `AUDIT_ARCH_*` values of `linux/audit.h` (EM_* machine | 64-bit flag | little-endian flag). */
const AUDIT_ARCH_NAMES: ReadonlyMap<number, string> = new Map([
  [0xc000003e, 'AUDIT_ARCH_X86_64'],
  [0x40000003, 'AUDIT_ARCH_I386'],
  [0xc00000b7, 'AUDIT_ARCH_AARCH64'],
  [0x40000028, 'AUDIT_ARCH_ARM'],
  [0x00000028, 'AUDIT_ARCH_ARMEB'],
  [0xc00000f3, 'AUDIT_ARCH_RISCV64'],
  [0x400000f3, 'AUDIT_ARCH_RISCV32'],
  [0xc0000015, 'AUDIT_ARCH_PPC64LE'],
  [0x80000015, 'AUDIT_ARCH_PPC64'],
  [0x00000014, 'AUDIT_ARCH_PPC'],
  [0x80000016, 'AUDIT_ARCH_S390X'],
  [0x00000016, 'AUDIT_ARCH_S390'],
  [0x00000008, 'AUDIT_ARCH_MIPS'],
  [0x40000008, 'AUDIT_ARCH_MIPSEL'],
  [0x80000008, 'AUDIT_ARCH_MIPS64'],
  [0xc0000008, 'AUDIT_ARCH_MIPSEL64'],
  [0xc0000102, 'AUDIT_ARCH_LOONGARCH64'],
]);

const RETURN_NAMES: ReadonlyMap<string, string> = new Map([
  ['kill-process', 'KILL_PROCESS'],
  ['kill-thread', 'KILL_THREAD'],
  ['trap', 'TRAP'],
  ['errno', 'ERRNO'],
  ['user-notify', 'USER_NOTIF'],
  ['trace', 'TRACE'],
  ['log', 'LOG'],
  ['allow', 'ALLOW'],
]);

/**
 * Names a seccomp return value: `ALLOW`, `ERRNO(1)`, `TRAP`, `KILL_PROCESS`, or `0x…` if unknown.
 * With an architecture table an errno is named too: `ERRNO(2=ENOENT)`.
 */
export function formatReturnValue(value: number, arch?: ArchTable): string {
  const name = RETURN_NAMES.get(seccompActionName(value));
  const data = value & bpf.SECCOMP_RET_DATA;
  if (name === undefined) return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
  const errno = name === 'ERRNO' && arch !== undefined ? errnoConstantName(arch, data) : undefined;
  return data === 0 ? name : `${name}(${data}${errno === undefined ? '' : `=${errno}`})`;
}

/** Names the `seccomp_data` word at byte offset `offset`: `nr`, `arch`, `ip.lo`, `args[1].hi`. */
export function seccompFieldName(offset: number, byteOrder: Endianness = 'little'): string | undefined {
  if (offset % 4 !== 0 || offset < 0 || offset >= bpf.SECCOMP_DATA_SIZE) return undefined;
  if (offset === bpf.SECCOMP_DATA_NR) return 'nr';
  if (offset === bpf.SECCOMP_DATA_ARCH) return 'arch';
  const half = (second: boolean): string => ((second === (byteOrder === 'little')) ? 'hi' : 'lo');
  if (offset < bpf.SECCOMP_DATA_ARGS) return `ip.${half(offset - bpf.SECCOMP_DATA_IP_LO === 4)}`;
  const index = Math.floor((offset - bpf.SECCOMP_DATA_ARGS) / 8);
  return `args[${index}].${half((offset - bpf.SECCOMP_DATA_ARGS) % 8 === 4)}`;
}

const ALU_NAMES = ['add', 'sub', 'mul', 'div', 'or', 'and', 'lsh', 'rsh', 'neg', 'mod', 'xor'];
const JUMP_NAMES = ['ja', 'jeq', 'jgt', 'jge', 'jset'];

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16)}`;
}

type Known = 'nr' | 'arch' | 'arg' | 'other';

/**
 * What `A` holds before an instruction, when every path into it agrees: the syscall number, the
 * architecture, one half of an argument (`arg`: its index and half), or something else; and
 * `nr`, the syscall number every path into it has compared equal, when they agree.
 */
interface Contents {
  readonly known: Known;
  readonly arg?: { readonly index: number; readonly high: boolean };
  readonly nr?: number;
}

const unknown: Contents = { known: 'other' };

/** What `A` holds before each instruction (jumps go forward only, so one pass in order sees every path). */
function accumulatorContents(program: BpfProgram, byteOrder: Endianness): Contents[] {
  const before: (Contents | undefined)[] = new Array<Contents | undefined>(program.length).fill(undefined);
  const merge = (pc: number, value: Contents): void => {
    if (pc >= program.length) return;
    const seen = before[pc];
    if (seen === undefined) {
      before[pc] = value;
      return;
    }
    const sameArg = seen.arg?.index === value.arg?.index && seen.arg?.high === value.arg?.high;
    const known = seen.known === value.known && sameArg ? seen.known : 'other';
    before[pc] = {
      known,
      ...(known === 'arg' && seen.arg ? { arg: seen.arg } : {}),
      ...(seen.nr !== undefined && seen.nr === value.nr ? { nr: seen.nr } : {}),
    };
  };
  merge(0, unknown);
  program.forEach((insn, pc) => {
    const current = before[pc];
    if (current === undefined) return;
    const { code, k } = insn;
    const keepNr = current.nr === undefined ? {} : { nr: current.nr };
    if (code === (bpf.BPF_LD | bpf.BPF_W | bpf.BPF_ABS)) {
      if (k === bpf.SECCOMP_DATA_NR) merge(pc + 1, { known: 'nr', ...keepNr });
      else if (k === bpf.SECCOMP_DATA_ARCH) merge(pc + 1, { known: 'arch', ...keepNr });
      else {
        const field = /^args\[(\d)\]\.(lo|hi)$/.exec(seccompFieldName(k, byteOrder) ?? '');
        merge(pc + 1, field ? { known: 'arg', arg: { index: Number(field[1]), high: field[2] === 'hi' }, ...keepNr } : { known: 'other', ...keepNr });
      }
    } else if (code === (bpf.BPF_JMP | bpf.BPF_JA)) {
      merge(pc + 1 + k, current);
    } else if (isConditionalJump(code)) {
      // `jeq #K` on the number: the taken branch is syscall K.
      const equalsNr = current.known === 'nr' && code === (bpf.BPF_JMP | bpf.BPF_JEQ | bpf.BPF_K);
      merge(pc + 1 + insn.jt, equalsNr ? { ...current, nr: k >>> 0 } : current);
      merge(pc + 1 + insn.jf, current);
    } else if ((code & 0x07) === bpf.BPF_RET) {
      // No successor.
    } else if ((code & 0x07) === bpf.BPF_LD || (code & 0x07) === bpf.BPF_ALU || code === (bpf.BPF_MISC | bpf.BPF_TXA)) {
      merge(pc + 1, { known: 'other', ...keepNr });
    } else {
      merge(pc + 1, current);
    }
  });
  return before.map((value) => value ?? unknown);
}

/** Reverse map of an architecture's syscall table (lowest name first for shared numbers). */
function syscallNames(arch: ArchTable | undefined): Map<number, string> {
  const names = new Map<number, string>();
  if (!arch) return names;
  for (const [name, nr] of Object.entries(arch.syscalls).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!names.has(nr)) names.set(nr, name);
  }
  return names;
}

/**
 * Disassembles a program into structured lines. Never throws: unknown opcodes print as
 * `.unknown` with their raw fields.
 */
export function disassemble(program: BpfProgram, options: DisassembleOptions = {}): DisassembledInstruction[] {
  const byteOrder = options.byteOrder ?? options.arch?.endianness ?? 'little';
  const names = syscallNames(options.arch);
  const audit = new Map(AUDIT_ARCH_NAMES);
  for (const table of [...(options.archTables ?? []), ...(options.arch ? [options.arch] : [])]) {
    audit.set(table.auditArch >>> 0, `${audit.get(table.auditArch >>> 0) ?? 'AUDIT_ARCH'} (${table.name})`);
  }
  const contents = accumulatorContents(program, byteOrder);
  const width = String(Math.max(program.length - 1, 0)).length;
  const table = options.arch;
  return program.map((insn, pc) => {
    const held = contents[pc] ?? unknown;
    // A comparison of an argument's low half, in a syscall's own checks: name the value as that
    // argument's (`TCGETS` for ioctl's arg1, `PROT_READ|PROT_WRITE` for mmap's arg2).
    const syscall = held.nr === undefined ? undefined : names.get(held.nr);
    const argumentName =
      table === undefined || syscall === undefined || held.known !== 'arg' || held.arg === undefined || held.arg.high
        ? undefined
        : (value: number): string | undefined => nameArgumentValue(table, syscall, held.arg?.index ?? 0, BigInt(value >>> 0));
    const errnoName = table === undefined ? undefined : (value: number): string | undefined => errnoConstantName(table, value);
    const line = describe(insn, pc, held.known, names, audit, byteOrder, argumentName, errnoName);
    const targets = line.targets;
    const jumpText =
      targets.length === 2 ? ` jt ${targets[0] ?? 0} jf ${targets[1] ?? 0}` : '';
    const body = `${line.mnemonic}${line.operand ? ` ${line.operand}` : ''}${jumpText}`;
    const text = `${String(pc).padStart(width, ' ')}: ${line.comment ? `${body.padEnd(32, ' ')} ; ${line.comment}` : body}`;
    return { pc, insn, ...line, text };
  });
}

function describe(
  insn: SockFilter,
  pc: number,
  accumulator: Known,
  names: ReadonlyMap<number, string>,
  audit: ReadonlyMap<number, string>,
  byteOrder: Endianness,
  argumentName?: (value: number) => string | undefined,
  errnoName?: (value: number) => string | undefined,
): Omit<DisassembledInstruction, 'pc' | 'insn' | 'text'> {
  const { code, k } = insn;
  const plain = (mnemonic: string, operand = '', comment = ''): Omit<DisassembledInstruction, 'pc' | 'insn' | 'text'> => ({
    mnemonic,
    operand,
    targets: [],
    comment,
  });
  const cls = code & 0x07;
  switch (cls) {
    case bpf.BPF_LD:
    case bpf.BPF_LDX: {
      const mnemonic = cls === bpf.BPF_LD ? 'ld' : 'ldx';
      const size = code & 0x18;
      const mode = code & 0xe0;
      if (size !== bpf.BPF_W && mode !== bpf.BPF_ABS) break;
      if (mode === bpf.BPF_ABS && cls === bpf.BPF_LD) {
        const suffix = size === bpf.BPF_W ? '' : size === 0x08 ? 'h' : 'b';
        const field = size === bpf.BPF_W ? seccompFieldName(k, byteOrder) : undefined;
        return plain(`${mnemonic}${suffix}`, field ? `[${field}]` : `[${k}]`);
      }
      if (mode === bpf.BPF_IMM) return plain(mnemonic, `#${hex(k)}`, k > 9 ? String(k >>> 0) : '');
      if (mode === bpf.BPF_LEN) return plain(mnemonic, '#len', 'sizeof(seccomp_data) = 64');
      if (mode === bpf.BPF_MEM) return plain(mnemonic, `M[${k}]`);
      break;
    }
    case bpf.BPF_ST:
    case bpf.BPF_STX:
      if (code === bpf.BPF_ST || code === bpf.BPF_STX) return plain(cls === bpf.BPF_ST ? 'st' : 'stx', `M[${k}]`);
      break;
    case bpf.BPF_ALU: {
      const op = (code & 0xf0) >> 4;
      const name = ALU_NAMES[op];
      if (name === undefined) break;
      if ((code & 0xf0) === bpf.BPF_NEG) return plain('neg');
      return plain(name, (code & bpf.BPF_X) === bpf.BPF_X ? 'x' : `#${hex(k)}`);
    }
    case bpf.BPF_JMP: {
      const op = (code & 0xf0) >> 4;
      const name = JUMP_NAMES[op];
      if (name === undefined) break;
      if ((code & 0xf0) === bpf.BPF_JA) return { mnemonic: 'ja', operand: String(pc + 1 + k), targets: [pc + 1 + k], comment: '' };
      const useX = (code & bpf.BPF_X) === bpf.BPF_X;
      let comment = '';
      if (!useX && accumulator === 'nr') comment = names.get(k >>> 0) ?? '';
      else if (!useX && accumulator === 'arch') comment = audit.get(k >>> 0) ?? '';
      // Only equality and bit tests compare with a value as such; a range bound is often one past it.
      else if (!useX && (code & 0xf0) !== bpf.BPF_JGT && (code & 0xf0) !== bpf.BPF_JGE && argumentName?.(k) !== undefined) comment = argumentName(k) ?? '';
      else if (!useX && k > 9) comment = String(k >>> 0);
      return {
        mnemonic: name,
        operand: useX ? 'x' : `#${hex(k)}`,
        targets: [pc + 1 + insn.jt, pc + 1 + insn.jf],
        comment,
      };
    }
    case bpf.BPF_RET: {
      if ((code & 0x18) === bpf.BPF_A && code === (bpf.BPF_RET | bpf.BPF_A)) return plain('ret', 'a');
      if (code === bpf.BPF_RET) {
        const named = formatReturnValue(k);
        const action = (k & bpf.SECCOMP_RET_ACTION_FULL) >>> 0;
        const errno = action === bpf.SECCOMP_RET_ERRNO ? errnoName?.(k & bpf.SECCOMP_RET_DATA) : undefined;
        return plain('ret', named, named.startsWith('0x') ? `unknown action ${hex(action)}` : (errno ?? ''));
      }
      if (code === (bpf.BPF_RET | bpf.BPF_X)) return plain('ret', 'x');
      break;
    }
    default:
      if (code === (bpf.BPF_MISC | bpf.BPF_TAX)) return plain('tax');
      if (code === (bpf.BPF_MISC | bpf.BPF_TXA)) return plain('txa');
  }
  return plain('.unknown', `code=${hex(code)} jt=${insn.jt} jf=${insn.jf} k=${hex(k)}`);
}

/** Formats disassembled lines as text, one per line, with a trailing newline. */
export function formatDisassembly(lines: readonly DisassembledInstruction[]): string {
  return lines.map((line) => `${line.text}\n`).join('');
}

/** The name of an `AUDIT_ARCH_*` value from `linux/audit.h`, if it is a common one. */
export function auditArchName(value: number): string | undefined {
  return AUDIT_ARCH_NAMES.get(value >>> 0);
}
