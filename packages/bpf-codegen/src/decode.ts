/**
 * Raw `.bpf` files: an array of 8-byte `struct sock_filter` records (u16 code, u8 jt, u8 jf,
 * u32 k) in the byte order of the machine that loads them, with no header. Minijail's
 * compiler and libseccomp's `seccomp_export_bpf` both write this format.
 */
import type { Endianness } from '@syscage/arch-tables';
import { ProgramDiagnosticCode, type ProgramDiagnostic } from './validate.js';
import type { BpfProgram, SockFilter } from './types.js';

/** Size in bytes of one `struct sock_filter` record. */
export const SOCK_FILTER_SIZE = 8;

/** Options of {@link encodeProgram} and {@link decodeProgram}. */
export interface RawBpfOptions {
  /**
   * Byte order of the multi-byte fields (`code`, `k`): that of the machine loading the filter.
   * @defaultValue `'little'`
   */
  readonly byteOrder?: Endianness;
}

/** What {@link decodeProgram} read: the instructions and any problem with the bytes. */
export interface DecodedProgram {
  /** The complete 8-byte records, in order, read in the requested byte order (not validated). */
  readonly program: BpfProgram;
  /** `SC4620` when the length is not a multiple of 8 (the trailing bytes are ignored). */
  readonly diagnostics: readonly ProgramDiagnostic[];
}

/**
 * Encodes a program as a raw `.bpf` byte array. Fields are written modulo their widths, so
 * run {@link validateProgram} first if the program may hold out-of-range values.
 */
export function encodeProgram(program: BpfProgram, options: RawBpfOptions = {}): Uint8Array {
  const little = (options.byteOrder ?? 'little') === 'little';
  const bytes = new Uint8Array(program.length * SOCK_FILTER_SIZE);
  const view = new DataView(bytes.buffer);
  program.forEach((insn, index) => {
    const offset = index * SOCK_FILTER_SIZE;
    view.setUint16(offset, insn.code & 0xffff, little);
    view.setUint8(offset + 2, insn.jt & 0xff);
    view.setUint8(offset + 3, insn.jf & 0xff);
    view.setUint32(offset + 4, insn.k >>> 0, little);
  });
  return bytes;
}

/**
 * Decodes a raw `.bpf` byte array. Never throws: a length that is not a multiple of 8 gives
 * an `SC4620` diagnostic and the complete records before the tail. The result is not
 * validated; pass it to {@link validateProgram} to apply the kernel's rules.
 */
export function decodeProgram(bytes: Uint8Array, options: RawBpfOptions = {}): DecodedProgram {
  const little = (options.byteOrder ?? 'little') === 'little';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Math.floor(bytes.byteLength / SOCK_FILTER_SIZE);
  const program: SockFilter[] = [];
  for (let index = 0; index < count; index++) {
    const offset = index * SOCK_FILTER_SIZE;
    program.push({
      code: view.getUint16(offset, little),
      jt: view.getUint8(offset + 2),
      jf: view.getUint8(offset + 3),
      k: view.getUint32(offset + 4, little),
    });
  }
  const diagnostics: ProgramDiagnostic[] = [];
  const tail = bytes.byteLength % SOCK_FILTER_SIZE;
  if (tail !== 0) {
    diagnostics.push({
      code: ProgramDiagnosticCode.truncatedRecord,
      severity: 'error',
      message: `the file has ${bytes.byteLength} bytes, not a multiple of ${SOCK_FILTER_SIZE}; the last ${tail} bytes are ignored`,
    });
  }
  return { program, diagnostics };
}
