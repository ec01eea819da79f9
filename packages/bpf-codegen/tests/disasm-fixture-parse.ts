// Parser of the program fixtures' `program.txt` files (the `tcpdump -dd` / `bpf_asm -c` form).
import type { SockFilter } from '../src/types.js';

/** Parses `{ 0x20, 0, 0, 0x00000004 },` lines. */
export function parseProgramText(text: string): SockFilter[] {
  const program: SockFilter[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const match = /^\{\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*\},?$/.exec(line);
    if (!match) throw new Error(`bad fixture line: ${raw}`);
    const [code, jt, jf, k] = match.slice(1).map((field) => Number(field));
    program.push({ code: code ?? NaN, jt: jt ?? NaN, jf: jf ?? NaN, k: k ?? NaN });
  }
  return program;
}
