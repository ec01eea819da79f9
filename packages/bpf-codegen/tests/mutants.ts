// Mutants of emitted programs for the verifier's tests: a comparison constant with one bit
// flipped, a branch with its targets swapped, a return value changed, an instruction dropped
// (jumps over it retargeted); only mutants the kernel would still accept.
import { BPF_JA, BPF_JMP, BPF_K, BPF_RET, BPF_X } from '../src/opcodes.js';
import type { BpfProgram, SockFilter } from '../src/types.js';
import { validateProgram } from '../src/validate.js';
import { normalizeReturnValue } from '../src/verify.js';

/** One change to a program. */
export type Mutation =
  | { readonly kind: 'flip-constant'; readonly pc: number; readonly bit: number }
  | { readonly kind: 'swap-branches'; readonly pc: number }
  | { readonly kind: 'change-return'; readonly pc: number; readonly value: number }
  | { readonly kind: 'drop'; readonly pc: number };

/** True for conditional jumps. */
export const isConditional = (insn: SockFilter): boolean => (insn.code & 0x07) === BPF_JMP && (insn.code & 0xf0) !== BPF_JA;
const otherReturns = [0x7fff0000, 0x00050001, 0x00030000, 0x80000000, 0x7ffc0000, 0x00000000];

/** The program with one mutation applied, or undefined when it does not apply or the kernel would refuse the result. */
export function mutate(program: BpfProgram, mutation: Mutation): BpfProgram | undefined {
  const insn = program[mutation.pc];
  if (insn === undefined) return undefined;
  let mutant: SockFilter[];
  switch (mutation.kind) {
    case 'flip-constant':
      if (!isConditional(insn) || (insn.code & BPF_X) !== BPF_K) return undefined;
      mutant = program.map((each, pc) => (pc === mutation.pc ? { ...each, k: (each.k ^ (1 << mutation.bit)) >>> 0 } : each));
      break;
    case 'swap-branches':
      if (!isConditional(insn) || insn.jt === insn.jf) return undefined;
      mutant = program.map((each, pc) => (pc === mutation.pc ? { ...each, jt: each.jf, jf: each.jt } : each));
      break;
    case 'change-return':
      if (insn.code !== (BPF_RET | BPF_K) || normalizeReturnValue(insn.k) === normalizeReturnValue(mutation.value)) return undefined;
      mutant = program.map((each, pc) => (pc === mutation.pc ? { ...each, k: mutation.value } : each));
      break;
    case 'drop': {
      const dropped = mutation.pc;
      // Jumps over the dropped instruction get one shorter; a jump to it now lands on its successor.
      const retarget = (from: number, offset: number): number => (from + 1 + offset > dropped ? offset - 1 : offset);
      mutant = program
        .map((each, pc) => {
          if (pc >= dropped || (each.code & 0x07) !== BPF_JMP) return each;
          if ((each.code & 0xf0) === BPF_JA) return { ...each, k: retarget(pc, each.k) };
          return { ...each, jt: retarget(pc, each.jt), jf: retarget(pc, each.jf) };
        })
        .filter((_, pc) => pc !== dropped);
      break;
    }
  }
  return validateProgram(mutant).some((problem) => problem.severity === 'error') ? undefined : mutant;
}

/** Every mutation of each instruction (a bit and a return value chosen by the seed). */
export function mutationsOf(program: BpfProgram, seed: number): Mutation[] {
  const mutations: Mutation[] = [];
  program.forEach((insn, pc) => {
    const bit = (seed + pc * 7) % 32;
    mutations.push({ kind: 'flip-constant', pc, bit }, { kind: 'swap-branches', pc }, { kind: 'drop', pc });
    mutations.push({ kind: 'change-return', pc, value: otherReturns[(seed + pc) % otherReturns.length] ?? 0 });
  });
  return mutations;
}

