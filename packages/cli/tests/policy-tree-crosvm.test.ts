// Our policy tree measured against the policies crosvm ships (../shared/corpus/crosvm-2026-08) and
// Minijail's decisions on them (../shared/conformance/crosvm-2026-08.jsonl): every loaded crosvm
// policy on x86_64, aarch64 and riscv64 has a counterpart in policies/, and where crosvm lets a
// call through (allow, or an errno), ours never kills or traps. Where ours returns an errno
// although crosvm allows, the errno must be one the caller handles (`handledErrnos`); where ours
// allows what crosvm refuses, the difference must be one of `knownLooser`.
// Re-run: pnpm exec vitest run packages/cli/tests/policy-tree-crosvm.test.ts (prints a report).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ArchTable } from '@syscage/arch-tables';
import { archAarch64 } from '@syscage/arch-aarch64';
import { archRiscv64 } from '@syscage/arch-riscv64';
import { archX86_64 } from '@syscage/arch-x86-64';
import { type BpfProgram, compilePolicy, emulate } from '@syscage/bpf-codegen';
import { classifyPolicyFileName, createParseCache, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { parsePolicy } from '@syscage/policy-parser';
import { expect, it, vi } from 'vitest';
import { sharedData } from '../../../tools/shared-data/index.js';
import { describeWithShared } from '../../../tools/shared-data/vitest.js';
import { type ConformanceVector, conformanceVectorsByPolicy } from '../../../tools/shared-data/conformance.js';

// Whole corpora built and compared; a loaded machine runs them many times slower: the timeout catches a hang only.
vi.setConfig({ testTimeout: 900_000 });

const corpusData = sharedData('corpus/crosvm-2026-08');
const vectorsData = sharedData('conformance/crosvm-2026-08.jsonl');
const corpus = corpusData.path;
const vectorsPath = vectorsData.path;
const policies = fileURLToPath(new URL('../../../policies', import.meta.url));

const tables: Readonly<Record<string, ArchTable>> = { x86_64: archX86_64, aarch64: archAarch64, riscv64: archRiscv64 };
const arches = Object.keys(tables);

/**
 * Errnos our tree returns where crosvm allows, as `syscall ERRNO`: each is the answer the kernel
 * itself gives in a situation the caller already handles, so the process goes on instead of
 * dying. The test fails when a pair appears that is not listed, and when a listed pair no longer
 * occurs (so the list stays exact).
 */
const handledErrnos: Readonly<Record<string, string>> = {
  // Thread-like clones with other flags than the C library's thread creation (crosvm checks only
  // CLONE_THREAD): pthread_create and std::thread::Builder::spawn return the error.
  'clone EPERM': 'thread creation reports EPERM to its caller',
  // Flags in memory, out of a filter's reach; glibc and Rust fall back to clone on ENOSYS.
  'clone3 ENOSYS': 'the C library falls back to clone',
  // cros_async probes io_uring and falls back to its epoll executor.
  'io_uring_setup ENOSYS': 'falls back to epoll',
  'io_uring_register ENOSYS': 'no io_uring instance can exist',
  // input, gpu, wl, video: requests outside the driver families they use (crosvm: `ioctl: 1` or
  // `arg1 & 0x6400`, which admits TIOCSTI).
  'ioctl ENOTTY': "a driver's answer to a request it does not know",
  // MADV_MERGEABLE: what kernels without KSM answer.
  'madvise EINVAL': 'kernels without CONFIG_KSM answer the same',
  // virtual_ext2 opens read-only (crosvm checks the mode argument instead of the flags).
  'openat EACCES': 'opening for writing is refused as by file permissions',
  // virtual_ext2: prctl options other than naming.
  'prctl EINVAL': "the kernel's answer to an unknown option",
  // aarch64 video: reading another process's memory.
  'process_vm_readv EPERM': "the kernel's answer without ptrace access",
  // xhci (netlink protocols other than uevents), jail_warden (families other than local and UDP).
  'socket EACCES': 'what a security module answers for a refused socket',
  'socketpair EACCES': 'what a security module answers for a refused socket',
  // fs: unshare of anything but CLONE_FS.
  'unshare EPERM': "the kernel's answer without CAP_SYS_ADMIN",
  // vmm-swap creates userfaultfds through /dev/userfaultfd (USERFAULTFD_IOC_NEW is allowed).
  'userfaultfd EPERM': 'the kernel refuses kernel-fault userfaultfds to unprivileged callers',
};

/**
 * Syscalls for which ours allows, on some policy, a call crosvm refuses (its decision vectors
 * probe a few syscalls each policy does not mention, and argument values around its constants).
 * The test prints the policies of each; it fails when a syscall appears that is not listed here
 * and when a listed one no longer does.
 */
const knownLooser: Readonly<Record<string, string>> = {
  // Positional I/O and readv on descriptors the process holds: no more than lseek with
  // read/write/readv, which crosvm allows everywhere.
  pread64: 'same power as lseek + read',
  pwrite64: 'same power as lseek + write',
  preadv: 'same power as lseek + readv',
  pwritev: 'same power as lseek + writev',
  preadv2: 'same power as lseek + readv',
  readv: 'crosvm allows read; swap_monitor only lacks readv',
  fstat: 'newfstatat(fd, "", AT_EMPTY_PATH), which crosvm allows, is the same call',
  // Signals to the process's own threads: crosvm allows any signal through `kill: 1`, so
  // restricting tgkill to SIGABRT as crosvm does would protect nothing.
  tgkill: 'kill, allowed unconditionally by crosvm too, reaches the same targets',
  // Protections beyond crosvm's exact list for GPU drivers (PROT_GROWSDOWN, PROT_SEM, …); never
  // executable except the read+execute driver mapping, never writable and executable.
  mmap: 'non-executable protection bits crosvm does not list',
  mprotect: 'non-executable protection bits crosvm does not list',
  mremap: 'swap_monitor resizes mappings like every other process',
  // Both transparent-huge-page hints on every architecture (crosvm lists one per architecture).
  madvise: 'MADV_HUGEPAGE/MADV_NOHUGEPAGE are hints only',
  // F_DUPFD and the memfd seals in every process (crosvm's gpu lists F_DUPFD_CLOEXEC only).
  fcntl: 'descriptor duplication and memfd seals',
  // PR_SET_VMA and PR_SET_PDEATHSIG in every device (crosvm lists them per file).
  prctl: 'naming memory areas, a signal on the parent\'s death',
  getrandom: "Rust's HashMap seeds every thread with it",
  timerfd_gettime: 'reads a timer the device may already create and arm',
  // GPU and video devices share the driver's file rules (crosvm's aarch64 lists differ slightly).
  inotify_init1: 'the driver or its loader watches files',
  sysinfo: 'memory size for driver heuristics',
  sched_setaffinity: 'driver threads pin themselves to CPUs',
};

/** Loaded crosvm policies of one architecture: files no other file includes, and files that include others. */
function crosvmLoaded(arch: string): string[] {
  const folder = `${corpus}/${arch}`;
  const names = readdirSync(folder).filter((name) => name.endsWith('.policy')).map((name) => name.slice(0, -'.policy'.length));
  const included = new Set<string>();
  const including = new Set<string>();
  for (const name of names) {
    for (const statement of parsePolicy(readFileSync(`${folder}/${name}.policy`, 'utf8'), `${folder}/${name}.policy`).statements) {
      if (statement.kind !== 'include') continue;
      included.add(statement.path.slice(statement.path.lastIndexOf('/') + 1, -'.policy'.length));
      including.add(name);
    }
  }
  // crosvm's building blocks include nothing; fs_device is included by fs_device_vhost_user but
  // includes common_device itself, and is what the fs device loads.
  return names.filter((name) => !included.has(name) || including.has(name)).sort();
}

/** Our loaded policies of one architecture (roles `loaded` and `process`). */
function oursLoaded(arch: string): Set<string> {
  return new Set(
    readdirSync(`${policies}/${arch}`)
      .filter((name) => name.endsWith('.policy') && ['loaded', 'process'].includes(classifyPolicyFileName(name).kind))
      .map((name) => name.slice(0, -'.policy'.length)),
  );
}

/** Our counterpart of crosvm's `name`: the same name, `<name>_device` or `<name>_process`. */
function counterpart(name: string, ours: ReadonlySet<string>): string | undefined {
  return [name, `${name}_device`, `${name}_process`].find((candidate) => ours.has(candidate));
}

const host = createNodeHost();
const cache = createParseCache();

function compileOurs(arch: string, name: string): BpfProgram {
  const table = tables[arch];
  if (table === undefined) throw new Error(`no table ${arch}`);
  const resolved = resolvePolicy(`${policies}/${arch}/${name}.policy`, { host, arch, cache });
  const compiled = compilePolicy(resolved, table, { useKillProcess: true });
  if (compiled.program === undefined) throw new Error(`${arch}/${name} does not compile`);
  return compiled.program;
}

function decide(program: BpfProgram, table: ArchTable, vector: ConformanceVector): string {
  const nr = table.syscalls[vector.syscall];
  if (nr === undefined) return `unknown syscall ${vector.syscall}`;
  const arch = vector.audit_arch === undefined ? table.auditArch : Number(vector.audit_arch);
  const run = emulate(
    program,
    { nr, arch, instructionPointer: 0n, args: vector.args.map((value) => BigInt(value)) },
    { byteOrder: table.endianness, recordPath: false },
  );
  if (!run.ok) return `invalid: ${run.error.message}`;
  return run.action === 'errno' ? `errno ${run.data}` : run.action;
}

/** The name of the errno in `errno N` (the first E… constant with that value), or the number. */
function errnoName(table: ArchTable, decision: string): string {
  const value = BigInt(decision.slice('errno '.length));
  const names = Object.keys(table.constants).filter((name) => /^E[A-Z0-9]+$/.test(name) && table.constants[name] === value);
  // EWOULDBLOCK/EDEADLOCK/ENOTSUP are aliases; the table lists names alphabetically.
  return names.find((name) => !['EWOULDBLOCK', 'EDEADLOCK', 'ENOTSUP'].includes(name)) ?? decision;
}

const lets = (decision: string): boolean => decision === 'allow' || decision.startsWith('errno ');

/** What the comparison found for one crosvm policy. */
interface Finding {
  readonly crosvm: string;
  readonly ours: string;
  readonly vectors: number;
  /** Calls crosvm lets through that ours kills or traps. */
  readonly kills: string[];
  /** `syscall ERRNO` of calls crosvm allows that ours answers with an errno. */
  readonly errnos: Set<string>;
  /** Syscalls of calls crosvm refuses that ours allows. */
  readonly looser: Set<string>;
}

function compare(): { findings: Finding[]; missing: string[] } {
  const byPolicy = conformanceVectorsByPolicy(vectorsPath);
  const findings: Finding[] = [];
  const missing: string[] = [];
  for (const arch of arches) {
    const table = tables[arch];
    if (table === undefined) continue;
    const ours = oursLoaded(arch);
    for (const name of crosvmLoaded(arch)) {
      const mine = counterpart(name, ours);
      if (mine === undefined) {
        missing.push(`${arch}/${name}`);
        continue;
      }
      const program = compileOurs(arch, mine);
      const finding: Finding = {
        crosvm: `${arch}/${name}`,
        ours: `${arch}/${mine}`,
        vectors: 0,
        kills: [],
        errnos: new Set(),
        looser: new Set(),
      };
      for (const vector of byPolicy.get(`${arch}/${name}.policy`) ?? []) {
        const got = decide(program, table, vector);
        const call = `${vector.syscall}(${vector.args.join(', ')})`;
        (finding as { vectors: number }).vectors++;
        if (lets(vector.expect) && !lets(got)) finding.kills.push(`${call}: crosvm ${vector.expect}, ours ${got}`);
        if (vector.expect === 'allow' && got.startsWith('errno ')) finding.errnos.add(`${vector.syscall} ${errnoName(table, got)}`);
        if (got === 'allow' && vector.expect !== 'allow') finding.looser.add(vector.syscall);
      }
      findings.push(finding);
    }
  }
  return { findings, missing };
}

/** The union of one set of every finding, sorted. */
function collect(findings: readonly Finding[], pick: (finding: Finding) => ReadonlySet<string>): string[] {
  return [...new Set(findings.flatMap((finding) => [...pick(finding)]))].sort();
}

describeWithShared('the policy tree against crosvm 2026-08', [corpusData, vectorsData], () => {
  const { findings, missing } = compare();

  it('prints the comparison', () => {
    const lines = findings.map(
      (finding) =>
        `${finding.crosvm.padEnd(36)} → ${finding.ours.padEnd(40)} ${String(finding.vectors).padStart(4)} vectors, ${String(finding.kills.length).padStart(3)} kills, ${String(finding.errnos.size).padStart(2)} errnos, ${String(finding.looser.size).padStart(2)} looser syscalls`,
    );
    console.log(lines.join('\n'));
    expect(findings.length).toBeGreaterThan(0);
  });

  it('has a counterpart for every loaded crosvm policy', () => {
    expect(missing).toEqual([]);
  });

  it('never kills or traps a call crosvm lets through', () => {
    const kills = findings.filter((finding) => finding.kills.length > 0).map((finding) => [finding.ours, finding.kills] as const);
    expect(kills).toEqual([]);
  });

  it('answers with an errno only where the caller handles it', () => {
    expect(collect(findings, (finding) => finding.errnos)).toEqual(Object.keys(handledErrnos).sort());
  });

  it('is looser than crosvm only where the list says why', () => {
    const bySyscall = new Map<string, string[]>();
    for (const finding of findings) {
      for (const syscall of finding.looser) bySyscall.set(syscall, [...(bySyscall.get(syscall) ?? []), finding.crosvm]);
    }
    const lines = [...bySyscall].sort(([a], [b]) => (a < b ? -1 : 1)).map(([syscall, where]) => `${syscall} (${knownLooser[syscall] ?? 'NOT LISTED'}): ${where.join(' ')}`);
    console.log(`looser than crosvm:\n${lines.join('\n')}`);
    expect(collect(findings, (finding) => finding.looser)).toEqual(Object.keys(knownLooser).sort());
  });
});
