/**
 * Messages between the parent, the launcher and the supervisor. One JSON object per line on
 * the launcher's fd 3 (a socket pair inherited from the parent) and on the supervisor's stdout.
 */
import type { JailStep } from './errors.js';

/** What the parent sends the launcher: everything needed to install the filter and exec. */
export interface LaunchRequest {
  /** The filter as raw `struct sock_filter` records in host byte order, base64. */
  readonly program: string;
  readonly instructionCount: number;
  /** Absolute path of the target executable. */
  readonly path: string;
  readonly argv: readonly string[];
  /** `NAME=value` strings. */
  readonly env: readonly string[];
  /** Host syscall number of `seccomp(2)`, from the architecture table. */
  readonly seccompSyscall: number;
  /** Ask for a user-notification listener and wait for `go` before exec (log and learn). */
  readonly listener: boolean;
  /**
   * Enforce mode: the tracer's pid. The launcher lets it attach (`PR_SET_PTRACER`, for Yama),
   * says `traceable`, and waits for `go` before it installs the filter.
   */
  readonly tracerPid?: number;
}

/** What the launcher tells the parent. `installing` precedes the seccomp call. */
export type LauncherMessage =
  | { readonly kind: 'traceable' }
  | { readonly kind: 'installing' }
  | { readonly kind: 'failed'; readonly step: JailStep; readonly errno: number; readonly message: string };

/** The line the parent sends after the supervisor has attached, releasing the launcher. */
export const GO_LINE = 'go\n';

/** One notification the supervisor received and let continue. */
export interface SupervisorRecord {
  readonly kind: 'call';
  /** Thread id of the caller (in the supervisor's pid namespace). */
  readonly tid: number;
  readonly nr: number;
  readonly arch: number;
  /** Instruction pointer, hex. */
  readonly ip: string;
  /** The six arguments, hex (u64). */
  readonly args: readonly string[];
  /** True when the caller was still the launcher (before its execve). */
  readonly launcher: boolean;
}

/** Supervisor status lines. */
export type SupervisorMessage = { readonly kind: 'ready' } | SupervisorRecord | { readonly kind: 'error'; readonly errno: number; readonly message: string };

/**
 * A call a seccomp filter answered with a signal or a kill, as the tracer saw it in the task it
 * stopped: from the `SIGSYS` siginfo (`sigsys`: trap, or kill on kernels before 5.16), or at the
 * exit of a task that died of `SIGSYS` (`exit`: kill actions; the call from `/proc/<tid>/syscall`).
 */
export interface TracerCall {
  readonly kind: 'sigsys' | 'exit';
  /** Thread id and thread-group id (process id) of the task. */
  readonly tid: number;
  readonly pid: number;
  /** Syscall number (in the numbering of `arch`); `-1` when unknown. */
  readonly nr: number;
  /** `AUDIT_ARCH_*` of the call; `0` when unknown. */
  readonly arch: number;
  /** Instruction pointer, hex; `''` when unknown. */
  readonly ip: string;
  /** The six arguments, hex; empty when unknown. */
  readonly args: readonly string[];
  /** `sigsys`: the filter's `SECCOMP_RET_DATA` (si_errno); `exit`: the exit status the kernel gave. */
  readonly data: number;
  /** True when the task was the launcher's thread (before the target's exec). */
  readonly launcher: boolean;
  /** The task's command name and executable, read while it is stopped; `''` when unreadable. */
  readonly comm: string;
  readonly exe: string;
}

/** Tracer status lines (one JSON object per line on its stdout). */
export type TracerMessage =
  | { readonly kind: 'attached' }
  | { readonly kind: 'exec'; readonly tid: number }
  | TracerCall
  | { readonly kind: 'error'; readonly errno: number; readonly message: string };

/** Launcher exit statuses for failures, chosen like a shell's. */
export const EXIT_SETUP_FAILED = 125;
export const EXIT_NOT_EXECUTABLE = 126;
export const EXIT_NOT_FOUND = 127;
