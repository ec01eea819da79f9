// Tiny instruction builders for the tools' tests (BPF_STMT / BPF_JUMP in C).
import type { SockFilter } from '../src/types.js';

/** A non-jump instruction. */
export function stmt(code: number, k = 0): SockFilter {
  return { code, jt: 0, jf: 0, k: k >>> 0 };
}

/** A jump instruction. */
export function jump(code: number, k: number, jt: number, jf: number): SockFilter {
  return { code, jt, jf, k: k >>> 0 };
}
