// Shared by the libseccomp differential tests: argument vectors worth comparing two programs on,
// and one emulated decision.
import type { ArchTable, Endianness } from '@syscage/arch-tables';
import { argumentSamples } from '../src/analyze.js';
import { explorePaths } from '../src/analyze-paths.js';
import { emulate, seccompDataWord, type SeccompData } from '../src/emulate.js';
import { BPF_ABS, BPF_LD, BPF_W, SECCOMP_DATA_SIZE } from '../src/opcodes.js';
import type { BpfProgram } from '../src/types.js';

/** The vectors of `extra` values ± 1 (each alone in one argument, and in all six) with their keys, by bits and values. */
const extraVectors = new Map<string, { readonly vectors: readonly bigint[][]; readonly keys: readonly string[] }>();
function extraSamples(extra: readonly bigint[], bits: number): { readonly vectors: readonly bigint[][]; readonly keys: readonly string[] } {
  // A caller passes the same values for every syscall of a policy (a profile's first values).
  const id = `${String(bits)}:${extra.join(',')}`;
  const known = extraVectors.get(id);
  if (known !== undefined) return known;
  const vectors: bigint[][] = [];
  for (const value of extra) {
    for (const delta of [-1n, 0n, 1n]) {
      const v = BigInt.asUintN(bits, value + delta);
      for (let arg = 0; arg < 6; arg++) vectors.push(Array.from({ length: 6 }, (_, i) => (i === arg ? v : 0n)));
      vectors.push(Array.from({ length: 6 }, () => v));
    }
  }
  const made = { vectors, keys: vectors.map((args) => args.join(',')) };
  extraVectors.set(id, made);
  return made;
}

/**
 * Argument vectors: the constants the programs compare (per word, at most `maxSamples` of their
 * combinations), plus `extra` values ± 1; each distinct vector once, in the order first made.
 * Callers only read the vectors (the `extra` ones are shared between calls).
 */
export function samples(programs: readonly BpfProgram[], table: ArchTable, nr: number, extra: readonly bigint[], maxSamples = 256): bigint[][] {
  const outcomes = programs.flatMap((program) => explorePaths(program, table, nr).outcomes);
  // Extra values repeat (a profile's values and masks, 0 ± 1 next to the programs' constants):
  // about half the vectors were copies, each emulated again by every caller.
  const seen = new Set<string>();
  const out: bigint[][] = [];
  for (const args of argumentSamples(outcomes, table.endianness === 'little', maxSamples, nr)) {
    const key = args.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(args);
  }
  const { vectors, keys } = extraSamples(extra, table.bits);
  vectors.forEach((args, index) => {
    const key = keys[index] ?? '';
    if (seen.has(key)) return;
    seen.add(key);
    out.push(args);
  });
  return out;
}

/** The return value of `program` for one call, or the emulator's error: one emulation, nothing kept (for vectors that rarely repeat a run). */
export function runOnce(program: BpfProgram, table: ArchTable, nr: number, args: readonly bigint[]): number | string {
  const result = emulate(program, { nr, arch: table.auditArch, instructionPointer: 0n, args }, { byteOrder: table.endianness, recordPath: false });
  return result.ok ? result.returnValue : `invalid ${result.error.code}`;
}

/** A run of a program so far: the next word it reads, and where each value of that word leads. */
interface Read {
  readonly offset: number;
  readonly next: Map<number, Read | Decision>;
}
/** Where a run ends: the program's return value, or the emulator's error. */
interface Decision {
  readonly decision: number | string;
}

/** A program's runs for one byte order: the trie, and how often it answered. */
interface Runs {
  first?: Read | Decision;
  calls: number;
  hits: number;
}
/** Each program's runs by byte order (one trie per program and order; programs are never changed). */
const runs = new WeakMap<BpfProgram, Map<Endianness, Runs>>();

/** The offset `ld [k]` at `pc` reads (as `emulate` tests it), or undefined for any other instruction. */
function readOffset(program: BpfProgram, pc: number): number | undefined {
  const insn = program[pc];
  if (insn === undefined || (insn.code & 0x07) !== BPF_LD || (insn.code & 0xe0) !== BPF_ABS || (insn.code & 0x18) !== BPF_W) return undefined;
  const k = insn.k >>> 0;
  return k < SECCOMP_DATA_SIZE && k % 4 === 0 ? k : undefined;
}

/** One call's seccomp_data and the words of it read so far (by offset / 4). */
interface Call {
  readonly table: ArchTable;
  readonly data: SeccompData;
  readonly words: (number | undefined)[];
}
/** The last call asked about: the comparisons ask two or three programs about each call in a row (callers never change an argument vector once made). */
let lastCall: Call | undefined;
function callOf(table: ArchTable, nr: number, args: readonly bigint[]): Call {
  if (lastCall !== undefined && lastCall.table === table && lastCall.data.nr === nr && lastCall.data.args === args) return lastCall;
  lastCall = { table, data: { nr, arch: table.auditArch, instructionPointer: 0n, args }, words: [] };
  return lastCall;
}
function wordOf(call: Call, offset: number): number {
  const index = offset >> 2;
  let word = call.words[index];
  if (word === undefined) call.words[index] = word = seccompDataWord(call.data, offset, call.table.endianness);
  return word;
}

/**
 * The return value of `program` for one call, or the emulator's error. A run depends on nothing
 * but the words of seccomp_data it reads, in order: each program keeps a trie of the runs it has
 * made (word read, its value, next word read, …, decision), and a call whose words match a run
 * already made takes that run's decision; any other call is emulated and its run added. The
 * differential tests ask each program about hundreds of vectors per syscall that mostly differ
 * in words it never reads (or reads to the same end), each of which the whole program's
 * emulation from its architecture check used to answer again.
 */
export function run(program: BpfProgram, table: ArchTable, nr: number, args: readonly bigint[]): number | string {
  const call = callOf(table, nr, args);
  const { data } = call;
  const byteOrder = table.endianness;
  let orders = runs.get(program);
  if (orders === undefined) runs.set(program, (orders = new Map<Endianness, Runs>()));
  let root = orders.get(byteOrder);
  if (root === undefined) orders.set(byteOrder, (root = { calls: 0, hits: 0 }));
  root.calls++;
  // Calls that vary the words a program reads (random values in every argument) rarely repeat a
  // run; once fewer than half of a program's first 256 calls did, it is only emulated.
  if (root.calls > 256 && root.hits * 2 < root.calls) return runOnce(program, table, nr, args);
  let at = root.first;
  while (at !== undefined && 'offset' in at) at = at.next.get(wordOf(call, at.offset));
  if (at !== undefined) {
    root.hits++;
    return at.decision;
  }
  const result = emulate(program, data, { byteOrder, recordPath: true });
  const decision = result.ok ? result.returnValue : `invalid ${result.error.code}`;
  // The run's reads from the root: existing nodes must read the same offsets (runs are deterministic).
  let parent: Read | undefined;
  let word = 0;
  const slot = (): Read | Decision | undefined => (parent === undefined ? root.first : parent.next.get(word));
  const put = (node: Read | Decision): void => {
    if (parent === undefined) root.first = node;
    else parent.next.set(word, node);
  };
  for (const pc of result.path) {
    const offset = readOffset(program, pc);
    if (offset === undefined) continue;
    let node = slot();
    if (node === undefined) put((node = { offset, next: new Map() }));
    if (!('offset' in node) || node.offset !== offset) throw new Error(`run(): two runs of one program read differently at pc ${String(pc)}`);
    parent = node;
    word = wordOf(call, offset);
  }
  if (slot() !== undefined) throw new Error('run(): a run ended where another one read on');
  put({ decision });
  return decision;
}
