/**
 * Values as names: which constants name the values of which syscall argument (`AF_UNIX` for
 * `socket`'s first, `TCGETS` for `ioctl`'s second, `PROT_READ|PROT_WRITE` for `mmap`'s third),
 * errno names, and the reverse lookup of a bare number. The one table of this knowledge: reports,
 * disassembly, simulation, diffs and learned rules all name values through it, so they agree.
 */
import type { ArchTable } from './types.js';

/** How the values of one syscall argument are named. */
export interface ArgumentNaming {
  /** Constants that are whole values of the argument (`AF_INET`, `TCGETS`, `F_SETFD`). */
  readonly values?: RegExp;
  /** Among several names for one value, the one to write (`AF_UNIX`, not its alias `AF_LOCAL`). */
  readonly prefer?: RegExp;
  /** Constants that are flags ORed into the argument (`PROT_READ`, `O_CLOEXEC`, `CLONE_VM`). */
  readonly flags?: RegExp;
  /**
   * With `flags`: the bits that hold a value named by `values` beside the flags (the access mode
   * of `open`, the exit signal of `clone`, the type of `socket`).
   */
  readonly valueMask?: bigint;
  /**
   * True when the argument tells a syscall's calls apart (an ioctl request, a socket family, a
   * prctl option): a rule learned from a run writes its condition on this argument.
   */
  readonly selector?: boolean;
}

// AF_LOCAL, AF_FILE and AF_ROUTE are aliases of AF_UNIX and AF_NETLINK.
const addressFamily: ArgumentNaming = { values: /^AF_/, prefer: /^AF_(?!(LOCAL|FILE|ROUTE)$)/, selector: true };
const socketType: ArgumentNaming = {
  values: /^SOCK_(STREAM|DGRAM|RAW|RDM|SEQPACKET|DCCP|PACKET)$/,
  flags: /^SOCK_(NONBLOCK|CLOEXEC)$/,
  valueMask: 0xfn,
};
const protection: ArgumentNaming = { values: /^PROT_NONE$/, flags: /^PROT_(READ|WRITE|EXEC|SEM|GROWSDOWN|GROWSUP)$/ };
const openFlags: ArgumentNaming = {
  values: /^O_(RDONLY|WRONLY|RDWR)$/,
  flags:
    /^O_(APPEND|CLOEXEC|CREAT|DIRECT|DIRECTORY|DSYNC|EXCL|LARGEFILE|NOATIME|NOCTTY|NOFOLLOW|NONBLOCK|PATH|SYNC|TMPFILE|TRUNC)$/,
  valueMask: 0x3n,
};
const atFlags: ArgumentNaming = { flags: /^AT_(SYMLINK_NOFOLLOW|SYMLINK_FOLLOW|NO_AUTOMOUNT|EMPTY_PATH|REMOVEDIR|EACCESS|STATX_FORCE_SYNC|STATX_DONT_SYNC)$/ };
const cloneFlags: ArgumentNaming = { values: /^SIG[A-Z]+\d*$/, flags: /^CLONE_(?!NEWTIME$)[A-Z_]+$/, valueMask: 0xffn };
const messageFlags: ArgumentNaming = {
  flags: /^MSG_(OOB|PEEK|DONTROUTE|CTRUNC|PROBE|TRUNC|DONTWAIT|EOR|WAITALL|FIN|SYN|CONFIRM|RST|ERRQUEUE|NOSIGNAL|MORE|WAITFORONE|BATCH|ZEROCOPY|FASTOPEN|CMSG_CLOEXEC)$/,
};
const signal: ArgumentNaming = { values: /^SIG[A-Z]+\d*$/, prefer: /^SIG(?!(IOT|POLL|UNUSED)$)/ };
const clock: ArgumentNaming = { values: /^CLOCK_(REALTIME|MONOTONIC|PROCESS_CPUTIME_ID|THREAD_CPUTIME_ID|MONOTONIC_RAW|REALTIME_COARSE|MONOTONIC_COARSE|BOOTTIME|REALTIME_ALARM|BOOTTIME_ALARM|TAI)$/ };

const mapFlags: ArgumentNaming = { flags: /^MAP_(?!(TYPE|HUGE_\w+|FILE|SHARED_VALIDATE)$)[A-Z0-9_]+$/ };
const socketLevel: ArgumentNaming = { values: /^SOL_/ };

/**
 * Namings several syscalls share, each with its syscalls and the argument it names there
 * (`mmap`'s third argument and `mprotect`'s are both protections).
 */
const SHARED: readonly (readonly [ArgumentNaming, Readonly<Record<string, number>>])[] = [
  [addressFamily, { socket: 0, socketpair: 0 }],
  [socketType, { socket: 1, socketpair: 1 }],
  [protection, { mmap: 2, mmap2: 2, mprotect: 2, pkey_mprotect: 2 }],
  [mapFlags, { mmap: 3, mmap2: 3 }],
  [openFlags, { open: 1, openat: 2 }],
  [atFlags, { newfstatat: 3, fstatat64: 3, statx: 2, unlinkat: 2, faccessat2: 3 }],
  [clock, { timerfd_create: 0, clock_gettime: 0, clock_getres: 0, clock_nanosleep: 0 }],
  [signal, { kill: 1, tkill: 1, tgkill: 2, rt_sigaction: 0 }],
  [messageFlags, { sendto: 3, recvfrom: 3, sendmsg: 2, recvmsg: 2, sendmmsg: 3, recvmmsg: 3 }],
  [socketLevel, { setsockopt: 1, getsockopt: 1 }],
];

/** Namings of one syscall's argument, syscall → argument index → naming. */
const OWN: Readonly<Record<string, Readonly<Record<number, ArgumentNaming>>>> = {
  // Only request families whose names are all request numbers; other values stay numbers.
  ioctl: {
    1: {
      values:
        /^(TC(GETS2?|SETSW?2?|SETSF2?|GETA|SETAW?|SETAF|SBRKP?|XONC|FLSH|GETX|SETXW?|SETXF)|TIOC[A-Z]+|FIO[A-Z]+|FS_IOC_\w+|BLK[A-Z]\w*|SIOC\w+|NS_GET_\w+|SECCOMP_IOCTL_\w+|RND(GETENTCNT|ADDTOENTCNT|GETPOOL|ADDENTROPY|ZAPENTCNT|CLEARPOOL|RESEEDCRNG))$/,
      selector: true,
    },
  },
  // PR_SET_MM_* are sub-options (values of arg1) that share numbers with options.
  prctl: { 0: { values: /^PR_/, prefer: /^PR_(SET|GET)_(?!MM_)/, selector: true } },
  fcntl: {
    1: {
      values: /^F_/,
      prefer:
        /^F_(DUPFD|DUPFD_CLOEXEC|GETFD|SETFD|GETFL|SETFL|GETLK|SETLKW?|GETOWN|SETOWN|GETOWN_EX|SETOWN_EX|GETSIG|SETSIG|OFD_\w+|GETPIPE_SZ|SETPIPE_SZ|ADD_SEALS|GET_SEALS|GETLEASE|SETLEASE|NOTIFY)$/,
      selector: true,
    },
  },
  arch_prctl: { 0: { values: /^ARCH_/, selector: true } },
  madvise: { 2: { values: /^MADV_/, selector: true } },
  pipe2: { 1: { flags: /^O_(CLOEXEC|NONBLOCK|DIRECT)$/ } },
  dup3: { 2: { flags: /^O_CLOEXEC$/ } },
  clone: { 0: cloneFlags },
  unshare: { 0: { flags: /^CLONE_(?!NEWTIME$)[A-Z_]+$/ } },
  setns: { 1: { values: /^CLONE_NEW[A-Z]+$/ } },
  mount: { 3: { flags: /^MS_(RDONLY|NOSUID|NODEV|NOEXEC|SYNCHRONOUS|REMOUNT|MANDLOCK|DIRSYNC|NOSYMFOLLOW|NOATIME|NODIRATIME|BIND|MOVE|REC|SILENT|POSIXACL|UNBINDABLE|PRIVATE|SLAVE|SHARED|RELATIME|STRICTATIME|LAZYTIME)$/ } },
  memfd_create: { 1: { flags: /^MFD_(CLOEXEC|ALLOW_SEALING|HUGETLB|NOEXEC_SEAL|EXEC)$/ } },
  eventfd2: { 1: { flags: /^EFD_(CLOEXEC|NONBLOCK|SEMAPHORE)$/ } },
  timerfd_create: { 1: { flags: /^TFD_(CLOEXEC|NONBLOCK)$/ } },
  epoll_ctl: { 1: { values: /^EPOLL_CTL_/ } },
  futex: { 1: { values: /^FUTEX_(WAIT|WAKE|FD|REQUEUE|CMP_REQUEUE|WAKE_OP|LOCK_PI|LOCK_PI2|UNLOCK_PI|TRYLOCK_PI|WAIT_BITSET|WAKE_BITSET|WAIT_REQUEUE_PI|CMP_REQUEUE_PI)(_PRIVATE)?$/ } },
  getrandom: { 2: { flags: /^GRND_(NONBLOCK|RANDOM|INSECURE)$/ } },
  lseek: { 2: { values: /^SEEK_(SET|CUR|END|DATA|HOLE)$/ } },
  flock: { 1: { values: /^LOCK_(SH|EX|UN)$/, flags: /^LOCK_NB$/, valueMask: 0xbn } },
  rt_sigprocmask: { 0: { values: /^SIG_(BLOCK|UNBLOCK|SETMASK)$/ } },
};

/**
 * Syscall → argument index → naming: {@link OWN} with {@link SHARED} merged in. Only arguments
 * whose every value is a named constant (or a set of named flags) are listed: naming a length or
 * an address after a constant would mislead.
 */
const ARGUMENTS: Readonly<Record<string, Readonly<Record<number, ArgumentNaming>>>> = (() => {
  const merged: Record<string, Record<number, ArgumentNaming>> = {};
  for (const [syscall, args] of Object.entries(OWN)) merged[syscall] = { ...args };
  for (const [naming, uses] of SHARED) {
    for (const [syscall, arg] of Object.entries(uses)) (merged[syscall] ??= {})[arg] = naming;
  }
  return merged;
})();

/** How the values of argument `arg` of `syscall` are named, or `undefined` when they are not constants. */
export function argumentNaming(syscall: string, arg: number): ArgumentNaming | undefined {
  const args = Object.hasOwn(ARGUMENTS, syscall) ? ARGUMENTS[syscall] : undefined;
  return args !== undefined && Object.hasOwn(args, arg) ? args[arg] : undefined;
}

/**
 * The argument that tells the calls of `syscall` apart (`ioctl` → 1, `socket` → 0), on which a
 * learned rule writes its condition; `undefined` for a syscall without one.
 */
export function selectorArgument(syscall: string): number | undefined {
  const args = Object.hasOwn(ARGUMENTS, syscall) ? ARGUMENTS[syscall] : undefined;
  if (args === undefined) return undefined;
  const found = Object.entries(args).find(([, naming]) => naming.selector === true);
  return found === undefined ? undefined : Number(found[0]);
}

const byValueCache = new WeakMap<ArchTable, ReadonlyMap<bigint, readonly string[]>>();

/** Every constant name of the table with this value, sorted. */
export function constantNamesWithValue(table: ArchTable, value: bigint): readonly string[] {
  let byValue = byValueCache.get(table);
  if (byValue === undefined) {
    const map = new Map<bigint, string[]>();
    for (const name of Object.keys(table.constants).sort()) {
      const constant = table.constants[name];
      if (constant === undefined) continue;
      const list = map.get(constant);
      if (list) list.push(name);
      else map.set(constant, [name]);
    }
    byValue = map;
    byValueCache.set(table, map);
  }
  return byValue.get(value) ?? [];
}

function pick(names: readonly string[], prefer: RegExp | undefined): string | undefined {
  return (prefer === undefined ? undefined : names.find((name) => prefer.test(name))) ?? names[0];
}

/**
 * Flag names whose OR is exactly `value`: the widest flags first, one name per value (the first
 * in sort order, or the preferred one), never two flags sharing a bit. `undefined` when the
 * family's flags do not cover the value exactly.
 */
export function flagNames(table: ArchTable, value: bigint, flags: RegExp, prefer?: RegExp): readonly string[] | undefined {
  if (value === 0n) return undefined;
  const candidates = new Map<bigint, string[]>();
  for (const name of Object.keys(table.constants).sort()) {
    const flag = table.constants[name];
    if (flag === undefined || flag === 0n || (flag & value) !== flag || !flags.test(name)) continue;
    const list = candidates.get(flag);
    if (list) list.push(name);
    else candidates.set(flag, [name]);
  }
  const bitCount = (bits: bigint): number => bits.toString(2).replaceAll('0', '').length;
  const ordered = [...candidates.entries()].sort(([a], [b]) => bitCount(b) - bitCount(a) || (a < b ? -1 : a > b ? 1 : 0));
  let rest = value;
  const picked: { flag: bigint; name: string }[] = [];
  for (const [flag, names] of ordered) {
    if ((flag & rest) !== flag) continue;
    rest &= ~flag;
    picked.push({ flag, name: pick(names, prefer) ?? '' });
  }
  if (rest !== 0n) return undefined;
  return picked.sort((a, b) => (a.flag < b.flag ? -1 : a.flag > b.flag ? 1 : 0)).map((entry) => entry.name);
}

/**
 * The name of `value` as argument `arg` of `syscall` on `table`'s architecture: one constant
 * (`AF_UNIX`, `TCGETS`), flags joined with `|` (`PROT_READ|PROT_WRITE`, `O_RDWR|O_CLOEXEC`), or
 * `undefined` when the argument's values are not constants or no name fits the value exactly.
 */
export function nameArgumentValue(table: ArchTable, syscall: string, arg: number, value: bigint): string | undefined {
  const naming = argumentNaming(syscall, arg);
  return naming === undefined ? undefined : nameWith(table, naming, value);
}

/** The name of `value` under one naming (see {@link nameArgumentValue}). */
function nameWith(table: ArchTable, naming: ArgumentNaming, value: bigint): string | undefined {
  const { values, flags, prefer } = naming;
  const named = (bits: bigint): string | undefined =>
    values === undefined ? undefined : pick(constantNamesWithValue(table, bits).filter((name) => values.test(name)), prefer);
  const whole = named(value);
  if (whole !== undefined || flags === undefined) return whole;
  const mask = naming.valueMask ?? 0n;
  const base = value & mask;
  // A nonzero value part needs its name; a zero one is written only when it has one (O_RDONLY).
  const baseName = mask === 0n ? undefined : named(base);
  if (base !== 0n && baseName === undefined) return undefined;
  const flagPart = value & ~mask;
  const flagList = flagPart === 0n ? [] : flagNames(table, flagPart, flags, prefer);
  if (flagList === undefined) return undefined;
  const parts = [...(baseName === undefined ? [] : [baseName]), ...flagList];
  return parts.length === 0 ? undefined : parts.join('|');
}

/**
 * A value as a policy writes it in a condition on argument `arg` of `syscall`: its name where the
 * argument's values are named (`AF_INET6`, `PROT_READ|PROT_WRITE`), else decimal below 10, else hex.
 */
export function formatPolicyValue(table: ArchTable, syscall: string, arg: number, value: bigint): string {
  return nameArgumentValue(table, syscall, arg, value) ?? (value < 10n ? value.toString() : `0x${value.toString(16)}`);
}

/** A value as hex, with its name after `=` when it has one: `0x5401=TCGETS`, `0x3`. */
export function formatArgumentValue(table: ArchTable, syscall: string, arg: number, value: bigint): string {
  const name = nameArgumentValue(table, syscall, arg, value);
  const hex = `0x${value.toString(16)}`;
  return name === undefined ? hex : `${hex}=${name}`;
}

/**
 * A call as reports print it: `socket(0x1=AF_UNIX, 0x80801=SOCK_STREAM|SOCK_CLOEXEC, 0x0)`.
 * A syscall of unknown name is written `syscall_<nr>` by the caller and gets numbers only.
 */
export function formatCall(table: ArchTable, syscall: string, args: readonly bigint[]): string {
  return `${syscall}(${args.map((value, arg) => formatArgumentValue(table, syscall, arg, value)).join(', ')})`;
}

/** Names that are errno values in the tables but also something else, or aliases of another errno. */
const NOT_ERRNO = /^(ECHO\w*|EPOLL\w*|EVIOC\w+|EPIOC\w+|EXT[AB]|EXTPROC|EFSBADCRC|EFSCORRUPTED|EWOULDBLOCK|EDEADLOCK|ENOTSUP)$/;

/** The errno name of `value` on `table`'s architecture (`2` → `ENOENT`), or `undefined`. */
export function errnoConstantName(table: ArchTable, value: number | bigint): string | undefined {
  const number = BigInt(value);
  if (number <= 0n || number > 4095n) return undefined;
  return constantNamesWithValue(table, number).find((name) => /^E[A-Z0-9]+$/.test(name) && !NOT_ERRNO.test(name));
}

/**
 * Every flag family of the argument table that writes `value` as two or more names joined with
 * `|` (`3` → `PROT_READ|PROT_WRITE`, `0x80002` → `O_RDWR|O_CLOEXEC`, …): what
 * `syscage arch A --constant N` shows beside the names that have the value itself.
 */
export function flagDecompositions(table: ArchTable, value: bigint): readonly string[] {
  const namings = new Set(Object.values(ARGUMENTS).flatMap((args) => Object.values(args).filter((naming) => naming.flags !== undefined)));
  const found = new Set<string>();
  for (const naming of namings) {
    const name = nameWith(table, naming, value);
    if (name?.includes('|') === true) found.add(name);
  }
  return [...found].sort();
}
