/** Classic-BPF program types shared by the compiler, the tools and the jail runner. */

/** One `struct sock_filter` record: u16 code, u8 jt, u8 jf, u32 k. */
export interface SockFilter {
  /** The opcode (u16): instruction class, size/mode or operation, and source bits (`BPF_LD | BPF_W | BPF_ABS`). */
  readonly code: number;
  /** For a conditional jump, how many instructions to skip when the test is true (u8, 0 to 255). */
  readonly jt: number;
  /** For a conditional jump, how many instructions to skip when the test is false (u8, 0 to 255). */
  readonly jf: number;
  /** The constant operand (u32): a value, a `seccomp_data` offset, a jump distance for `ja`, or a return value. */
  readonly k: number;
}

/** A complete classic-BPF seccomp program, in order. */
export type BpfProgram = readonly SockFilter[];
