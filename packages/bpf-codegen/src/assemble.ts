/**
 * Assembly: the node graph laid out in order (every jump forward), symbolic targets turned into
 * offsets, and conditional jumps longer than 255 instructions routed through `ja` trampolines.
 */
import { type CodeNode, jumpField } from './emit.js';
import * as bpf from './opcodes.js';
import type { BpfProgram, SockFilter } from './types.js';

/** An instruction whose jump targets are item objects, not offsets yet. */
interface Item {
  readonly code: number;
  readonly k: number;
  /** Conditional: true/false targets. */
  jt?: Item;
  jf?: Item;
  /** Unconditional `ja` target. */
  ja?: Item;
}

/**
 * Orders the nodes reachable from `root` so that every node comes before its successors
 * (reverse post-order of a depth-first walk). A test's false branch and a load's successor are
 * visited last, so they tend to follow directly.
 */
export function orderNodes(root: CodeNode): CodeNode[] {
  const visited = new Set<number>();
  const postorder: CodeNode[] = [];
  const stack: { node: CodeNode; expanded: boolean }[] = [{ node: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack.pop();
    if (top === undefined) break;
    if (top.expanded) {
      postorder.push(top.node);
      continue;
    }
    if (visited.has(top.node.id)) continue;
    visited.add(top.node.id);
    stack.push({ node: top.node, expanded: true });
    const node = top.node;
    // Pushed last = visited first; we want jt visited first and jf last.
    if (node.kind === 'test') {
      if (!visited.has(node.jf.id)) stack.push({ node: node.jf, expanded: false });
      if (!visited.has(node.jt.id)) stack.push({ node: node.jt, expanded: false });
    } else if (node.kind === 'load') {
      if (!visited.has(node.next.id)) stack.push({ node: node.next, expanded: false });
    }
  }
  return postorder.reverse();
}

/** Result of {@link assemble}. */
export interface AssembledProgram {
  readonly program: BpfProgram;
  /** `ja` instructions added after loads whose successor could not follow directly. */
  readonly loadJumps: number;
  /** `ja` trampolines added for conditional jumps longer than 255. */
  readonly trampolines: number;
}

/** Lays out and assembles the graph under `root`. */
export function assemble(root: CodeNode): AssembledProgram {
  const order = orderNodes(root);
  const itemOf = new Map<number, Item>();
  for (const node of order) {
    const item: Item =
      node.kind === 'ret'
        ? { code: bpf.code(bpf.BPF_RET, bpf.BPF_K), k: node.value }
        : node.kind === 'load'
          ? { code: bpf.code(bpf.BPF_LD, bpf.BPF_W, bpf.BPF_ABS), k: node.offset }
          : { code: bpf.BPF_JMP | jumpField[node.op] | bpf.BPF_K, k: node.k };
    itemOf.set(node.id, item);
  }
  const target = (node: CodeNode): Item => {
    const item = itemOf.get(node.id);
    if (item === undefined) throw new Error(`node ${node.id} was not laid out`);
    return item;
  };
  let items: Item[] = [];
  let loadJumps = 0;
  for (const [index, node] of order.entries()) {
    const item = target(node);
    items.push(item);
    if (node.kind === 'test') {
      item.jt = target(node.jt);
      item.jf = target(node.jf);
    } else if (node.kind === 'load' && order[index + 1]?.id !== node.next.id) {
      items.push({ code: bpf.code(bpf.BPF_JMP, bpf.BPF_JA), k: 0, ja: target(node.next) });
      loadJumps++;
    }
  }

  // Trampolines: each pass adds a `ja` after every conditional jump that is too far, all at
  // once; insertions only lengthen jumps, so passes repeat until none is needed.
  let trampolines = 0;
  for (;;) {
    const position = new Map<Item, number>();
    items.forEach((item, index) => position.set(item, index));
    const rebuilt: Item[] = [];
    let inserted = 0;
    items.forEach((item, index) => {
      rebuilt.push(item);
      if (item.jt === undefined || item.jf === undefined) return;
      // Distances grow by the trampolines inserted before this point in this pass; checking
      // against the old positions and repeating the pass covers that.
      const far = (to: Item): boolean => (position.get(to) ?? 0) - index - 1 > bpf.MAX_CONDITIONAL_JUMP;
      if (far(item.jt)) {
        const jump: Item = { code: bpf.code(bpf.BPF_JMP, bpf.BPF_JA), k: 0, ja: item.jt };
        rebuilt.push(jump);
        item.jt = jump;
        inserted++;
      }
      if (far(item.jf)) {
        const jump: Item = { code: bpf.code(bpf.BPF_JMP, bpf.BPF_JA), k: 0, ja: item.jf };
        rebuilt.push(jump);
        item.jf = jump;
        inserted++;
      }
    });
    // Taken over, not spread into `push`: a program of 100,000s of items (a policy far past the
    // limit, reported as SC4020) is more arguments than one call may have.
    items = rebuilt;
    trampolines += inserted;
    if (inserted === 0) break;
  }

  const position = new Map<Item, number>();
  items.forEach((item, index) => position.set(item, index));
  const offset = (from: number, to: Item | undefined): number => {
    const at = to === undefined ? undefined : position.get(to);
    if (at === undefined || at <= from) throw new Error('jump target is not ahead of its jump');
    return at - from - 1;
  };
  const program: SockFilter[] = items.map((item, index) => {
    if (item.ja !== undefined) return { code: item.code, jt: 0, jf: 0, k: offset(index, item.ja) };
    if (item.jt !== undefined) return { code: item.code, jt: offset(index, item.jt), jf: offset(index, item.jf), k: item.k };
    return { code: item.code, jt: 0, jf: 0, k: item.k };
  });
  return { program, loadJumps, trampolines };
}
