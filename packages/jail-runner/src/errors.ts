/** The typed failure of a jailed launch: which step failed and why. */
import { constants as osConstants } from 'node:os';

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
export type JailStep =
  | 'arch'
  | 'filter'
  | 'spawn'
  | 'no-new-privs'
  | 'install-filter'
  | 'supervisor'
  | 'exec';

/** Thrown (or rejected) when a jailed launch fails at one of its steps. */
export class JailError extends Error {
  /** The step that failed. */
  readonly step: JailStep;
  /** The errno name (`EINVAL`, `ENOENT`, …) when a system call failed. */
  readonly errno: string | undefined;
  constructor(step: JailStep, message: string, errno?: string) {
    super(`${step}: ${message}${errno === undefined ? '' : ` (${errno})`}`);
    this.name = 'JailError';
    this.step = step;
    this.errno = errno;
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
