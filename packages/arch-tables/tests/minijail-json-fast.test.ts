// The native-JSON fast path of readMinijailArchJson either declines or gives exactly the table
// the syntax-tree reader gives, and never accepts a file the syntax-tree reader reports on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFast, readWithSyntaxTree } from '../src/minijail-json.js';

const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);
// Mostly valid values, so that many files take the fast path; the rest probe what it must decline.
const literal = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 0x7fffffff }).map(String), weight: 40 },
  { arbitrary: fc.integer({ min: -5, max: -1 }).map(String), weight: 2 },
  { arbitrary: fc.bigInt({ min: -(1n << 64n), max: (1n << 64n) + 5n }).map(String), weight: 1 },
  { arbitrary: fc.constantFrom('1.0', '1e3', '"7"', 'null', '[1]', '-0', '9007199254740993'), weight: 1 },
);
const members = fc.array(fc.tuple(name, literal), { maxLength: 8 });
const archHeader = fc.constantFrom(
  ['"x86_64"', '3221225534', '64'],
  ['"x86_64"', '3221225534', '64'],
  ['"x86_64"', '3221225534', '64'],
  ['"x86_64"', '3221225534', '64'],
  ['"arm64"', '3221225655', '64'],
  ['"arm"', '1073741864', '32'],
  ['"x86"', '1073741827', '32'],
  ['"x86_64"', '3221225655', '64'],
  ['"mips"', '8', '32'],
  ['"arm"', '1073741864', '64'],
);
const extra = fc.constantFrom('', '', '', '', ',\n  "syscall_groups": {}', ',\n  "syscall_groups": {"io": ["read"]}', ',\n  "comment": 1', ',\n  "bits": 64');

function object(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([key, value]) => `"${key}": ${value}`).join(', ')}}`;
}

describe('readFast', () => {
  it('agrees with the syntax-tree reader or declines', () => {
    let accepted = 0;
    fc.assert(
      fc.property(archHeader, members, members, extra, fc.integer({ min: 0, max: 9 }).map((n) => n === 0), ([archName, nr, bits], syscalls, constants, tail, dropKey) => {
        const fields = [
          `"arch_nr": ${nr}`,
          `"arch_name": ${archName}`,
          `"bits": ${bits}`,
          `"syscalls": ${object(syscalls)}`,
          ...(dropKey ? [] : [`"constants": ${object(constants)}`]),
        ];
        const text = `{\n  ${fields.join(',\n  ')}${tail}\n}\n`;
        const fast = readFast(text);
        const slow = readWithSyntaxTree(text, 'c.json');
        if (fast === undefined) return;
        accepted++;
        expect(slow.diagnostics).toEqual([]);
        expect(slow.table).toBeDefined();
        expect(fast).toEqual(slow.table);
      }),
      { numRuns: 400 },
    );
    expect(accepted).toBeGreaterThan(10);
  });

  it('takes a plain valid file (so the property above is not vacuous)', () => {
    const text = '{"arch_nr": 3221225534, "arch_name": "x86_64", "bits": 64, "syscalls": {"read": 0}, "constants": {"M": -1}}';
    expect(readFast(text)?.constants.M).toBe(0xffffffffffffffffn);
  });

  // Decided by counting strings against the parsed keys: a key written twice (JSON.parse keeps
  // one) or an escaped quote in a key must send the file to the syntax-tree reader.
  it.each([
    { name: 'a syscall written twice', syscalls: '{"read": 0, "read": 1}', declined: true },
    { name: 'a constant written twice', syscalls: '{"read": 0}', constants: '{"M": 1, "M": 2}', declined: true },
    { name: 'an escaped quote in a key', syscalls: '{"re\\"ad": 0}', declined: true },
    { name: 'an escaped letter in a key', syscalls: '{"re\\u0061d": 0}', declined: true },
    { name: 'a key with a colon', syscalls: '{"read:": 0}', declined: false },
  ])('declines or takes $name (declined: $declined)', ({ syscalls, constants, declined }) => {
    const text = `{"arch_nr": 3221225534, "arch_name": "x86_64", "bits": 64, "syscalls": ${syscalls}, "constants": ${constants ?? '{"M": 1}'}}`;
    expect(readFast(text) === undefined).toBe(declined);
  });

  it('converts constants when read, and lists them all like a plain object', () => {
    const text = '{"arch_nr": 1073741864, "arch_name": "arm", "bits": 32, "syscalls": {}, "constants": {"B": -2, "A": 7, "C": -5000000000}}';
    const constants = readFast(text)?.constants ?? {};
    expect(Object.keys(constants)).toEqual(['B', 'A', 'C']);
    expect(constants.B).toBe(0xfffffffen);
    expect(constants.B).toBe(0xfffffffen);
    expect(Object.hasOwn(constants, 'A')).toBe(true);
    expect(Object.hasOwn(constants, 'toString')).toBe(false);
    expect('A' in constants).toBe(true);
    expect(Reflect.get(constants, 'toString')).toBeUndefined();
    expect(Object.entries(constants)).toEqual([
      ['B', 0xfffffffen],
      ['A', 7n],
      ["C", (1n << 64n) - 5000000000n],
    ]);
  });
});
