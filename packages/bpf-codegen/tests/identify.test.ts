// identifyProgram: is a file a seccomp program at all, in which byte order, for which architecture.
import { describe, expect, it } from 'vitest';
import { encodeProgram } from '../src/decode.js';
import { identifyProgram } from '../src/identify.js';
import type { SockFilter } from '../src/types.js';

const program = (...records: readonly (readonly [number, number, number, number])[]): SockFilter[] =>
  records.map(([code, jt, jf, k]) => ({ code, jt, jf, k }));

// ld [arch]; jeq #AUDIT; ret KILL; ld [nr]; ret ALLOW
const checked = (auditArch: number): SockFilter[] =>
  program([0x20, 0, 0, 4], [0x15, 1, 0, auditArch], [0x06, 0, 0, 0x80000000], [0x20, 0, 0, 0], [0x06, 0, 0, 0x7fff0000]);

const elf = new Uint8Array(64);
elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);

describe('identifyProgram', () => {
  it.each([
    ['x86_64, little-endian', encodeProgram(checked(0xc000003e)), undefined, 'little', 0xc000003e],
    ['s390x, big-endian', encodeProgram(checked(0x80000016), { byteOrder: 'big' }), undefined, 'big', 0x80000016],
    ['big-endian when asked for', encodeProgram(checked(0x80000016), { byteOrder: 'big' }), 'big', 'big', 0x80000016],
    ['no architecture check', encodeProgram(program([0x20, 0, 0, 0], [0x06, 0, 0, 0x7fff0000])), undefined, 'little', undefined],
    // A load of another field between the arch load and the comparison: that jeq tests something else.
    ['a comparison after another load', encodeProgram(program([0x20, 0, 0, 4], [0x20, 0, 0, 0], [0x15, 0, 0, 3], [0x06, 0, 0, 0])), undefined, 'little', undefined],
  ] as const)('recognises %s', (_name, bytes, byteOrder, expectedOrder, auditArch) => {
    const found = identifyProgram(bytes, byteOrder === undefined ? {} : { byteOrder });
    expect(found).toMatchObject({ ok: true, byteOrder: expectedOrder, auditArch });
  });

  it.each([
    ['an empty file', new Uint8Array(0), {}, 'not a seccomp BPF program: the file is empty'],
    ['a length that is no multiple of 8', new Uint8Array(12), {}, 'its 12 bytes are not a whole number of 8-byte struct sock_filter records'],
    ['more than 4096 records', new Uint8Array(4097 * 8), {}, 'it would have 4097 instructions, more than the 4096 a filter may have'],
    ['an executable', elf, {}, 'instruction 0 (bytes 0–7) has the opcode 0x457f, which is not one seccomp accepts in either byte order'],
    ['a later record seccomp refuses (ld ind)', encodeProgram(program([0x20, 0, 0, 4], [0x40, 0, 0, 0], [0x06, 0, 0, 0])), {}, 'instruction 1 (bytes 8–15) has the opcode 0x0040'],
    [
      'a big-endian program read little-endian',
      encodeProgram(checked(0x80000016), { byteOrder: 'big' }),
      { byteOrder: 'little' },
      'has the opcode 0x2000, which is not one seccomp accepts (read little-endian; the file is a big-endian program, for another architecture)',
    ],
  ] as const)('refuses %s with one SC4621 error', (_name, bytes, options, reason) => {
    const found = identifyProgram(bytes, options);
    expect(found.ok).toBe(false);
    if (found.ok) return;
    expect(found.diagnostic).toMatchObject({ code: 'SC4621', severity: 'error' });
    expect(found.diagnostic.message).toMatch(/^not a seccomp BPF program: /);
    expect(found.diagnostic.message).toContain(reason);
  });
});
