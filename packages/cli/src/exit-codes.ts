/** Exit codes of `syscage`, stable across releases (documented in the README). */
export const ExitCode = {
  /** Success: no errors (warnings allowed). */
  ok: 0,
  /** The inputs have errors: policy diagnostics, a filter that would not load, a failed check. */
  policyError: 1,
  /** The command line is wrong: unknown flag, missing argument, bad value. */
  usage: 2,
  /** An input or output file could not be read or written. */
  io: 3,
  /** `syscage verify` could not decide exactly (a filter outside the decided fragment, or the node budget); nothing is claimed. */
  undecided: 4,
  /** A bug in syscage itself (an unexpected exception). */
  internal: 70,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
