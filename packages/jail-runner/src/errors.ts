/** The typed failure of a jailed launch: which step failed and why. */
import { constants as osConstants } from 'node:os';
import type { Diagnostic } from '@syscage/policy-parser';

/**
 * Steps of a jailed launch, in order. A failure at any of them means the target never ran
 * without its filter.
 * - `arch`: the host architecture has no table, or the filter was compiled for another one.
 * - `filter`: the filter or policy could not be turned into a program (diagnostics attached).
 * - `spawn`: the launcher process could not be started or died before reporting.
 * - `no-new-privs`: `prctl(PR_SET_NO_NEW_PRIVS)` failed.
 * - `install-filter`: the kernel rejected the filter (`seccomp(SECCOMP_SET_MODE_FILTER)`).
 * - `supervisor`: the user-notification supervisor (log and learn modes) could not attach.
 * - `exec`: the target could not be executed (not found, not executable, or `execve` denied).
 */
export type JailStep = 'arch' | 'filter' | 'spawn' | 'no-new-privs' | 'install-filter' | 'supervisor' | 'exec';

/** Stable diagnostic code of each step (SC5xxx: runner). */
export const jailStepCodes: Readonly<Record<JailStep, string>> = {
  arch: 'SC5001',
  filter: 'SC5002',
  spawn: 'SC5003',
  'no-new-privs': 'SC5004',
  'install-filter': 'SC5005',
  supervisor: 'SC5006',
  exec: 'SC5007',
};

/** Extra facts a {@link JailError} may carry. */
export interface JailErrorDetails {
  /** The errno name (`EINVAL`, `ENOENT`, …) when a system call failed. */
  readonly errno?: string;
  /** Policy diagnostics, for `filter` failures. */
  readonly diagnostics?: readonly Diagnostic[];
  /** The call the filter killed the launcher for, for an `exec` step killed by the filter. */
  readonly violation?: unknown;
}

/** Thrown (or rejected) when a jailed launch fails at one of its steps. */
export class JailError extends Error {
  /** The step that failed. */
  readonly step: JailStep;
  /** Stable code of the step, e.g. `SC5005` for `install-filter`. */
  readonly code: string;
  /** The errno name (`EINVAL`, `ENOENT`, …) when a system call failed. */
  readonly errno: string | undefined;
  /** Policy diagnostics, for `filter` failures (empty otherwise). */
  readonly diagnostics: readonly Diagnostic[];
  /** For `exec` failures caused by the filter: the violation (a `Violation`). */
  readonly violation: unknown;
  constructor(step: JailStep, message: string, details: JailErrorDetails = {}) {
    super(`${step}: ${message}${details.errno === undefined ? '' : ` (${details.errno})`}`);
    this.name = 'JailError';
    this.step = step;
    this.code = jailStepCodes[step];
    this.errno = details.errno;
    this.diagnostics = details.diagnostics ?? [];
    this.violation = details.violation;
  }
}

const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(osConstants.errno)) {
  if (!errnoNames.has(value)) errnoNames.set(value, name);
}

/** The symbolic name of an errno value, e.g. `22` → `EINVAL`; unknown values print as `errno N`. */
export function errnoName(value: number): string {
  return errnoNames.get(value) ?? `errno ${value}`;
}
