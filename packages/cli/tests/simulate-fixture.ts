// Inputs for the disasm/simulate/stats/explain/diff tests, written to a fresh temporary folder:
// small x86_64 policies (one with an include) and a hand-made .bpf program.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeProgram } from '@syscage/bpf-codegen';

/**
 * arch check, nr < 0x40000000, read/write/exit_group → ALLOW, mmap → ALLOW unless args[2] has
 * PROT_EXEC or a high word (then ERRNO(1)), everything else → TRAP. Costs by hand: read 6,
 * write 7, exit_group 8, mmap 13 (see packages/bpf-codegen/tests/analyze.test.ts).
 */
export const allowlistProgram = [
  [0x20, 0, 0, 4], [0x15, 1, 0, 0xc000003e], [0x06, 0, 0, 0x80000000],
  [0x20, 0, 0, 0], [0x35, 6, 0, 0x40000000],
  [0x15, 4, 0, 0], [0x15, 3, 0, 1], [0x15, 2, 0, 231], [0x15, 3, 0, 9],
  [0x06, 0, 0, 0x30000], [0x06, 0, 0, 0x7fff0000], [0x06, 0, 0, 0x80000000],
  [0x20, 0, 0, 36], [0x15, 1, 0, 0], [0x06, 0, 0, 0x50001],
  [0x20, 0, 0, 32], [0x45, 0, 1, 4], [0x06, 0, 0, 0x50001], [0x06, 0, 0, 0x7fff0000],
].map(([code = 0, jt = 0, jf = 0, k = 0]) => ({ code, jt, jf, k }));

/** Creates the folder and returns its path. */
export function makeToolInputs(): string {
  const root = mkdtempSync(join(tmpdir(), 'syscage-tools-'));
  mkdirSync(join(root, 'x86_64'));
  writeFileSync(join(root, 'allowlist.bpf'), encodeProgram(allowlistProgram));
  writeFileSync(join(root, 'truncated.bpf'), new Uint8Array(12));
  writeFileSync(join(root, 'no-ret.bpf'), encodeProgram([{ code: 0x20, jt: 0, jf: 0, k: 0 }]));
  // The start of an ELF executable and its padding: 16 KiB that are no seccomp program, as /bin/ls is not.
  const elf = new Uint8Array(16384);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  writeFileSync(join(root, 'executable'), elf);
  writeFileSync(join(root, 'allowlist-be.bpf'), encodeProgram(allowlistProgram, { byteOrder: 'big' }));
  // The same checks for s390x (AUDIT_ARCH_S390X, big-endian).
  const s390x = allowlistProgram.map((insn, pc) => (pc === 1 ? { ...insn, k: 0x80000016 } : insn));
  writeFileSync(join(root, 's390x.bpf'), encodeProgram(s390x, { byteOrder: 'big' }));
  writeFileSync(join(root, 'x86_64', 'common.policy'), 'ioctl: arg1 == FIONREAD\nopenat: return ENOENT\n');
  writeFileSync(
    join(root, 'x86_64', 'old.policy'),
    '@include ./common.policy\nread: 1\nwrite: 1\nmmap: arg2 in ~PROT_EXEC\n',
  );
  writeFileSync(join(root, 'x86_64', 'new.policy'), 'read: 1\nwrite: arg0 == 1 || arg0 == 2\nmmap: 1\nopenat: return EACCES\nclose: 1\n');
  return root;
}
