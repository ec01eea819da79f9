/**
 * Reads the seccomp filters installed in a running process, as `syscage verify --pid` proves
 * them: attach with `PTRACE_SEIZE`, stop the task with `PTRACE_INTERRUPT`, copy each filter with
 * `PTRACE_SECCOMP_GET_FILTER` (the kernel keeps the classic-BPF program it was given), detach.
 * The task is stopped only while the filters are copied and resumes untouched: no signal is
 * delivered or eaten. Through the same koffi binding of libc as the launcher and the tracer.
 */
import { endianness } from 'node:os';
import { readFileSync } from 'node:fs';
import { type BpfProgram, SOCK_FILTER_SIZE, decodeProgram } from '@syscage/bpf-codegen';
import { errnoName } from './errors.js';
import {
  PTRACE_DETACH,
  PTRACE_INTERRUPT,
  PTRACE_SECCOMP_GET_FILTER,
  PTRACE_SEIZE,
  WALL,
  WNOHANG,
  lastErrno,
  libc,
} from './libc.js';

/** The kernel's `BPF_MAXINSNS`: no installed filter is longer. */
const MAX_INSTRUCTIONS = 4096;

/** How long to wait for the task to stop before giving up (a task in uninterruptible sleep). */
const STOP_TIMEOUT_MS = 5000;

/** Why the filters of a process could not be read. */
export type InstalledFiltersProblem =
  /** No such process (or it ended while being read). */
  | 'no-process'
  /** Attaching was refused: another tracer holds the task, or this process may not trace it. */
  | 'attach-refused'
  /** `PTRACE_SECCOMP_GET_FILTER` needs `CAP_SYS_ADMIN` (and the reader itself not filtered). */
  | 'needs-cap-sys-admin'
  /** A filter the kernel cannot return as classic BPF (an eBPF-only filter). */
  | 'not-classic'
  /** The task did not stop in time, or another ptrace failure. */
  | 'ptrace-failed';

/** The filters of a process, or why they could not be read. */
export type InstalledFilters =
  | {
      /** Read. */
      readonly ok: true;
      /**
       * The filters in installation order (the first installed first), as the verifier's
       * `{ kind: 'filter', programs }` takes a stack. Empty when the process has no filter.
       */
      readonly programs: readonly BpfProgram[];
    }
  | {
      /** Not read. */
      readonly ok: false;
      /** What went wrong. */
      readonly problem: InstalledFiltersProblem;
      /** One sentence for a person, naming the errno and what to do. */
      readonly message: string;
    };

/** The pid of the tracer of `pid` (`TracerPid` in `/proc/PID/status`), 0 when none or unknown. */
function tracerOf(pid: number): number {
  try {
    const match = /^TracerPid:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}

/** Waits (up to {@link STOP_TIMEOUT_MS}) for the seized task to report its stop. */
function waitForStop(pid: number): boolean {
  const c = libc();
  const status = Buffer.alloc(4);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const got = c.waitpid(pid, status, WALL | WNOHANG);
    if (got === pid) return true;
    if (got < 0) return false;
    Atomics.wait(sleeper, 0, 0, 5);
  }
  return false;
}

/**
 * Reads every seccomp filter installed in the thread `pid` (filters are per thread; the
 * thread-group leader's are what a process's pid names). Linux only; needs `CAP_SYS_ADMIN`.
 */
export function readInstalledFilters(pid: number): InstalledFilters {
  const c = libc();
  if (c.ptrace(PTRACE_SEIZE, pid, 0, 0) < 0) {
    const errno = lastErrno();
    const name = errnoName(errno);
    if (name === 'ESRCH') return { ok: false, problem: 'no-process', message: `no process ${pid} (ESRCH)` };
    const tracer = tracerOf(pid);
    const why =
      tracer !== 0
        ? `process ${tracer} already traces it (a debugger, strace, or syscage run's own tracer: run the target with --no-trace to verify it by pid)`
        : 'this process may not trace it (ptrace needs the same user and CAP_SYS_PTRACE, or root)';
    return { ok: false, problem: 'attach-refused', message: `cannot attach to process ${pid} with ptrace (${name}): ${why}` };
  }
  try {
    if (c.ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 || !waitForStop(pid)) {
      const errno = lastErrno();
      return { ok: false, problem: 'ptrace-failed', message: `process ${pid} did not stop to have its filters read (${errnoName(errno)})` };
    }
    const programs: BpfProgram[] = [];
    const buffer = Buffer.alloc(MAX_INSTRUCTIONS * SOCK_FILTER_SIZE);
    for (let index = 0; ; index++) {
      const count = c.ptraceInto(PTRACE_SECCOMP_GET_FILTER, pid, index, buffer);
      if (count < 0) {
        const errno = lastErrno();
        const name = errnoName(errno);
        // ENOENT: past the oldest filter; EINVAL at index 0: the task is not in filter mode.
        if (name === 'ENOENT' || (name === 'EINVAL' && index === 0)) break;
        if (name === 'EACCES' || name === 'EPERM') {
          return {
            ok: false,
            problem: 'needs-cap-sys-admin',
            message: `reading the filters of process ${pid} (PTRACE_SECCOMP_GET_FILTER) needs CAP_SYS_ADMIN, and syscage itself not running under a seccomp filter (${name})`,
          };
        }
        if (name === 'EMEDIUMTYPE') return { ok: false, problem: 'not-classic', message: `filter ${index} of process ${pid} is not a classic BPF program the kernel can return (${name})` };
        return { ok: false, problem: 'ptrace-failed', message: `PTRACE_SECCOMP_GET_FILTER ${index} of process ${pid} failed (${name})` };
      }
      const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, count * SOCK_FILTER_SIZE);
      const decoded = decodeProgram(bytes, { byteOrder: endianness() === 'LE' ? 'little' : 'big' });
      programs.push(decoded.program);
    }
    // The kernel numbers filters from the oldest (get_nth_filter walks back from the newest
    // count - n - 1 times), which is the order a stack lists them in.
    return { ok: true, programs };
  } finally {
    // Detaching restarts the task as it was; nothing else was changed.
    c.ptrace(PTRACE_DETACH, pid, 0, 0);
  }
}
