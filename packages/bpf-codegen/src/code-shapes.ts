/**
 * Ids of code shapes, so that work on one part of a program can be reused for an equal part of
 * another: the proofs (`verify-syscall.ts`) and the analysis (`analyze.ts`) of a build meet the
 * same argument tests, compiled from the same rules, at different places of many programs.
 */
import * as bpf from './opcodes.js';
import type { BpfProgram } from './types.js';

/** The shape of the end of a program (a jump or fall-through past the last instruction). */
export const END_SHAPE = 0;

/** Interned shapes: a shape is an instruction (opcode and constant) and the shapes of its successors. */
export class CodeShapes {
  private readonly ids = new Map<string, number>([['end', END_SHAPE]]);
  private readonly numberReaders = new Set<number>();
  private readonly archReaders = new Set<number>();
  private readonly byProgram = new WeakMap<BpfProgram, Int32Array>();

  /** How many shapes are known. */
  get size(): number {
    return this.ids.size;
  }

  /** True when the code of a shape loads `nr` somewhere. */
  readsNumber(shape: number): boolean {
    return this.numberReaders.has(shape);
  }

  /** True when the code of a shape loads `arch` somewhere. */
  readsArch(shape: number): boolean {
    return this.archReaders.has(shape);
  }

  /**
   * The shape id of a pc: equal ids mean equal code from there on (every instruction that can
   * follow, with its constants), wherever it sits in whichever program. Made on demand, for the
   * pcs asked and what follows them (jumps only go forward, so this ends).
   */
  at(program: BpfProgram, pc: number): number {
    if (pc >= program.length) return END_SHAPE;
    let ids = this.byProgram.get(program);
    if (ids === undefined) {
      ids = new Int32Array(program.length).fill(-1);
      this.byProgram.set(program, ids);
    }
    const known = ids[pc] ?? -1;
    if (known >= 0) return known;
    const insn = program[pc];
    if (insn === undefined) return END_SHAPE;
    const k = insn.k >>> 0;
    const cls = insn.code & 0x07;
    let text: string;
    let next: number[];
    if (cls === bpf.BPF_RET) {
      text = `r${insn.code},${k}`;
      next = [];
    } else if (insn.code === (bpf.BPF_JMP | bpf.BPF_JA)) {
      const target = this.at(program, pc + 1 + k);
      ids[pc] = target;
      return target;
    } else if (cls === bpf.BPF_JMP) {
      next = [this.at(program, pc + 1 + insn.jt), this.at(program, pc + 1 + insn.jf)];
      text = `j${insn.code},${k},${next.join(',')}`;
    } else {
      next = [this.at(program, pc + 1)];
      text = `i${insn.code},${k},${next.join(',')}`;
    }
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(text, id);
      const loads = insn.code === (bpf.BPF_LD | bpf.BPF_ABS) ? k : -1;
      if (loads === bpf.SECCOMP_DATA_NR || next.some((successor) => this.numberReaders.has(successor))) this.numberReaders.add(id);
      if (loads === bpf.SECCOMP_DATA_ARCH || next.some((successor) => this.archReaders.has(successor))) this.archReaders.add(id);
    }
    ids[pc] = id;
    return id;
  }
}
