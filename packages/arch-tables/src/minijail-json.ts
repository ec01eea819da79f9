/**
 * Minijail's architecture description, `constants.json` (`arch_nr`, `arch_name`, `bits`,
 * `syscalls`, `constants`, optionally `syscall_groups`), read into an {@link ArchTable} and
 * written from one. VMM builds commit this file and hand it to the compiler with `--arch-json`;
 * compiling against exactly its numbers is what makes the result equal Minijail's.
 *
 * The file is parsed into a syntax tree rather than with `JSON.parse`, for three reasons:
 * constants up to 2^64 - 1 must stay exact (JSON.parse rounds above 2^53), a key written twice
 * must be an error rather than silently take the last value, and every problem needs a line and
 * a column.
 */
import { type MemberNode, type ObjectNode, type ValueNode, parse } from '@humanwhocodes/momoa';
import type { Diagnostic, SourceRange } from '@syscage/policy-parser';
import { archDiagnostic } from './codes.js';
import { findArchPackage, resolveArchName } from './registry.js';
import type { ArchTable, Endianness } from './types.js';

/** What Minijail's name for an architecture stands for: the facts a `constants.json` does not carry. */
export interface MinijailArchFacts {
  /** Syscage's canonical name (`aarch64`). */
  readonly name: string;
  /** Minijail's `arch_name` (`MINIJAIL_ARCH_NAME`: `arm64`, `x86`, `ppc64`, …). */
  readonly minijailName: string;
  /** `AUDIT_ARCH_*` of the ABI, which `arch_nr` must equal. */
  readonly auditArch: number;
  /** Word size, which `bits` must equal. */
  readonly bits: 32 | 64;
  /** Byte order of the ABI (the `.bpf` file is written in it). */
  readonly endianness: Endianness;
  /** x86_64's x32 syscall bit. */
  readonly x32SyscallBit?: number;
}

/**
 * Minijail's `arch_name` for every architecture Syscage has a table for. Minijail calls both
 * 64-bit PowerPC byte orders `ppc64`; only the little-endian one (`arch_nr` 0xc0000015) is known here.
 */
export const minijailArchFacts: readonly MinijailArchFacts[] = [
  { name: 'x86_64', minijailName: 'x86_64', auditArch: 0xc000003e, bits: 64, endianness: 'little', x32SyscallBit: 0x40000000 },
  { name: 'aarch64', minijailName: 'arm64', auditArch: 0xc00000b7, bits: 64, endianness: 'little' },
  { name: 'arm', minijailName: 'arm', auditArch: 0x40000028, bits: 32, endianness: 'little' },
  { name: 'riscv64', minijailName: 'riscv64', auditArch: 0xc00000f3, bits: 64, endianness: 'little' },
  { name: 'i386', minijailName: 'x86', auditArch: 0x40000003, bits: 32, endianness: 'little' },
  { name: 'ppc64le', minijailName: 'ppc64', auditArch: 0xc0000015, bits: 64, endianness: 'little' },
  { name: 's390x', minijailName: 's390x', auditArch: 0x80000016, bits: 64, endianness: 'big' },
];

/** Result of {@link readMinijailArchJson}. */
export interface ReadArchJsonResult {
  /** The table, absent when any diagnostic is an error. */
  readonly table?: ArchTable;
  /** Errors (SC6001–SC6007) and warnings (SC6008, SC6009), in file order per check. */
  readonly diagnostics: readonly Diagnostic[];
}

const required = ['arch_nr', 'arch_name', 'bits', 'syscalls', 'constants'] as const;
const optional = ['syscall_groups'] as const;
const twoTo64 = 1n << 64n;

function rangeOf(node: { readonly loc: SourceRange }): SourceRange {
  return { start: node.loc.start, end: node.loc.end };
}

/** An empty range at a node's first character, for "missing" findings that have no text of their own. */
function startOf(node: { readonly loc: SourceRange }): SourceRange {
  const start = node.loc.start;
  return { start, end: { line: start.line, column: start.column + 1, offset: start.offset + 1 } };
}

function describe(node: ValueNode): string {
  switch (node.type) {
    case 'Object':
      return 'an object';
    case 'Array':
      return 'an array';
    case 'String':
      return 'a string';
    case 'Number':
      return 'a number';
    case 'Boolean':
      return 'a boolean';
    case 'Null':
      return 'null';
    default:
      return node.type;
  }
}

interface Reader {
  readonly text: string;
  readonly file: string;
  readonly diagnostics: Diagnostic[];
}

/** The members of an object, reporting every key written twice (SC6004); the first one counts. */
function members(reader: Reader, object: ObjectNode, what: string): Map<string, MemberNode> {
  const seen = new Map<string, MemberNode>();
  for (const member of object.members) {
    const key = member.name.type === 'String' ? member.name.value : member.name.name;
    const first = seen.get(key);
    if (first !== undefined) {
      reader.diagnostics.push(
        archDiagnostic('SC6004', `${what} has \`${key}\` twice (first at line ${first.loc.start.line})`, reader.file, rangeOf(member.name)),
      );
      continue;
    }
    seen.set(key, member);
  }
  return seen;
}

/** The exact integer a number node spells, or undefined (with SC6003) for fractions and exponents. */
function integer(reader: Reader, node: ValueNode, what: string): bigint | undefined {
  if (node.type !== 'Number') {
    reader.diagnostics.push(archDiagnostic('SC6003', `${what} must be an integer, not ${describe(node)}`, reader.file, rangeOf(node)));
    return undefined;
  }
  const raw = reader.text.slice(node.range?.[0] ?? node.loc.start.offset, node.range?.[1] ?? node.loc.end.offset);
  if (!/^-?(?:0|[1-9][0-9]*)$/.test(raw)) {
    reader.diagnostics.push(archDiagnostic('SC6003', `${what} must be an integer, not \`${raw}\``, reader.file, rangeOf(node)));
    return undefined;
  }
  return BigInt(raw);
}

function object(reader: Reader, node: ValueNode, what: string): ObjectNode | undefined {
  if (node.type === 'Object') return node;
  reader.diagnostics.push(archDiagnostic('SC6003', `${what} must be an object, not ${describe(node)}`, reader.file, rangeOf(node)));
  return undefined;
}

function inRange(reader: Reader, node: ValueNode, value: bigint, min: bigint, max: bigint, what: string): boolean {
  if (value >= min && value <= max) return true;
  reader.diagnostics.push(
    archDiagnostic('SC6005', `${what} is ${value.toString()}, outside ${min.toString()}..${max.toString()}`, reader.file, rangeOf(node)),
  );
  return false;
}

/** Minijail's or Syscage's name of an architecture, resolved to its facts. */
function factsFor(name: string): MinijailArchFacts | undefined {
  const byMinijail = minijailArchFacts.find((facts) => facts.minijailName === name);
  if (byMinijail !== undefined) return byMinijail;
  const resolved = resolveArchName(name);
  return resolved.ok ? minijailArchFacts.find((facts) => facts.name === resolved.name) : undefined;
}

function readSyscalls(reader: Reader, node: ObjectNode): Record<string, number> {
  const syscalls = Object.create(null) as Record<string, number>;
  for (const [name, member] of members(reader, node, '`syscalls`')) {
    const value = integer(reader, member.value, `syscall \`${name}\``);
    // seccomp_data.nr is a signed int; a negative number is no syscall.
    if (value !== undefined && inRange(reader, member.value, value, 0n, 0x7fffffffn, `syscall \`${name}\``)) {
      syscalls[name] = Number(value);
    }
  }
  return syscalls;
}

function readConstants(reader: Reader, node: ObjectNode, bits: 32 | 64): Record<string, bigint> {
  const constants = Object.create(null) as Record<string, bigint>;
  for (const [name, member] of members(reader, node, '`constants`')) {
    const value = integer(reader, member.value, `constant \`${name}\``);
    if (value === undefined || !inRange(reader, member.value, value, -(1n << 63n), twoTo64 - 1n, `constant \`${name}\``)) continue;
    constants[name] = constantPattern(value, bits);
  }
  return constants;
}

/**
 * Minijail keeps C's signed values and reduces them to the word only when a policy uses one,
 * failing there if the value does not fit. A table holds unsigned patterns: a negative value
 * that fits the word becomes its two's complement; one that does not becomes a 64-bit pattern,
 * which lowering rejects on use just as Minijail does (SC4004).
 */
function constantPattern(value: bigint, bits: 32 | 64): bigint {
  if (value >= 0n) return value;
  return value >= -(1n << BigInt(bits - 1)) ? value + (1n << BigInt(bits)) : value + twoTo64;
}

function buildTable(facts: MinijailArchFacts, bits: 32 | 64, auditArch: number, syscalls: Record<string, number>, constants: Record<string, bigint>): ArchTable {
  return {
    name: facts.name,
    aliases: findArchPackage(facts.name)?.aliases ?? [],
    auditArch,
    bits,
    endianness: facts.endianness,
    kernelVersion: 'unknown (Minijail constants.json)',
    syscalls,
    constants,
    ...(facts.x32SyscallBit === undefined ? {} : { x32SyscallBit: facts.x32SyscallBit }),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The table of a file with nothing to report, read with the native JSON parser; undefined as soon
 * as anything could need a diagnostic, and then the syntax-tree reader decides. A VMM build reads
 * the file once per policy process, and the syntax tree of its ~2,000 constants costs more than
 * compiling the policy. The native parser rounds integers above 2^53, reads `1.0` and `1e3` as
 * integers and keeps the last of two equal keys, so the fast path declines any file with a
 * 16-digit run or a digit followed by `.`, `e` or `E` (a key containing one only costs the fast
 * path), and any file whose count of strings differs from the parsed objects' key count plus
 * `arch_name` (it counts quotes, so a file with a backslash, which could escape one, is declined).
 * The constants are converted when first read (see {@link lazyConstants}).
 */
export function readFast(text: string): ArchTable | undefined {
  if (/[0-9][.eE]|[0-9]{16}/.test(text)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  const topKeys = Object.keys(parsed);
  if (!required.every((key) => topKeys.includes(key))) return undefined;
  if (!topKeys.every((key) => (required as readonly string[]).includes(key) || (optional as readonly string[]).includes(key))) return undefined;
  const { arch_name: name, arch_nr: nr, bits, syscalls: syscallValues, constants: constantValues, syscall_groups: groups } = parsed;
  const facts = typeof name === 'string' ? factsFor(name) : undefined;
  if (facts === undefined || bits !== facts.bits || nr !== facts.auditArch) return undefined;
  if (!isRecord(syscallValues) || !isRecord(constantValues)) return undefined;
  if (groups !== undefined && (!isRecord(groups) || Object.keys(groups).length > 0)) return undefined;
  const syscalls = Object.create(null) as Record<string, number>;
  let members = topKeys.length;
  // for-in rather than Object.entries: no array per member, on code that runs once per process.
  for (const key in syscallValues) {
    const value = syscallValues[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0x7fffffff) return undefined;
    // `-0` is a valid spelling of 0 (the syntax-tree reader reads it as 0).
    syscalls[key] = value === 0 ? 0 : value;
    members++;
  }
  for (const key in constantValues) {
    const value = constantValues[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) return undefined;
    members++;
  }
  if (text.includes('\\')) return undefined;
  let strings = 0;
  for (let at = text.indexOf('"'); at !== -1; at = text.indexOf('"', at + 1)) strings++;
  // Every key is a string, and so is `arch_name`'s value; no other value is one here.
  return strings === 2 * (members + 1)
    ? buildTable(facts, facts.bits, facts.auditArch, syscalls, lazyConstants(constantValues as Record<string, number>, facts.bits))
    : undefined;
}

/**
 * A table's `constants` over the numbers the native parser read: each becomes its unsigned
 * pattern (a bigint) when first read, and stays converted. A compile reads the few dozen
 * constants its policy names, while converting and storing all ~2,400 of a `constants.json` up
 * front was most of the fast path's time, paid once per policy process in a VMM build. Reads,
 * `in`, `Object.hasOwn`, `Object.keys` and `Object.entries` see a plain object of bigints.
 */
function lazyConstants(values: Readonly<Record<string, number>>, bits: 32 | 64): Record<string, bigint> {
  const converted = Object.create(null) as Record<string, bigint>;
  const has = (key: string | symbol): key is string => typeof key === 'string' && Object.hasOwn(values, key);
  const read = (key: string): bigint => (converted[key] ??= constantPattern(BigInt(values[key] ?? 0), bits));
  return new Proxy(converted, {
    get: (_, key) => (has(key) ? read(key) : undefined),
    has: (_, key) => has(key),
    ownKeys: () => Object.keys(values),
    getOwnPropertyDescriptor: (_, key) => (has(key) ? { value: read(key), writable: false, enumerable: true, configurable: true } : undefined),
  });
}

/**
 * Reads Minijail's `constants.json` into an {@link ArchTable} that compiles with exactly its
 * syscall numbers and constants. `file` names the file in diagnostics. Never throws: invalid
 * JSON, missing keys, wrong types, keys written twice, values out of range, an `arch_name`
 * Syscage has no facts for, and an `arch_nr` or `bits` that disagrees with it are SC6xxx errors
 * with a line and a column, and no table is returned.
 *
 * @example
 * ```ts
 * const { table, diagnostics } = readMinijailArchJson(text, 'seccomp/aarch64/constants.json');
 * if (table) console.log(table.name, table.syscalls.openat); // aarch64 56
 * ```
 */
export function readMinijailArchJson(text: string, file: string): ReadArchJsonResult {
  const fast = readFast(text);
  if (fast !== undefined) return { table: fast, diagnostics: [] };
  return readWithSyntaxTree(text, file);
}

/** {@link readMinijailArchJson} for every file: exact numbers, every problem with its place (exported for the fast path's property test). */
export function readWithSyntaxTree(text: string, file: string): ReadArchJsonResult {
  const reader: Reader = { text, file, diagnostics: [] };
  let root: ValueNode;
  try {
    root = parse(text, { mode: 'json', ranges: true }).body;
  } catch (error) {
    const where = error as { line?: unknown; column?: unknown; offset?: unknown; message?: unknown };
    const line = typeof where.line === 'number' ? where.line : 1;
    const column = typeof where.column === 'number' ? where.column : 1;
    const offset = typeof where.offset === 'number' ? where.offset : 0;
    const message = typeof where.message === 'string' ? where.message.replace(/\s*\(\d+:\d+\)\s*$/, '') : 'invalid JSON';
    const start = { line, column, offset };
    return {
      diagnostics: [archDiagnostic('SC6001', `not valid JSON: ${message}`, file, { start, end: start })],
    };
  }
  const top = object(reader, root, 'the architecture description');
  if (top === undefined) return { diagnostics: reader.diagnostics };
  const keys = members(reader, top, 'the architecture description');
  for (const [key, member] of keys) {
    if (!(required as readonly string[]).includes(key) && !(optional as readonly string[]).includes(key)) {
      reader.diagnostics.push(archDiagnostic('SC6008', `Minijail does not read \`${key}\`; it is ignored`, file, rangeOf(member.name)));
    }
  }
  for (const key of required) {
    if (!keys.has(key)) reader.diagnostics.push(archDiagnostic('SC6002', `the architecture description has no \`${key}\``, file, startOf(top)));
  }

  const nameNode = keys.get('arch_name')?.value;
  let facts: MinijailArchFacts | undefined;
  if (nameNode !== undefined) {
    if (nameNode.type !== 'String') {
      reader.diagnostics.push(archDiagnostic('SC6003', `\`arch_name\` must be a string, not ${describe(nameNode)}`, file, rangeOf(nameNode)));
    } else {
      facts = factsFor(nameNode.value);
      if (facts === undefined) {
        const known = minijailArchFacts.map((entry) => entry.minijailName).join(', ');
        reader.diagnostics.push(
          archDiagnostic('SC6006', `unknown architecture \`${nameNode.value}\`; Syscage knows ${known}`, file, rangeOf(nameNode)),
        );
      }
    }
  }

  const bitsNode = keys.get('bits')?.value;
  let bits: 32 | 64 | undefined;
  if (bitsNode !== undefined) {
    const value = integer(reader, bitsNode, '`bits`');
    if (value === 32n || value === 64n) bits = value === 32n ? 32 : 64;
    else if (value !== undefined) reader.diagnostics.push(archDiagnostic('SC6005', `\`bits\` is ${value.toString()}; it must be 32 or 64`, file, rangeOf(bitsNode)));
    if (bits !== undefined && facts !== undefined && bits !== facts.bits) {
      reader.diagnostics.push(
        archDiagnostic('SC6007', `\`bits\` is ${bits} but ${facts.minijailName} has ${facts.bits}-bit words`, file, rangeOf(bitsNode)),
      );
    }
  }

  const nrNode = keys.get('arch_nr')?.value;
  let auditArch: number | undefined;
  if (nrNode !== undefined) {
    const value = integer(reader, nrNode, '`arch_nr`');
    if (value !== undefined && inRange(reader, nrNode, value, 0n, 0xffffffffn, '`arch_nr`')) {
      auditArch = Number(value);
      if (facts !== undefined && auditArch !== facts.auditArch) {
        const hint = facts.minijailName === 'ppc64' ? ' (only little-endian ppc64 is supported)' : '';
        reader.diagnostics.push(
          archDiagnostic(
            'SC6007',
            `\`arch_nr\` is 0x${auditArch.toString(16)} but ${facts.minijailName} is 0x${facts.auditArch.toString(16)}${hint}`,
            file,
            rangeOf(nrNode),
          ),
        );
      }
    }
  }

  const syscallsNode = keys.get('syscalls')?.value;
  const syscallsObject = syscallsNode === undefined ? undefined : object(reader, syscallsNode, '`syscalls`');
  const syscalls = syscallsObject === undefined ? undefined : readSyscalls(reader, syscallsObject);
  const constantsNode = keys.get('constants')?.value;
  const constantsObject = constantsNode === undefined ? undefined : object(reader, constantsNode, '`constants`');
  const constants = constantsObject === undefined ? undefined : readConstants(reader, constantsObject, bits ?? facts?.bits ?? 64);
  const groupsNode = keys.get('syscall_groups')?.value;
  if (groupsNode !== undefined) {
    const groups = object(reader, groupsNode, '`syscall_groups`');
    if (groups !== undefined && members(reader, groups, '`syscall_groups`').size > 0) {
      reader.diagnostics.push(
        archDiagnostic('SC6009', 'syscall groups are not compiled by Syscage; a policy that names one is an error (SC4006)', file, rangeOf(keys.get('syscall_groups')?.name ?? groups)),
      );
    }
  }

  if (reader.diagnostics.some((diagnostic) => diagnostic.severity === 'error')) return { diagnostics: reader.diagnostics };
  if (facts === undefined || bits === undefined || auditArch === undefined || syscalls === undefined || constants === undefined) {
    return { diagnostics: reader.diagnostics };
  }
  return { table: buildTable(facts, bits, auditArch, syscalls, constants), diagnostics: reader.diagnostics };
}

/**
 * Writes `table` as Minijail's `constants.json` (keys sorted, two-space indent, a final newline),
 * so that Minijail's compiler and `readMinijailArchJson` compile against the same numbers.
 * `arch_name` is Minijail's spelling (`arm64` for aarch64, `x86` for i386). Constants are written
 * as the table holds them, unsigned in the word; Minijail reduces values to the word before
 * comparing, so `-1` and `0xffffffffffffffff` mean the same to it.
 */
export function formatMinijailArchJson(table: ArchTable): string {
  const facts = minijailArchFacts.find((entry) => entry.name === table.name);
  const entries = (record: Readonly<Record<string, number | bigint>>): string => {
    const names = Object.keys(record).sort();
    if (names.length === 0) return '{}';
    return `{\n${names.map((name) => `    ${JSON.stringify(name)}: ${String(record[name])}`).join(',\n')}\n  }`;
  };
  return [
    '{',
    `  "arch_nr": ${String(table.auditArch >>> 0)},`,
    `  "arch_name": ${JSON.stringify(facts?.minijailName ?? table.name)},`,
    `  "bits": ${String(table.bits)},`,
    `  "syscalls": ${entries(table.syscalls)},`,
    `  "constants": ${entries(table.constants)}`,
    '}',
    '',
  ].join('\n');
}
