/**
 * The dispatch tree as the page draws it, read back from the compiled program itself (so it is
 * always the tree that runs, whatever the planner did): from the load of the syscall number,
 * every `jeq`/`jge`/`jgt`/`jset` of the number is a test node, and the first instruction that
 * is not one (a `ret`, or the load that starts a syscall's argument filters) is a leaf. Shared
 * blocks appear once per way in. Each leaf knows the numbers that reach it.
 */
import { formatReturnValue, type DisassembledInstruction, type LoweredPolicy } from '@syscage/bpf-codegen';
import type { InstructionOrigin } from './program-map.js';

/** A node of the drawn tree. */
export type DisplayNode = TestNode | LeafNode;

/** A test of the syscall number with a "yes" and a "no" child. */
export interface TestNode {
  readonly kind: 'test';
  readonly id: number;
  /** The instruction. */
  readonly pc: number;
  readonly mnemonic: 'jeq' | 'jge' | 'jgt' | 'jset';
  readonly value: number;
  readonly label: string;
  readonly yes: DisplayNode;
  readonly no: DisplayNode;
}

/** Where the dispatch ends: a fixed action, or a syscall's argument filters. */
export interface LeafNode {
  readonly kind: 'leaf';
  readonly id: number;
  /** The first instruction of the leaf's block. */
  readonly pc: number;
  /** Syscall names of the table whose numbers reach this leaf. */
  readonly names: readonly string[];
  /** How many numbers (syscall or not) reach it. */
  readonly numberCount: number;
  readonly label: string;
  /** `ALLOW`, `KILL_THREAD`, `ERRNO(1)`, or `filters` (the syscall's argument filters decide). */
  readonly outcome: string;
  readonly style: 'allow' | 'deny' | 'args';
  /** For a leaf of argument filters: the syscalls whose filters run there. */
  readonly filteredSyscalls: readonly string[];
}

/** Numbers `[low, high]` minus single excluded numbers (from failed `jeq` tests). */
interface NumberSet {
  readonly low: number;
  readonly high: number;
  readonly excluded: readonly number[];
}

const MAX_U32 = 0xffff_ffff;
/** Upper bound on drawn nodes, so a pathological program cannot freeze the page. */
const MAX_NODES = 4000;

const NUMBER_TESTS = new Set(['jeq', 'jge', 'jgt', 'jset']);

function summarize(names: readonly string[], set: NumberSet, count: number): string {
  if (names.length === 0) return count === 1 ? `${set.low} (no syscall)` : `${count} numbers, no syscall`;
  if (names.length <= 2) return names.join(', ');
  return `${names[0] ?? ''}, ${names[1] ?? ''} +${names.length - 2}`;
}

function countOf(set: NumberSet): number {
  return set.high < set.low ? 0 : set.high - set.low + 1 - set.excluded.filter((nr) => nr >= set.low && nr <= set.high).length;
}

/** Reads the dispatch tree out of a disassembled program. `undefined` when it never loads `nr`. */
export function displayTree(
  instructions: readonly DisassembledInstruction[],
  origins: readonly InstructionOrigin[],
  policy: LoweredPolicy,
): DisplayNode | undefined {
  const start = instructions.findIndex((line) => line.mnemonic === 'ld' && line.operand === '[nr]');
  if (start < 0) return undefined;
  let nextId = 0;
  const follow = (pc: number): number => {
    let current = pc;
    for (let guard = 0; instructions[current]?.mnemonic === 'ja' && guard < instructions.length; guard++) current = instructions[current]?.targets[0] ?? current + 1;
    return current;
  };
  const leaf = (pc: number, set: NumberSet): LeafNode => {
    const line = instructions[pc];
    const excluded = new Set(set.excluded);
    const names = policy.arch.numbers
      .filter((nr) => nr >= set.low && nr <= set.high && !excluded.has(nr))
      .flatMap((nr) => policy.arch.names.get(nr) ?? []);
    const numberCount = countOf(set);
    if (line?.mnemonic === 'ret' && line.operand !== 'a' && line.operand !== 'x') {
      const outcome = formatReturnValue(line.insn.k >>> 0);
      const allows = outcome === 'ALLOW' || outcome.startsWith('LOG');
      return { kind: 'leaf', id: nextId++, pc, names, numberCount, label: summarize(names, set, numberCount), outcome, style: allows ? 'allow' : 'deny', filteredSyscalls: [] };
    }
    const reaching = new Set(origins[pc]?.syscalls ?? []);
    const filtered = names.filter((name) => reaching.has(name));
    const shown = filtered.length > 0 ? filtered : names;
    return { kind: 'leaf', id: nextId++, pc, names, numberCount, label: summarize(shown, set, numberCount), outcome: 'filters', style: 'args', filteredSyscalls: filtered };
  };
  const build = (pcIn: number, set: NumberSet): DisplayNode => {
    const pc = follow(pcIn);
    const line = instructions[pc];
    if (line === undefined || !NUMBER_TESTS.has(line.mnemonic) || !line.operand.startsWith('#') || nextId > MAX_NODES) return leaf(pc, set);
    const k = line.insn.k >>> 0;
    const [whenTrue = pc + 1, whenFalse = pc + 1] = line.targets;
    let yesSet: NumberSet = set;
    let noSet: NumberSet = set;
    switch (line.mnemonic) {
      case 'jeq':
        // A number outside the set (or already ruled out by an earlier jeq on this path) never
        // takes the branch: the planner may test a number again in a shared block.
        if (k >= set.low && k <= set.high && !set.excluded.includes(k)) {
          yesSet = { low: k, high: k, excluded: [] };
          noSet = { ...set, excluded: [...set.excluded, k] };
        } else {
          yesSet = { low: 1, high: 0, excluded: [] };
        }
        break;
      case 'jge':
        yesSet = { ...set, low: Math.max(set.low, k) };
        noSet = { ...set, high: Math.min(set.high, k - 1) };
        break;
      case 'jgt':
        yesSet = { ...set, low: Math.max(set.low, k + 1) };
        noSet = { ...set, high: Math.min(set.high, k) };
        break;
      default:
        break;
    }
    const id = nextId++;
    const name = policy.arch.names.get(k);
    const symbol = { jeq: '=', jge: '≥', jgt: '>', jset: '&' }[line.mnemonic as 'jeq' | 'jge' | 'jgt' | 'jset'];
    return {
      kind: 'test',
      id,
      pc,
      mnemonic: line.mnemonic as TestNode['mnemonic'],
      value: k,
      label: `nr ${symbol} ${k}${name === undefined ? '' : ` ${name}`}`,
      yes: build(whenTrue, yesSet),
      no: build(whenFalse, noSet),
    };
  };
  return build(start + 1, { low: 0, high: MAX_U32, excluded: [] });
}

/**
 * Ids of the nodes an emulated run visits, root first: at each test, the child whose block
 * the run executed next (`ja` hops skipped).
 */
export function displayPath(root: DisplayNode, path: readonly number[], instructions: readonly DisassembledInstruction[]): number[] {
  const ids: number[] = [];
  let node: DisplayNode = root;
  let index = path.indexOf(node.pc);
  if (index < 0) return ids;
  for (;;) {
    ids.push(node.id);
    if (node.kind === 'leaf') return ids;
    let next = index + 1;
    while (instructions[path[next] ?? -1]?.mnemonic === 'ja') next++;
    const nextPc = path[next];
    const child: DisplayNode | undefined = node.yes.pc === nextPc ? node.yes : node.no.pc === nextPc ? node.no : undefined;
    if (child === undefined) return ids;
    node = child;
    index = next;
  }
}
