/** Classic-BPF program types shared by the compiler, the tools and the jail runner. */

/** One `struct sock_filter` record: u16 code, u8 jt, u8 jf, u32 k. */
export interface SockFilter {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/** A complete classic-BPF seccomp program, in order. */
export type BpfProgram = readonly SockFilter[];
