// The audit's findings, each shown on a filter that has it and on one that does not. Filters
// are our compiler's output for small policies, or hand-written programs in the shapes other
// compilers emit (no architecture check, a wrong one, a masked syscall number, a denylist).
import { archAarch64 } from '@syscage/arch-aarch64';
import { archX86_64 } from '@syscage/arch-x86-64';
import type { ArchTable } from '@syscage/arch-tables';
import { describe, expect, it } from 'vitest';
import { type AuditFindingCode, auditFindingCodes, auditProgram, auditSeverityAtLeast } from '../src/audit.js';
import { emulate } from '../src/emulate.js';
import { BPF_ABS, BPF_ALU, BPF_AND, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W, SECCOMP_RET_ALLOW, SECCOMP_RET_KILL_PROCESS } from '../src/opcodes.js';
import type { BpfProgram } from '../src/types.js';
import { compileText } from './compile/helpers.js';
import { jump, stmt } from './emulator-asm.js';

const X86_64 = archX86_64.auditArch;
const I386 = 0x40000003;
const ldNr = stmt(BPF_LD | BPF_W | BPF_ABS, 0);
const ldArch = stmt(BPF_LD | BPF_W | BPF_ABS, 4);
const allow = stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
const kill = stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
const jeq = (k: number, jt: number, jf: number) => jump(BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf);

/** Our compiler's program for a policy that also allows the usual few syscalls. */
function compiled(rules: string, table: ArchTable = archX86_64): BpfProgram {
  const { result } = compileText(`read: allow\nwrite: allow\nexit_group: allow\n${rules}\n`, table);
  if (result.program === undefined) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  return result.program;
}

const hand: Readonly<Record<string, BpfProgram>> = {
  // read allowed, whatever the architecture.
  noArchCheck: [ldNr, jeq(0, 0, 1), allow, kill],
  // Checks i386 instead of x86_64, then allows number 0.
  wrongArch: [ldArch, jeq(I386, 0, 3), ldNr, jeq(0, 0, 1), allow, kill],
  // x86_64 and i386 branches, both allowing number 0 (a multi-architecture filter).
  twoArchs: [ldArch, jeq(X86_64, 1, 0), jeq(I386, 0, 3), ldNr, jeq(0, 0, 1), allow, kill],
  // The syscall number masked before the dispatch: the x32 bit is ignored.
  maskedNumber: [ldArch, jeq(X86_64, 0, 4), ldNr, stmt(BPF_ALU | BPF_AND | BPF_K, 0xbfffffff), jeq(0, 0, 1), allow, kill],
  // The same with an argument check on the way (x32 numbers then need the path search, not the
  // argument-free run that decides most numbers).
  maskedNumberArgument: [ldArch, jeq(X86_64, 0, 6), ldNr, stmt(BPF_ALU | BPF_AND | BPF_K, 0xbfffffff), jeq(0, 0, 3), stmt(BPF_LD | BPF_W | BPF_ABS, 16), jeq(7, 0, 1), allow, kill],
  // Every number from 1000 up allowed (a range check gone wrong).
  openRange: [ldArch, jeq(X86_64, 0, 5), ldNr, jump(BPF_JMP | BPF_JGE | BPF_K, 1000, 2, 0), jeq(0, 1, 0), kill, allow],
  // A denylist: ptrace killed, everything else allowed.
  denylist: [ldArch, jeq(X86_64, 0, 3), ldNr, jeq(archX86_64.syscalls.ptrace ?? -1, 0, 1), kill, allow],
};

const codesOf = (program: BpfProgram, options: { device?: boolean; table?: ArchTable; maxPaths?: number } = {}): AuditFindingCode[] =>
  auditProgram(program, {
    arch: options.table ?? archX86_64,
    ...(options.device === undefined ? {} : { device: options.device }),
    ...(options.maxPaths === undefined ? {} : { maxPaths: options.maxPaths }),
  }).findings.map((finding) => finding.code);

describe('auditProgram: each finding on a filter that has it and one that does not', () => {
  it.each<{ name: string; code: AuditFindingCode; has: () => BpfProgram; hasNot: () => BpfProgram; device?: boolean }>([
    { name: 'no architecture check', code: 'SC7001', has: () => hand.noArchCheck ?? [], hasNot: () => compiled('') },
    { name: 'a check for the wrong architecture', code: 'SC7002', has: () => hand.wrongArch ?? [], hasNot: () => compiled('') },
    { name: 'another architecture allowed too', code: 'SC7006', has: () => hand.twoArchs ?? [], hasNot: () => compiled('') },
    { name: 'x32 numbers reaching allow', code: 'SC7003', has: () => hand.maskedNumber ?? [], hasNot: () => compiled('') },
    { name: 'x32 numbers reaching allow for some arguments', code: 'SC7003', has: () => hand.maskedNumberArgument ?? [], hasNot: () => compiled('read: arg0 == 7') },
    { name: 'numbers that are no syscall reaching allow', code: 'SC7004', has: () => hand.openRange ?? [], hasNot: () => compiled('') },
    { name: 'a permissive default', code: 'SC7005', has: () => hand.denylist ?? [], hasNot: () => compiled('') },
    { name: 'an escape syscall allowed for every argument', code: 'SC7010', has: () => compiled('ptrace: allow'), hasNot: () => compiled('ptrace: arg0 == PTRACE_TRACEME') },
    { name: 'execve in a device policy', code: 'SC7010', has: () => compiled('execve: allow'), hasNot: () => compiled('execve: return EPERM'), device: true },
    { name: 'a surface syscall allowed for every argument', code: 'SC7011', has: () => compiled('clone3: allow'), hasNot: () => compiled('clone3: return ENOSYS') },
    { name: 'a review syscall allowed for every argument', code: 'SC7012', has: () => compiled('kill: allow'), hasNot: () => compiled('kill: arg1 == 0') },
    { name: 'writable and executable memory', code: 'SC7020', has: () => compiled('mmap: allow'), hasNot: () => compiled('mmap: arg2 in ~PROT_EXEC') },
    { name: 'executable memory', code: 'SC7021', has: () => compiled('mprotect: arg2 == PROT_READ|PROT_EXEC || arg2 == PROT_READ|PROT_WRITE'), hasNot: () => compiled('mprotect: arg2 in ~PROT_EXEC') },
    { name: 'ioctl admitting TIOCSTI (crosvm’s `arg1 & 0x6400`)', code: 'SC7030', has: () => compiled('ioctl: arg1 == FIONBIO || arg1 & 0x6400'), hasNot: () => compiled('ioctl: arg1 == FIONBIO || arg1 == FIOCLEX') },
    { name: 'clone admitting new namespaces', code: 'SC7031', has: () => compiled('clone: arg0 & CLONE_THREAD'), hasNot: () => compiled('clone: arg0 == CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID') },
    { name: 'unshare admitting a user namespace', code: 'SC7031', has: () => compiled('unshare: arg0 == CLONE_NEWUSER'), hasNot: () => compiled('unshare: arg0 == CLONE_FILES') },
    { name: 'socket admitting packet sockets', code: 'SC7032', has: () => compiled('socket: arg0 == AF_PACKET'), hasNot: () => compiled('socket: arg0 == AF_UNIX') },
    { name: 'socket admitting raw IP sockets', code: 'SC7032', has: () => compiled('socket: arg0 == AF_INET'), hasNot: () => compiled('socket: arg0 == AF_INET && arg1 == SOCK_STREAM') },
  ])('$code: $name', ({ code, has, hasNot, device }) => {
    const options = device === undefined ? {} : { device };
    expect(codesOf(has(), options)).toContain(code);
    expect(codesOf(hasNot(), options)).not.toContain(code);
  });

  it('SC7040 lists the syscalls the kernel does not filter, on x86_64 only', () => {
    const report = auditProgram(compiled(''), { arch: archX86_64 });
    expect(report.findings.filter((f) => f.code === 'SC7040').map((f) => [f.syscall?.name, f.message])).toEqual([
      ['uretprobe', expect.stringContaining('not filtered by the kernel (Linux ≥ 6.14)')],
      ['uprobe', expect.stringContaining('not filtered by the kernel (Linux ≥ 6.18)')],
    ]);
    expect(codesOf(compiled('', archAarch64), { table: archAarch64 })).not.toContain('SC7040');
  });

  it('SC7041 says when a syscall had too many paths to follow', () => {
    expect(codesOf(compiled('ioctl: arg1 == 1 || arg1 == 2 || arg1 == 3'), { maxPaths: 2 })).toContain('SC7041');
    expect(codesOf(compiled('ioctl: arg1 == 1 || arg1 == 2 || arg1 == 3'))).not.toContain('SC7041');
  });

  it('execve outside a device policy is a surface finding, not an escape', () => {
    const codes = codesOf(compiled('execve: allow'), { device: false });
    expect(codes).toContain('SC7011');
    expect(codes).not.toContain('SC7010');
  });

  it('finds nothing above info in a tight filter of our compiler', () => {
    const report = auditProgram(compiled('mmap: arg2 in ~PROT_EXEC\nioctl: arg1 == FIONBIO\nsocket: arg0 == AF_UNIX'), { arch: archX86_64, device: true });
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });
});

describe('auditProgram: evidence and locations', () => {
  it('gives an input the program really allows for every finding with an example', () => {
    for (const program of [...Object.values(hand), compiled('ioctl: arg1 & 0x6400\nclone: arg0 & CLONE_THREAD\nmmap: allow\nsocket: arg0 == AF_INET')]) {
      for (const finding of auditProgram(program, { arch: archX86_64 }).findings) {
        if (finding.example === undefined) continue;
        const result = emulate(program, { nr: finding.example.nr, arch: finding.example.arch, instructionPointer: 0n, args: finding.example.args });
        expect(result.ok && (result.action === 'allow' || result.action === 'log'), `${finding.code} ${finding.message}`).toBe(true);
      }
    }
  });

  it('points a policy finding at the rule that admits it', () => {
    const { result } = compileText('read: allow\nioctl: arg1 == FIONBIO\nioctl: arg1 & 0x6400\n', archX86_64);
    if (result.program === undefined || result.lowered === undefined) throw new Error('did not compile');
    const report = auditProgram(result.program, { arch: archX86_64, policy: result.lowered });
    const tiocsti = report.findings.find((f) => f.code === 'SC7030');
    expect(tiocsti?.message).toContain('TIOCSTI (0x5412)');
    expect(tiocsti?.origin?.range.start.line).toBe(3);
    expect(tiocsti?.example?.args[1]).toBe(0x5412n);
  });

  it('orders findings by severity and keeps every code in its table', () => {
    const findings = auditProgram(hand.noArchCheck ?? [], { arch: archX86_64 }).findings;
    const severities = findings.map((f) => f.severity);
    expect([...severities].sort((a, b) => (auditSeverityAtLeast(a, b) ? (auditSeverityAtLeast(b, a) ? 0 : -1) : 1))).toEqual(severities);
    for (const finding of findings) expect(auditFindingCodes[finding.code].severity).toBe(finding.severity);
  });
});

describe('auditProgram: a syscall in the middle of a range the dispatch treats alike', () => {
  // The audit walks the program once for every number, splitting them where the dispatch does;
  // a split that lumped a number with its neighbours would miss these.
  const ptrace = archX86_64.syscalls.ptrace ?? -1;
  const findingsAbout = (program: BpfProgram, name: string) => auditProgram(program, { arch: archX86_64 }).findings.filter((f) => f.syscall?.name === name);
  it.each<{ name: string; program: BpfProgram; codes: AuditFindingCode[]; nr?: number }>([
    {
      // [50, 200) denied except ptrace; below 50 allowed.
      name: 'ptrace allowed inside a denied range',
      program: [ldArch, jeq(X86_64, 0, 6), ldNr, jump(BPF_JMP | BPF_JGE | BPF_K, 200, 4, 0), jump(BPF_JMP | BPF_JGE | BPF_K, 50, 0, 2), jeq(ptrace, 1, 0), kill, allow, kill],
      codes: ['SC7010'],
      nr: ptrace,
    },
    {
      // Up to ptrace allowed, above it denied: ptrace is the bound itself.
      name: 'ptrace allowed as the bound of a range',
      program: [ldArch, jeq(X86_64, 0, 3), ldNr, jump(BPF_JMP | BPF_JGT | BPF_K, ptrace, 1, 0), allow, kill],
      codes: ['SC7010'],
      nr: ptrace,
    },
    {
      // [0, 200) allowed except ptrace.
      name: 'ptrace denied inside an allowed range',
      program: [ldArch, jeq(X86_64, 0, 4), ldNr, jump(BPF_JMP | BPF_JGE | BPF_K, 200, 2, 0), jeq(ptrace, 1, 0), allow, kill],
      codes: [],
    },
    {
      // [0, 200) allowed, ptrace only with PTRACE_TRACEME (0) as its request.
      name: 'ptrace checked inside an allowed range',
      program: [ldArch, jeq(X86_64, 0, 7), ldNr, jump(BPF_JMP | BPF_JGE | BPF_K, 200, 5, 0), jeq(ptrace, 0, 3), stmt(BPF_LD | BPF_W | BPF_ABS, 16), jeq(0, 1, 0), kill, allow, kill],
      codes: [],
    },
  ])('$name', ({ program, codes, nr }) => {
    const found = findingsAbout(program, 'ptrace');
    expect(found.map((f) => f.code)).toEqual(codes);
    if (nr !== undefined) expect(found[0]?.example?.nr).toBe(nr);
    // The neighbours of ptrace are decided by the range: mount (165) is allowed in the last two.
    expect(findingsAbout(program, 'mount').map((f) => f.code)).toEqual(codes.length === 0 ? ['SC7010'] : []);
  });
});

describe('auditProgram: x32 numbers allowed only for some arguments', () => {
  it('names an x32 number and the argument that lets it through', () => {
    const finding = auditProgram(hand.maskedNumberArgument ?? [], { arch: archX86_64 }).findings.find((f) => f.code === 'SC7003');
    expect(finding?.example?.nr).toBe(0x40000000);
    expect(finding?.example?.args[0]).toBe(7n);
  });
});
