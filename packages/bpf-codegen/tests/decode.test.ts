import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeProgram, encodeProgram } from '../src/decode.js';
import type { SockFilter } from '../src/types.js';

const insn = fc.record({
  code: fc.integer({ min: 0, max: 0xffff }),
  jt: fc.integer({ min: 0, max: 0xff }),
  jf: fc.integer({ min: 0, max: 0xff }),
  k: fc.integer({ min: 0, max: 0xffffffff }),
});

describe('raw .bpf encode/decode', () => {
  it('writes the little-endian sock_filter layout', () => {
    const bytes = encodeProgram([{ code: 0x0020, jt: 1, jf: 2, k: 0x11223344 }]);
    expect([...bytes]).toEqual([0x20, 0x00, 1, 2, 0x44, 0x33, 0x22, 0x11]);
  });

  it('writes the big-endian layout on request', () => {
    const bytes = encodeProgram([{ code: 0x0015, jt: 0, jf: 3, k: 0xc000003e }], { byteOrder: 'big' });
    expect([...bytes]).toEqual([0x00, 0x15, 0, 3, 0xc0, 0x00, 0x00, 0x3e]);
  });

  it.each(['little', 'big'] as const)('round-trips any program (%s-endian)', (byteOrder) => {
    fc.assert(
      fc.property(fc.array(insn, { maxLength: 64 }), (program: SockFilter[]) => {
        const decoded = decodeProgram(encodeProgram(program, { byteOrder }), { byteOrder });
        expect(decoded.diagnostics).toEqual([]);
        expect(decoded.program).toEqual(program);
      }),
    );
  });

  it('reads a view into a larger buffer at its own offset', () => {
    const backing = new Uint8Array(24);
    backing.set(encodeProgram([{ code: 6, jt: 0, jf: 0, k: 0x7fff0000 }]), 8);
    expect(decodeProgram(backing.subarray(8, 16)).program).toEqual([{ code: 6, jt: 0, jf: 0, k: 0x7fff0000 }]);
  });

  it.each([
    ['3 stray bytes', 11, 1, 3],
    ['7 stray bytes', 7, 0, 7],
  ])('reports a length that is not a multiple of 8 (%s)', (_name, length, records, tail) => {
    const decoded = decodeProgram(new Uint8Array(length));
    expect(decoded.program).toHaveLength(records);
    expect(decoded.diagnostics).toHaveLength(1);
    expect(decoded.diagnostics[0]?.code).toBe('SC4620');
    expect(decoded.diagnostics[0]?.message).toContain(`last ${tail} bytes`);
  });

  it('decodes an empty file as an empty program without a decoding error', () => {
    expect(decodeProgram(new Uint8Array(0))).toEqual({ program: [], diagnostics: [] });
  });
});
