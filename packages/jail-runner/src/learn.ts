/**
 * Turning the calls a learn run observed into policy text a reviewer can accept: one rule per
 * syscall, grouped by what it touches, with argument conditions where the values are the
 * security boundary (memory protections, ioctl requests, socket families, clone flags, open
 * modes, signals, …), each tightened to the values the run used and written with the constant
 * names of `@syscage/arch-tables`' one table of which constants name which argument.
 */
import { type ArchTable, flagNames, formatPolicyValue, lookupConstant, lookupSyscall } from '@syscage/arch-tables';
import { type BpfProgram, SECCOMP_DATA_ARCH, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_USER_NOTIF } from '@syscage/bpf-codegen';
import { BPF_JEQ_K, BPF_LD_W_ABS, BPF_RET_K } from './bpf-values.js';
import { dangerousSyscall } from '@syscage/include-resolver';
import type { ObservedCall } from './run.js';

/** One argument a rule conditions on; its values are named by `@syscage/arch-tables`' table. */
interface ArgRule {
  readonly arg: number;
  /**
   * The values are sets of flags: when the observed values are every combination of some flags,
   * `argN in A|B` says exactly the same as the `||` chain, shorter.
   */
  readonly flagSet?: boolean;
  /**
   * Only these bits are the boundary (open's access mode and creation flags); the others
   * (`O_CLOEXEC`, `O_DIRECTORY`, …) stay free. Conditions then test these bits alone.
   */
  readonly boundary?: readonly string[];
}

const PROT: ArgRule = { arg: 2, flagSet: true };
const OPEN_BOUNDARY = ['O_WRONLY', 'O_RDWR', 'O_CREAT', 'O_EXCL', 'O_TRUNC'];
/** The boundary bits as flag names (`O_WRONLY|O_CREAT`). */
const BOUNDARY_NAMES = /^O_(WRONLY|RDWR|CREAT|EXCL|TRUNC)$/;

/**
 * The syscalls whose argument values are the security boundary, and the arguments a learned
 * rule conditions on. Every other syscall gets `1`.
 */
const ARGUMENT_RULES: Readonly<Record<string, readonly ArgRule[]>> = {
  mmap: [PROT],
  mmap2: [PROT],
  mprotect: [PROT],
  pkey_mprotect: [PROT],
  ioctl: [{ arg: 1 }],
  socket: [{ arg: 0 }, { arg: 1 }],
  socketpair: [{ arg: 0 }, { arg: 1 }],
  prctl: [{ arg: 0 }],
  arch_prctl: [{ arg: 0 }],
  clone: [{ arg: 0 }],
  open: [{ arg: 1, boundary: OPEN_BOUNDARY }],
  openat: [{ arg: 2, boundary: OPEN_BOUNDARY }],
  fcntl: [{ arg: 1 }],
  fcntl64: [{ arg: 1 }],
  madvise: [{ arg: 2 }],
  kill: [{ arg: 1 }],
  tkill: [{ arg: 1 }],
  tgkill: [{ arg: 2 }],
};

/** Whether `syscall` is one whose learned rule always conditions on arguments. */
export function hasArgumentRule(syscall: string): boolean {
  return Object.hasOwn(ARGUMENT_RULES, syscall);
}

/** The arguments a learned rule for `syscall` conditions on (none for most syscalls). */
export function ruleArguments(syscall: string): readonly number[] {
  return (Object.hasOwn(ARGUMENT_RULES, syscall) ? ARGUMENT_RULES[syscall] : undefined)?.map((rule) => rule.arg) ?? [];
}

/** The groups rules are written in, in order. */
const GROUPS: readonly (readonly [string, RegExp])[] = [
  ['memory', /^(brk|mmap2?|munmap|mremap|mprotect|pkey_\w+|madvise|mlock\w*|munlock\w*|mincore|msync|membarrier|memfd_\w+|[gs]et_mempolicy|mbind|remap_file_pages)$/],
  [
    'files',
    /^(open|openat2?|creat|close|close_range|(new)?f?stat(at)?(64)?|l?stat(64)?|statx|statfs(64)?|fstatfs(64)?|f?access(at2?)?|faccessat2?|readlink(at)?|getdents(64)?|getcwd|f?chdir|mkdir(at)?|mknod(at)?|rmdir|unlink(at)?|rename(at2?)?|link(at)?|symlink(at)?|f?chmod(at2?)?|[lf]?chown(32|at)?|utime(s|nsat)?|futimesat|f?truncate(64)?|f?sync|fdatasync|syncfs|sync_file_range|l?seek|_llseek|fadvise64(_64)?|fallocate|flock|umask|[lf]?(get|set|list|remove)xattr|inotify_\w+|fanotify_\w+|copy_file_range|name_to_handle_at|open_by_handle_at|chroot)$/,
  ],
  [
    'processes',
    /^(execve(at)?|clone3?|v?fork|wait4|waitid|exit(_group)?|get[pu]?pid|getppid|gettid|get(e)?[ug]id(32)?|getres[ug]id(32)?|set(e|re|res|fs)?[ug]id(32)?|getgroups(32)?|setgroups(32)?|set_tid_address|[gs]et_robust_list|rseq|prctl|arch_prctl|futex(_\w+)?|sched_\w+|[gs]etrlimit|ugetrlimit|prlimit64|uname|capget|capset|getpgrp|[gs]etpgid|[gs]etsid|[gs]etpriority|getrusage|ptrace|process_vm_\w+|pidfd_\w+|unshare|setns|personality|seccomp|kcmp|get_thread_area|set_thread_area)$/,
  ],
  ['signals', /^(rt_sig\w+|sig\w+|kill|tkill|tgkill|pause|signalfd4?|restart_syscall)$/],
  ['time', /^(clock_\w+|nanosleep|gettimeofday|settimeofday|time|times|alarm|[gs]etitimer|timer_\w+|timerfd_\w+|adjtimex)$/],
  [
    'I/O',
    /^(read|write|readv|writev|p(read|write)(64|v|v2)?|p(read|write)v2|ioctl|fcntl(64)?|dup[23]?|pipe2?|poll|ppoll(_time64)?|select|_newselect|pselect6(_time64)?|epoll_\w+|eventfd2?|splice|tee|vmsplice|sendfile(64)?|io_uring_\w+|io_\w+)$/,
  ],
  [
    'networking',
    /^(socket|socketpair|connect|bind|listen|accept4?|sendto|recvfrom|sendm?msg|recvm?msg|shutdown|getsockname|getpeername|[gs]etsockopt|socketcall)$/,
  ],
];
const OTHER_GROUP = 'other';

/** The group a syscall's rule is written in. */
function groupOf(syscall: string): string {
  return GROUPS.find(([, pattern]) => pattern.test(syscall))?.[0] ?? OTHER_GROUP;
}

/** Why a rule deserves a reviewer's look, for syscalls that are risky whatever their arguments. */
const RISKS: Readonly<Record<string, string>> = {
  execve: 'runs other programs (they inherit this filter)',
  execveat: 'runs other programs (they inherit this filter)',
  clone: 'creates processes and threads, with these flags only',
  fork: 'creates processes',
  vfork: 'creates processes',
  clone3: 'clone3 passes its flags in memory, which a filter cannot read: every clone3 is allowed',
  kill: 'signals other processes, with these signals only',
  tkill: 'signals threads, with these signals only',
  tgkill: 'signals threads, with these signals only',
  ptrace: 'reads and changes other processes',
  process_vm_readv: 'reads other processes’ memory',
  process_vm_writev: 'writes other processes’ memory',
  socket: 'opens sockets of these families and types only',
  socketpair: 'opens socket pairs of these families and types only',
  connect: 'connects sockets to addresses (the filter cannot see which)',
  bind: 'binds sockets to addresses (the filter cannot see which)',
  listen: 'accepts incoming connections',
  ioctl: 'device requests, these only',
  prctl: 'changes process attributes, these options only',
  unlink: 'removes files',
  unlinkat: 'removes files or folders',
  rmdir: 'removes folders',
  rename: 'renames files',
  renameat: 'renames files',
  renameat2: 'renames files',
  chmod: 'changes file permissions',
  fchmod: 'changes file permissions',
  fchmodat: 'changes file permissions',
  fchmodat2: 'changes file permissions',
  chown: 'changes file owners',
  fchown: 'changes file owners',
  fchownat: 'changes file owners',
  lchown: 'changes file owners',
  memfd_create: 'creates anonymous files, which can be executed',
  openat2: 'openat2 passes its flags in memory, which a filter cannot read: any open mode is allowed',
  setuid: 'changes credentials',
  setgid: 'changes credentials',
  setreuid: 'changes credentials',
  setresuid: 'changes credentials',
  setgroups: 'changes credentials',
  unshare: 'creates namespaces',
  setns: 'enters namespaces',
  mount: 'mounts file systems',
  umount2: 'unmounts file systems',
  chroot: 'changes the root folder',
  pivot_root: 'changes the root file system',
  bpf: 'loads BPF programs into the kernel',
  perf_event_open: 'opens performance monitoring',
  seccomp: 'installs further filters',
  personality: 'changes the execution domain',
  keyctl: 'uses the kernel key store',
};

/** Options of {@link proposeRules}. */
export interface ProposeOptions {
  /**
   * Comment lines written at the top (without `#`), saying how the policy was made.
   * @defaultValue none
   */
  readonly header?: readonly string[];
  /**
   * The path of a frequency file to reference with `@frequency` (as the policy should name it:
   * `./name.frequency` beside it, or absolute); {@link Proposal.frequencyText} is its content.
   * @defaultValue no `@frequency` line
   */
  readonly frequencyPath?: string;
  /**
   * What the starting filter does with a syscall's call with all-zero arguments: rules it
   * already handles are not proposed for unseen syscalls (`clone3`'s `return ENOSYS`).
   * @defaultValue nothing is handled
   */
  readonly handles?: (syscall: string) => boolean;
  /**
   * Further arguments to condition a syscall's rule on: those a starting policy's conditional
   * rules for it compare, so that adding the rule widens them only by the observed values (never
   * to `1`).
   * @defaultValue none
   */
  readonly extraArguments?: (syscall: string) => readonly number[];
}

/** One proposed rule. */
export interface ProposedRule {
  /** The syscall name, as the policy line starts (`ioctl`). */
  readonly syscall: string;
  /**
   * What follows the colon: `1`, a condition (`arg1 == TCGETS || arg1 == TIOCGWINSZ`), or an
   * action (`return ENOSYS`).
   */
  readonly filter: string;
  /** How many calls were observed (0 for a rule written for a syscall that was not seen). */
  readonly calls: number;
  /** The group the rule is written in (`memory`, `files`, `processes`, …). */
  readonly group: string;
  /** The one-line comment written above the rule, for risky rules; absent otherwise. */
  readonly comment?: string;
}

/** The proposal: rules, the policy text, the frequency file text, and calls that could not be named. */
export interface Proposal {
  /** The rules, group by group, sorted by syscall name within a group. */
  readonly rules: readonly ProposedRule[];
  /**
   * The policy text: the header comment, the `@frequency` line when asked for, then each group
   * (a `# group` line, then for each rule its comment line and its `syscall: filter` line);
   * newline-terminated. Deterministic: the same calls in any order give the same text.
   */
  readonly text: string;
  /** The observed call counts, one `syscall: N` line per observed rule, in the rules' order. */
  readonly frequencyText: string;
  /** Calls of another architecture or with numbers the table does not name. */
  readonly unnamed: readonly ObservedCall[];
  /**
   * Syscalls seen in calls without readable arguments (audit records, strace lines cut short or
   * unreadable) whose rule conditions on arguments: written as a comment, since no value is
   * known to allow for those calls. A syscall also seen with readable arguments has a rule for
   * those values as well.
   */
  readonly needsArguments: readonly string[];
}

const compareBig = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** Boundary bits as flag names (`O_WRONLY|O_CREAT`), or hex where the table lacks a name. */
function boundaryText(table: ArchTable, bits: bigint): string {
  return flagNames(table, bits, BOUNDARY_NAMES)?.join('|') ?? `0x${bits.toString(16)}`;
}

/** The value of the bits named by `names` (those the table has). */
function bitsOf(table: ArchTable, names: readonly string[]): bigint {
  return names.reduce((bits, name) => bits | (lookupConstant(table, name) ?? 0n), 0n);
}

/** Whether `values` (distinct) are exactly every combination of the bits of their union. */
function isEveryCombination(values: readonly bigint[]): bigint | undefined {
  const union = values.reduce((all, value) => all | value, 0n);
  let count = 0;
  for (let bits = union; bits !== 0n; bits &= bits - 1n) count++;
  return count < 31 && values.length === 2 ** count ? union : undefined;
}

/** The argument value a rule keys on: the whole word, or only the boundary bits. */
function keyOf(table: ArchTable, rule: ArgRule, value: bigint): bigint {
  const mask = table.bits === 32 ? 0xffffffffn : 0xffffffffffffffffn;
  const word = value & mask;
  return rule.boundary === undefined ? word : word & bitsOf(table, rule.boundary);
}

/** The atoms saying that argument `rule.arg` of `syscall` has key `key`. */
function atomsFor(table: ArchTable, syscall: string, rule: ArgRule, key: bigint): string[] {
  const arg = `arg${rule.arg}`;
  if (rule.boundary === undefined) return [`${arg} == ${formatPolicyValue(table, syscall, rule.arg, key)}`];
  // The boundary bits equal `key`: none of the others set, each of its own set.
  const clear = bitsOf(table, rule.boundary) & ~key;
  const atoms = clear === 0n ? [] : [`${arg} in ~(${boundaryText(table, clear)})`];
  for (let bit = 1n; bit <= key; bit <<= 1n) {
    if ((key & bit) !== 0n) atoms.push(`${arg} & ${boundaryText(table, bit)}`);
  }
  return atoms;
}

/**
 * The condition allowing exactly the observed argument values of `calls` (all of one syscall):
 * on the arguments its learned rule reads, and on `extraArguments` (those a starting policy's
 * conditional rule for it compares, so a merge widens that rule only by observed values). An
 * `in` mask when the values are every combination of some flags, else an `||` chain of one
 * clause per distinct observed key; `undefined` when there is no argument to condition on.
 * An argument of `extraArguments` is compared whole, even where the learned rule alone tests
 * only boundary bits (open's mode): the starting policy may decide the other bits on purpose
 * (`openat: arg2 & O_APPEND; return EPERM` after the widened rule), and a clause free in them
 * would let through values that rule denies and the run never used.
 */
export function conditionFor(
  syscall: string,
  calls: readonly { readonly args: readonly bigint[] }[],
  table: ArchTable,
  extraArguments: readonly number[] = [],
): string | undefined {
  const compared = new Set(extraArguments);
  const own = (Object.hasOwn(ARGUMENT_RULES, syscall) ? (ARGUMENT_RULES[syscall] ?? []) : []).map((rule) =>
    rule.boundary !== undefined && compared.has(rule.arg) ? { arg: rule.arg } : rule,
  );
  const extra = [...compared].filter((arg) => !own.some((rule) => rule.arg === arg)).sort((a, b) => a - b);
  const rules: readonly ArgRule[] = [...own, ...extra.map((arg) => ({ arg }))];
  if (rules.length === 0) return undefined;
  const seen = new Map<string, bigint[]>();
  for (const call of calls) {
    const key = rules.map((rule) => keyOf(table, rule, call.args[rule.arg] ?? 0n));
    seen.set(key.join(','), key);
  }
  const keys = [...seen.values()].sort((a, b) => {
    for (let index = 0; index < a.length; index++) {
      const order = compareBig(a[index] ?? 0n, b[index] ?? 0n);
      if (order !== 0) return order;
    }
    return 0;
  });
  const only = rules.length === 1 ? rules[0] : undefined;
  if (only !== undefined && keys.length >= 1) {
    const union = isEveryCombination(keys.map((key) => key[0] ?? 0n));
    if (union !== undefined && only.flagSet === true && keys.length >= 2) return `arg${only.arg} in ${formatPolicyValue(table, syscall, only.arg, union)}`;
    if (union !== undefined && only.boundary !== undefined) {
      const clear = bitsOf(table, only.boundary) & ~union;
      if (clear !== 0n) return `arg${only.arg} in ~(${boundaryText(table, clear)})`;
    }
  }
  return keys.map((key) => rules.flatMap((rule, index) => atomsFor(table, syscall, rule, key[index] ?? 0n)).join(' && ')).join(' || ');
}

/**
 * The comment of a rule: its risk, and writable-and-executable memory when it was asked for.
 * Every syscall of the reviewer's list of dangerous ones (`dangerousSyscall`, what `syscage
 * check` asks a comment for: SC2050) gets one, so a learned policy passes that lint as written.
 */
function commentFor(table: ArchTable, syscall: string, calls: readonly ObservedCall[]): string | undefined {
  const own = riskOf(table, syscall, calls);
  return own ?? (dangerousSyscall(syscall) === undefined ? undefined : `${dangerousSyscall(syscall)?.why ?? ''}: allowed as observed`);
}

/** What learn itself says about a rule's risk, from the values the run used. */
function riskOf(table: ArchTable, syscall: string, calls: readonly ObservedCall[]): string | undefined {
  if (ARGUMENT_RULES[syscall]?.[0] === PROT) {
    const wx = (lookupConstant(table, 'PROT_WRITE') ?? 2n) | (lookupConstant(table, 'PROT_EXEC') ?? 4n);
    if (calls.some((call) => ((call.args[PROT.arg] ?? 0n) & wx) === wx)) {
      return 'allows memory both writable and executable (PROT_WRITE|PROT_EXEC), which this run asked for: a JIT, or an exploit’s way in';
    }
    return 'these protections only: none both writable and executable';
  }
  if (syscall === 'openat' || syscall === 'open') {
    const rule = ARGUMENT_RULES[syscall]?.[0];
    const writes = rule !== undefined && calls.some((call) => keyOf(table, rule, call.args[rule.arg] ?? 0n) !== 0n);
    return writes ? 'opens files for writing or creates them, in these modes only' : undefined;
  }
  return Object.hasOwn(RISKS, syscall) ? RISKS[syscall] : undefined;
}

/** Groups observed calls per syscall and writes one rule for each, as a reviewer reads them. */
export function proposeRules(calls: readonly ObservedCall[], table: ArchTable, options: ProposeOptions = {}): Proposal {
  const perSyscall = new Map<string, ObservedCall[]>();
  const unnamed: ObservedCall[] = [];
  for (const call of calls) {
    const name = call.syscall.name;
    if (name === undefined || call.arch !== table.auditArch) {
      unnamed.push(call);
      continue;
    }
    const list = perSyscall.get(name);
    if (list) list.push(call);
    else perSyscall.set(name, [call]);
  }
  const rules: ProposedRule[] = [];
  const needsArguments: string[] = [];
  for (const [syscall, list] of perSyscall) {
    const extra = options.extraArguments?.(syscall) ?? [];
    // Calls whose arguments are unknown (audit records, unreadable log lines) cannot widen a
    // condition: the rule holds the values of the others, and the syscall is listed for review.
    const known = hasArgumentRule(syscall) || extra.length > 0 ? list.filter((call) => call.args.length > 0) : list;
    if (known.length < list.length) needsArguments.push(syscall);
    if (known.length === 0) continue;
    const comment = commentFor(table, syscall, known);
    rules.push({
      syscall,
      filter: conditionFor(syscall, known, table, extra) ?? '1',
      calls: known.length,
      group: groupOf(syscall),
      ...(comment === undefined ? {} : { comment }),
    });
  }
  // clone3's flags are in memory: answering ENOSYS makes libc fall back to clone, whose flags
  // the filter can check, where a kill would end the program.
  if (!perSyscall.has('clone3') && lookupSyscall(table, 'clone3') !== undefined && options.handles?.('clone3') !== true) {
    rules.push({
      syscall: 'clone3',
      filter: 'return ENOSYS',
      calls: 0,
      group: groupOf('clone3'),
      comment: 'clone3 passes its flags in memory, which a filter cannot read: ENOSYS makes libc fall back to clone',
    });
  }
  const order = [...GROUPS.map(([name]) => name), OTHER_GROUP];
  rules.sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group) || (a.syscall < b.syscall ? -1 : a.syscall > b.syscall ? 1 : 0));
  needsArguments.sort();
  return { needsArguments, rules, ...proposalTexts(rules, needsArguments, options), unnamed };
}

/**
 * The policy text and the frequency file text of sorted rules: the header, the `@frequency`
 * line, each group with its rules and their comments, then the syscalls that need arguments as
 * comments. The merge writes the rules a starting policy does not mention with it too.
 */
export function proposalTexts(
  rules: readonly ProposedRule[],
  needsArguments: readonly string[],
  options: Pick<ProposeOptions, 'header' | 'frequencyPath' | 'extraArguments'>,
): Pick<Proposal, 'text' | 'frequencyText'> {
  const lines: string[] = (options.header ?? []).map((line) => `# ${line}`);
  if (options.frequencyPath !== undefined) lines.push(`@frequency ${options.frequencyPath}`);
  let group: string | undefined;
  for (const rule of rules) {
    if (rule.group !== group) {
      if (lines.length > 0) lines.push('');
      lines.push(`# ${rule.group}`);
      group = rule.group;
    }
    if (rule.comment !== undefined) lines.push(`# ${rule.syscall}: ${rule.comment}`);
    lines.push(`${rule.syscall}: ${rule.filter}`);
  }
  if (needsArguments.length > 0) {
    lines.push('', '# seen without readable arguments (audit records, strace lines cut short or unreadable), so not allowed');
    lines.push('# for those calls: their rules condition on arguments; learn them from a live run or a full strace log');
    for (const syscall of needsArguments) {
      const args = [...new Set([...ruleArguments(syscall), ...(options.extraArguments?.(syscall) ?? [])])].sort((a, b) => a - b);
      lines.push(`# ${syscall}: args ${args.map((arg) => `arg${arg}`).join(', ')}`);
    }
  }
  const counted = rules.filter((rule) => rule.calls > 0);
  return {
    text: rules.length === 0 && lines.length === 0 ? '' : `${lines.join('\n')}\n`,
    frequencyText: counted.map((rule) => `${rule.syscall}: ${rule.calls}\n`).join(''),
  };
}

/**
 * The learn-mode filter when there is no starting policy: every call of the host architecture
 * goes to the supervisor; calls of any other architecture are killed.
 */
export function notifyEverythingProgram(table: ArchTable): BpfProgram {
  return [
    { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: SECCOMP_DATA_ARCH },
    { code: BPF_JEQ_K, jt: 1, jf: 0, k: table.auditArch },
    { code: BPF_RET_K, jt: 0, jf: 0, k: SECCOMP_RET_KILL_PROCESS },
    { code: BPF_RET_K, jt: 0, jf: 0, k: SECCOMP_RET_USER_NOTIF },
  ];
}

/**
 * `program` behind a prefix that answers the host architecture's `clone3` with `ENOSYS`, as
 * the learned policy will (its flags are out of a filter's reach), so a learn run sees the
 * `clone` calls libc falls back to, with flags a rule can check.
 */
export function withClone3Enosys(program: BpfProgram, table: ArchTable): BpfProgram {
  const clone3 = lookupSyscall(table, 'clone3');
  const enosys = lookupConstant(table, 'ENOSYS');
  if (clone3 === undefined || enosys === undefined) return program;
  return [
    { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: SECCOMP_DATA_ARCH },
    { code: BPF_JEQ_K, jt: 0, jf: 3, k: table.auditArch },
    { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: 0 },
    { code: BPF_JEQ_K, jt: 0, jf: 1, k: clone3 },
    { code: BPF_RET_K, jt: 0, jf: 0, k: (SECCOMP_RET_ERRNO | Number(enosys)) >>> 0 },
    ...program,
  ];
}
