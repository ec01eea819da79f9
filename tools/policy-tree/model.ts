/**
 * The shape of the shared description that `policies/<arch>/*.policy` are generated from.
 * One description serves four architectures: rules name syscalls by a generic name, and
 * `syscallNames` in `description.ts` says what that name is called (or that it is absent) on
 * each architecture.
 */

/** Architectures the tree is written for, in the order folders are listed. */
export const architectures = ['x86_64', 'aarch64', 'arm', 'riscv64'] as const;

/** One of {@link architectures}. */
export type Arch = (typeof architectures)[number];

/** A filter written once, or a different filter text per architecture. */
export type FilterText = string | Readonly<Record<Arch, string>>;

/** One rule of a building block: `<syscall>: <filter>` for each name the syscall has. */
export interface RuleSpec {
  /** Generic syscall name(s); every name expands through `syscallNames` per architecture. */
  readonly call: string | readonly string[];
  /**
   * Filter after the colon: `allow`, an argument expression (optionally `; return ERRNO`), or
   * `return ERRNO`. An unconditional `return ERRNO` may follow conditional rules of other blocks
   * when it is the syscall's last rule in the loaded policy: it answers every call the rules
   * before it did not allow.
   */
  readonly filter: FilterText;
  /**
   * Why the rule is there; printed as `#` comment lines before it. Required for the syscalls
   * in `riskySyscalls`, which a reviewer must be able to judge from the file alone.
   */
  readonly why?: string;
  /** Restricts the rule to some architectures (all when absent). */
  readonly arches?: readonly Arch[];
  /**
   * Audit findings (`syscage audit`, `syscage build`) this rule makes on purpose, by code
   * (`SC7010`) with the reason: written as `# audit-ack CODE: reason` right above the rule, which
   * the audit reports as acknowledged instead of failing the build.
   */
  readonly auditAck?: Readonly<Record<string, string>>;
}

/** A building block (`common_device`, `vhost_user`, `vvu`, or a device's own block). */
export interface BlockSpec {
  /** File name without `.policy`. */
  readonly name: string;
  /** What the block is for: the file's opening comment. */
  readonly summary: string;
  readonly rules: readonly RuleSpec[];
}

/** Transports a device can be served over; each gives one loaded policy. */
export type Transport = 'device' | 'vhost_user' | 'vvu';

/** A device: its building block and the loaded variants the tree offers for it. */
export interface DeviceSpec {
  /** Device name `foo`: the block is `foo.policy`, the loaded ones `foo_device*.policy`. */
  readonly name: string;
  /** Human name used in comments of the loaded policies. */
  readonly title: string;
  /** What the device process does, for the block's opening comment. */
  readonly summary: string;
  /** `device` always; `vhost_user` and `vvu` when a VMM can serve it over vhost-user. */
  readonly transports: readonly Transport[];
  readonly rules: readonly RuleSpec[];
}

/**
 * A VMM helper process that is not a device (swap monitor, render server, jail warden): one
 * loaded, self-contained policy `<name>_process.policy` that includes nothing. Its rules are
 * written out in full (the description composes them from shared rule lists), so a change to
 * `common_device` never silently widens a process that does not run device code.
 */
export interface ProcessSpec {
  /** Process name `foo`: the policy is `foo_process.policy`. */
  readonly name: string;
  /** What the process does, for the file's opening comment. */
  readonly summary: string;
  readonly rules: readonly RuleSpec[];
}

/** Generic syscall name → names per architecture (an empty list: absent there). */
export type SyscallNameMap = Readonly<Record<string, Partial<Readonly<Record<Arch, readonly string[]>>>>>;

/** Everything the tree is generated from. */
export interface TreeDescription {
  /** Syscalls whose every rule must carry a `why` comment. */
  readonly riskySyscalls: ReadonlySet<string>;
  readonly syscallNames: SyscallNameMap;
  readonly commonDevice: BlockSpec;
  readonly vhostUser: BlockSpec;
  readonly vvu: BlockSpec;
  readonly devices: readonly DeviceSpec[];
  readonly processes: readonly ProcessSpec[];
  /** Counts for `common_device.frequency`, by generic syscall name. */
  readonly frequencies: readonly (readonly [string, number])[];
}
