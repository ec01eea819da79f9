/**
 * What Syscage's device policy tree allows, written once for every architecture. `generate.ts`
 * turns this into `policies/<arch>/*.policy` and `common_device.frequency`; edit here, never the
 * generated files. Device needs were first checked against what crosvm's devices called in 2022,
 * then against the policies crosvm ships in 2026 (crosvm-2026-08 in the shared corpus, with
 * Minijail's decisions on them): `packages/cli/tests/policy-tree-crosvm.test.ts` fails when a
 * policy here kills or traps a call crosvm lets through. The rules, their grouping and their
 * arguments are ours and are tighter where a process's use allows; where ours checks arguments
 * crosvm does not, the calls left over get an errno their callers handle (`otherwise`), not a
 * kill.
 *
 * Conventions of this file:
 * - Syscalls are named by their x86_64/generic name; `syscallNames` says what they are called
 *   on each architecture (32-bit arm's 64-bit-offset and time64 entry points, the legacy calls
 *   that the generic table (aarch64, riscv64) does not have, …).
 * - Within one loaded policy a syscall either has exactly one rule, or only conditional rules
 *   (merged in include order: common_device, transport, device). The generator rejects a tree
 *   where an unconditional rule meets another rule for the same syscall, since Minijail then
 *   drops rules or refuses the policy.
 * - Every rule on a syscall in `riskySyscalls` says why it is there.
 */
import type { BlockSpec, DeviceSpec, ProcessSpec, RuleSpec, SyscallNameMap, TreeDescription } from './model.js';

/** Syscalls whose every rule must carry a `why` comment. */
export const riskySyscalls: ReadonlySet<string> = new Set([
  'accept4', 'bind', 'capset', 'chroot', 'clone', 'clone3', 'connect', 'execve', 'execveat', 'fallocate', 'fcntl',
  'io_uring_enter', 'io_uring_register', 'io_uring_setup', 'ioctl', 'kcmp', 'kill', 'madvise', 'membarrier', 'memfd_create',
  'mmap', 'mount', 'mprotect', 'name_to_handle_at', 'open', 'openat', 'openat2', 'pivot_root', 'prctl', 'prlimit64', 'process_vm_readv', 'ptrace',
  'sched_setscheduler', 'setpriority', 'setresgid', 'setresuid', 'setrlimit', 'socket', 'socketpair', 'tgkill', 'umount2',
  'unshare', 'userfaultfd',
]);

const absentOnGeneric = { aarch64: [], riscv64: [] } as const;

/**
 * Per-architecture names of the syscalls the description uses. A name missing here is the same
 * on every architecture. An empty list drops the rule on that architecture: the generic syscall
 * table has no legacy path-based calls (`open`, `stat`, `mkdir`, …), only their `*at` forms,
 * which the blocks list separately.
 */
export const syscallNames: SyscallNameMap = {
  // 32-bit arm: large-file and 64-bit time entry points, as glibc with 64-bit off_t and time_t
  // calls them (the 32-bit-time originals stay for older binaries).
  mmap: { arm: ['mmap2'] },
  fcntl: { arm: ['fcntl64'] },
  fstat: { arm: ['fstat64'] },
  newfstatat: { arm: ['fstatat64'] },
  fstatfs: { arm: ['fstatfs64'] },
  ftruncate: { arm: ['ftruncate64'] },
  lseek: { arm: ['_llseek'] },
  clock_gettime: { arm: ['clock_gettime', 'clock_gettime64'] },
  clock_getres: { arm: ['clock_getres', 'clock_getres_time64'] },
  clock_nanosleep: { arm: ['clock_nanosleep', 'clock_nanosleep_time64'] },
  futex: { arm: ['futex', 'futex_time64'] },
  ppoll: { arm: ['ppoll', 'ppoll_time64'] },
  timerfd_settime: { arm: ['timerfd_settime', 'timerfd_settime64'] },
  timerfd_gettime: { arm: ['timerfd_gettime', 'timerfd_gettime64'] },
  utimensat: { arm: ['utimensat', 'utimensat_time64'] },
  getuid: { arm: ['getuid32'] },
  geteuid: { arm: ['geteuid32'] },
  getgid: { arm: ['getgid32'] },
  getegid: { arm: ['getegid32'] },
  getresuid: { arm: ['getresuid32'] },
  getresgid: { arm: ['getresgid32'] },
  setresuid: { arm: ['setresuid32'] },
  setresgid: { arm: ['setresgid32'] },
  fchown: { arm: ['fchown32'] },
  // 32-bit arm has dedicated recv/send entry points that its libc uses for recv(2)/send(2).
  recvfrom: { arm: ['recvfrom', 'recv'] },
  sendto: { arm: ['sendto', 'send'] },
  // The generic table replaced these with other calls.
  epoll_wait: { aarch64: ['epoll_pwait'], riscv64: ['epoll_pwait'] },
  dup2: { aarch64: ['dup3'], riscv64: ['dup3'] },
  renameat: { riscv64: ['renameat2'] },
  // Legacy path calls: absent on the generic table (the `*at` form is listed on its own).
  open: absentOnGeneric,
  pipe: absentOnGeneric,
  getdents: absentOnGeneric,
  mkdir: absentOnGeneric,
  rmdir: absentOnGeneric,
  rename: absentOnGeneric,
  unlink: absentOnGeneric,
  poll: absentOnGeneric,
  readlink: absentOnGeneric,
  access: absentOnGeneric,
  stat: { arm: ['stat64'], ...absentOnGeneric },
  lstat: { arm: ['lstat64'], ...absentOnGeneric },
};

/** The allow action, spelled once. */
const allow = 'allow';

/** `argN == A || argN == B || …` over named constants. */
function oneOf(arg: string, constants: readonly string[]): string {
  return constants.map((constant) => `${arg} == ${constant}`).join(' || ');
}

/**
 * An ioctl request whose type byte (bits 8..15, the `type` argument of `_IO*`) equals `type`:
 * none of the type byte's zero bits is set and each of its one bits is. This admits the whole
 * ioctl family of one driver (DRM, V4L2, evdev) whose request numbers embed variable sizes.
 */
function ioctlType(type: number): string {
  const shifted = type << 8;
  const zeroBits = ~shifted & 0xff00;
  const oneBits: string[] = [];
  for (let bit = 8; bit < 16; bit++) {
    if (shifted & (1 << bit)) oneBits.push(`arg1 & 0x${(1 << bit).toString(16)}`);
  }
  return [`arg1 in ~0x${zeroBits.toString(16)}`, ...oneBits].join(' && ');
}

/** Flags a device that only reads files or uses device nodes never passes to open. */
const creatingFlags = 'O_CREAT|O_TRUNC|O_APPEND';

/** Flags of a read-only open. */
const writingFlags = 'O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND';

/**
 * `openat` (flags in arg2) and the legacy `open` (flags in arg1) limited to opens without any
 * of `flags`.
 */
function opensWithout(flags: string, why: string): RuleSpec[] {
  return [
    { call: 'openat', filter: `arg2 in ~(${flags})`, why },
    { call: 'open', filter: `arg1 in ~(${flags})`, why: 'The same for the legacy open, whose flags are its second argument.' },
  ];
}

/** A device that opens no file after entering its jail. */
const noOpen: RuleSpec = {
  call: ['open', 'openat'],
  filter: 'return ENOENT',
  why: 'Files are opened before the jail is entered; a library that tries to open one later gets "not found" instead of killing the device.',
};

/** The ioctls every kernel vhost backend (vhost-net, vhost-vsock) is driven with. */
const vhostIoctls: readonly string[] = [
  'VHOST_GET_FEATURES', 'VHOST_SET_FEATURES', 'VHOST_SET_OWNER', 'VHOST_RESET_OWNER', 'VHOST_SET_MEM_TABLE',
  'VHOST_SET_LOG_BASE', 'VHOST_SET_LOG_FD', 'VHOST_SET_VRING_NUM', 'VHOST_SET_VRING_ADDR', 'VHOST_SET_VRING_BASE',
  'VHOST_GET_VRING_BASE', 'VHOST_SET_VRING_KICK', 'VHOST_SET_VRING_CALL', 'VHOST_SET_VRING_ERR',
];

/** Flags glibc's pthread_create passes to clone (musl adds the ignored CLONE_DETACHED). */
const threadCloneFlags =
  'CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID';

/**
 * An errno for every call the rules before it did not allow. Used where crosvm allows a syscall
 * unconditionally and ours allows only the arguments its users pass: the remaining calls fail
 * with the error the kernel itself gives for them, which callers handle, instead of killing the
 * process. It must be the syscall's last rule in the loaded policy (the generator checks).
 */
function otherwise(call: string | readonly string[], errno: string, why: string): RuleSpec {
  return { call, filter: `return ${errno}`, why };
}

/** What crosvm's `fcntl: 1` covers beyond our commands: the kernel's answer to an unknown command. */
const fcntlOtherwise = otherwise(
  'fcntl',
  'EINVAL',
  'Any other fcntl command fails with "invalid argument", which is what the kernel answers for a command it does not know.',
);

/** The C library's thread creation, and fork-like clones refused with an errno. */
const threadClone: readonly RuleSpec[] = [
  {
    call: 'clone',
    filter: `arg0 == ${threadCloneFlags} || arg0 == ${threadCloneFlags}|CLONE_DETACHED`,
    why: "Threads only: exactly the flags of the C library's thread creation.",
  },
  otherwise(
    'clone',
    'EPERM',
    'Every other clone fails with "operation not permitted" instead of killing the process: other thread flag combinations and new namespaces (thread creation reports the error to its caller), and forks of a process whose policy allows none (fork reports it too).',
  ),
  {
    call: 'clone3',
    filter: 'return ENOSYS',
    why: 'clone3 passes its flags in memory, where a filter cannot check them. "Not implemented" makes the C library fall back to clone, whose flags are checked above.',
  },
];

/** Memory management every process of the VMM does. */
const memoryRules: readonly RuleSpec[] = [
  { call: 'brk', filter: allow },
  {
    call: 'mmap',
    filter: 'arg2 in ~PROT_EXEC',
    why: 'Anonymous memory and guest-memory file descriptors, never executable: no new code can appear in the process.',
  },
  {
    call: 'mprotect',
    filter: 'arg2 in ~PROT_EXEC',
    why: 'Guard pages and read-only relocations; turning memory executable is refused.',
  },
  { call: ['munmap', 'mremap'], filter: allow },
  {
    call: 'madvise',
    filter: oneOf('arg2', [
      'MADV_DONTNEED', 'MADV_DONTDUMP', 'MADV_REMOVE', 'MADV_FREE', 'MADV_HUGEPAGE', 'MADV_NOHUGEPAGE', 'MADV_GUARD_INSTALL',
      'MADV_GUARD_REMOVE',
    ]),
    why: 'The allocator returns freed pages (DONTNEED, FREE), guest memory is kept out of core dumps and freed behind the balloon (REMOVE), transparent huge pages are chosen per mapping, and glibc 2.42 installs thread-stack guard regions with MADV_GUARD_INSTALL on kernels from 6.13. Other advice (HWPOISON, SOFT_OFFLINE, COLLAPSE, …) is refused.',
  },
  otherwise(
    'madvise',
    'EINVAL',
    'Other advice fails with "invalid argument", the kernel\'s answer for advice it does not support. Among it is MADV_MERGEABLE: same-page merging (KSM) would let a compromised device time page deduplication against other VMs, and kernels without KSM answer the same, so callers already handle it.',
  ),
  {
    call: 'membarrier',
    filter: allow,
    why: 'Memory barriers across the threads of this process (used by allocators and RCU-style libraries).',
  },
  {
    call: 'memfd_create',
    filter: allow,
    why: 'Shared memory handed to the VMM, the display server or the swap monitor. Its flags give nothing the process could not do otherwise: execve stays refused, and a memfd can be mapped executable only where any file can (the read+execute driver mapping of gpu, wl, video and the helper processes).',
  },
];

/** Threads, scheduling queries and process exit. */
const threadRules: readonly RuleSpec[] = [
  { call: ['futex', 'set_robust_list', 'gettid', 'getpid', 'sched_yield', 'sched_getaffinity', 'exit', 'exit_group'], filter: allow },
  { call: ['sched_getparam', 'sched_getscheduler'], filter: allow },
  { call: 'rseq', filter: allow, why: 'The C library registers a restartable sequence area for every new thread.' },
];

/** Signals of the process to itself. */
const signalRules: readonly RuleSpec[] = [
  { call: ['rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'sigaltstack', 'restart_syscall'], filter: allow },
  {
    call: ['kill', 'tgkill'],
    filter: allow,
    why: "abort(), raise() and worker wake-ups signal this process's own threads. Process ids are unknown when the filter is compiled, so the target is confined by the jail's PID namespace instead.",
  },
];

/** Time and sleeping. */
const timeRules: readonly RuleSpec[] = [{ call: ['clock_gettime', 'clock_nanosleep', 'nanosleep', 'gettimeofday'], filter: allow }];

/** Reads and writes on descriptors the process holds, and event loops over them. */
const descriptorRules: readonly RuleSpec[] = [
  { call: ['read', 'write', 'readv', 'writev', 'close', 'dup', 'dup2'], filter: allow },
  { call: ['pipe2', 'eventfd2', 'epoll_create1', 'epoll_ctl', 'epoll_wait', 'poll', 'ppoll'], filter: allow },
  // The generic table's epoll_wait is epoll_pwait already (see syscallNames).
  { call: 'epoll_pwait', filter: allow, arches: ['x86_64', 'arm'] },
  { call: ['lseek', 'ftruncate'], filter: allow },
  {
    call: ['pread64', 'pwrite64', 'preadv', 'pwritev', 'preadv2', 'pwritev2'],
    filter: allow,
    why: 'Reads and writes at an offset: disk images, VFIO regions, shared files. No more power than lseek with read/write on the same descriptor.',
  },
];

/** fcntl commands every process uses. */
const fcntlRule: RuleSpec = {
  call: 'fcntl',
  filter: oneOf('arg1', ['F_DUPFD', 'F_GETFD', 'F_SETFD', 'F_GETFL', 'F_SETFL', 'F_DUPFD_CLOEXEC', 'F_ADD_SEALS', 'F_GET_SEALS']),
  why: 'Descriptor flags (close-on-exec, non-blocking), duplication, and the seals of memfds: no locks, leases, signal ownership or pipe resizing here.',
};

/** Messages on the control socket, randomness, process information. */
const messageRules: readonly RuleSpec[] = [
  {
    call: ['recvfrom', 'recvmsg', 'sendto', 'sendmsg'],
    filter: allow,
    why: 'Requests and replies on the control socket to the VMM, including descriptors passed with SCM_RIGHTS.',
  },
  {
    call: 'socketpair',
    filter: 'arg0 == AF_UNIX',
    why: 'Local channels inside the process tree: message tubes, audio streams, the workers of a vhost-user backend or render server. No network families.',
  },
  { call: 'getrandom', filter: allow, why: "Seeds for hash maps (Rust's HashMap seeds every thread) and the virtio-rng device." },
  { call: ['uname', 'getcwd', 'readlink', 'readlinkat'], filter: allow },
];

/** The process attributes a device may change. */
const prctlRule: RuleSpec = {
  call: 'prctl',
  filter: oneOf('arg0', ['PR_SET_NAME', 'PR_SET_VMA', 'PR_SET_PDEATHSIG']),
  why: "Naming threads and anonymous memory areas (Android's C library names its mappings with PR_SET_VMA), and asking for a signal when the VMM dies. No other process attribute (dumpable, no_new_privs, seccomp, …) can be changed.",
};

/** Limits of the process itself. */
const prlimitRule: RuleSpec = {
  call: 'prlimit64',
  filter: 'arg0 == 0',
  why: "getrlimit/setrlimit of the C library call prlimit64 with pid 0 (this process); other processes' limits are out of reach.",
};

/** Interfaces the tree keeps closed without killing the callers that probe for them. */
const probeRules: readonly RuleSpec[] = [
  {
    call: 'io_uring_setup',
    filter: 'return ENOSYS',
    why: 'The tree serves devices with epoll event loops; a VMM probing for io_uring gets "not implemented" and falls back instead of exposing the io_uring interface.',
  },
  {
    call: ['io_uring_enter', 'io_uring_register'],
    filter: 'return ENOSYS',
    why: 'No io_uring instance can exist (io_uring_setup is refused above); callers get "not implemented" like on a kernel without io_uring.',
  },
];

/** What vmm-swap asks of every process that touches guest memory. */
const swapRules: readonly RuleSpec[] = [
  {
    call: 'userfaultfd',
    filter: 'return EPERM',
    why: 'vmm-swap creates the userfaultfd of a device through /dev/userfaultfd (ioctl below). The syscall would register kernel-mode faults, which the kernel itself refuses to unprivileged callers (vm.unprivileged_userfaultfd=0) with "operation not permitted"; the same answer here.',
  },
];

/** ioctl requests every device makes. */
const commonIoctls: readonly string[] = ['FIOCLEX', 'FIONBIO', 'USERFAULTFD_IOC_NEW', 'UFFDIO_API'];

/** What every device process needs, whatever it serves and over which transport. */
export const commonDevice: BlockSpec = {
  name: 'common_device',
  summary:
    'Syscalls every jailed device process makes: memory management, threads, signals, time, event loops over eventfds and epoll, and messages on the control socket to the VMM. Included by every loaded policy; never loaded directly.',
  rules: [
    ...memoryRules,
    ...threadClone,
    ...threadRules,
    ...signalRules,
    ...timeRules,
    ...descriptorRules,
    fcntlRule,
    {
      call: 'ioctl',
      filter: oneOf('arg1', commonIoctls),
      why: 'The Rust standard library sets close-on-exec and non-blocking mode with FIOCLEX/FIONBIO; vmm-swap makes the userfaultfd of the device from the /dev/userfaultfd descriptor passed before the jail (USERFAULTFD_IOC_NEW) and negotiates its features (UFFDIO_API). Each device adds the requests of its own hardware.',
    },
    ...messageRules,
    prctlRule,
    prlimitRule,
    ...probeRules,
    ...swapRules,
  ],
};

/** Extra syscalls of the socket-based vhost-user backend. */
export const vhostUser: BlockSpec = {
  name: 'vhost_user',
  summary:
    'Extra syscalls of a device served over a vhost-user socket. The launcher binds and listens on the socket before entering the jail; the jailed backend accepts its frontend, then receives memory tables and eventfds as messages with descriptors (covered by common_device). Never loaded directly.',
  rules: [
    {
      call: 'accept4',
      filter: allow,
      why: 'Takes the frontend connection (again after a disconnect) from the listening socket handed over before the jail.',
    },
    {
      call: 'ioctl',
      filter: oneOf('arg1', ['TCGETS', 'TCGETS2', 'TCSETS']),
      why: 'Terminal settings of descriptor 0, for a serial console served by the backend; requests that inject input (TIOCSTI) are not among them.',
    },
    { call: 'wait4', filter: allow, why: 'Reaps a child process once the vhost-user device it serves exits.' },
  ],
};

/** Extra syscalls of the VFIO-based virtio-vhost-user backend. */
export const vvu: BlockSpec = {
  name: 'vvu',
  summary:
    'Extra syscalls of a device served over virtio-vhost-user (VVU): the backend drives a VVU proxy PCI device through VFIO. The VFIO container, group and device are opened before the jail is entered; afterwards the backend maps its regions (common_device mmap, never executable), reads and writes them with pread64/pwrite64, and issues the ioctls below. Never loaded directly.',
  rules: [
    {
      call: 'ioctl',
      filter: oneOf('arg1', [
        'VFIO_DEVICE_GET_INFO', 'VFIO_DEVICE_GET_REGION_INFO', 'VFIO_DEVICE_GET_IRQ_INFO', 'VFIO_DEVICE_SET_IRQS',
        'VFIO_DEVICE_RESET', 'VFIO_IOMMU_MAP_DMA', 'VFIO_IOMMU_UNMAP_DMA',
      ]),
      why: "VFIO requests on the proxy device: learn its regions and interrupts, route interrupts to eventfds, reset it, and map the shared memory for its DMA. Container setup (VFIO_SET_IOMMU, VFIO_GROUP_*) happens before the jail.",
    },
  ],
};

const stats: RuleSpec = { call: ['fstat', 'newfstatat', 'statx'], filter: allow };
const timers: RuleSpec = { call: ['timerfd_create', 'timerfd_settime', 'timerfd_gettime'], filter: allow };

/** A disk (virtio-block, virtio-scsi) on an image file or block device opened before the jail. */
const diskRules: readonly RuleSpec[] = [
  stats,
  { call: ['fsync', 'fdatasync'], filter: allow },
  {
    call: 'fallocate',
    filter: oneOf('arg1', ['0', 'FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_ZERO_RANGE', 'FALLOC_FL_ZERO_RANGE|FALLOC_FL_KEEP_SIZE']),
    why: 'Allocation, discard (punch hole) and write-zeroes requests of the guest.',
  },
  otherwise(
    'fallocate',
    'EOPNOTSUPP',
    'Other modes (collapse or insert range) would shift file contents: they fail with "not supported", the answer of file systems without them, on which the disk code falls back to writing.',
  ),
  {
    call: 'ioctl',
    filter: 'arg1 == BLKDISCARD',
    why: 'Discards on a disk backed by a host block device rather than a file.',
  },
  timers,
];

/** The syscalls of a sound device talking to a host audio server over local sockets. */
const audioRules: readonly RuleSpec[] = [
  {
    call: 'socket',
    filter: 'arg0 == AF_UNIX',
    why: "Connects to the host audio server's local socket; no network families.",
  },
  { call: 'connect', filter: allow, why: "To the audio server's socket, on the sockets made above." },
  timers,
  {
    call: 'sched_setscheduler',
    filter: oneOf('arg1', ['SCHED_NORMAL', 'SCHED_FIFO', 'SCHED_RR', 'SCHED_BATCH', 'SCHED_IDLE']),
    why: 'Audio threads switch between real-time (FIFO, round-robin) and normal scheduling; the thread id is not known in advance, and the jail\'s PID namespace bounds it.',
  },
  otherwise(
    'sched_setscheduler',
    'EPERM',
    'Any other policy (SCHED_DEADLINE is set with sched_setattr, which stays refused) fails with "operation not permitted", as without CAP_SYS_NICE.',
  ),
  {
    call: 'setrlimit',
    filter: allow,
    why: 'Raises its own RLIMIT_RTPRIO before going real-time; setrlimit only ever acts on the calling process.',
  },
];

/** A GL/Vulkan driver loaded into the process after the jail is entered. */
const driverCode: RuleSpec = {
  call: 'mmap',
  filter: 'arg2 == PROT_READ|PROT_EXEC',
  why: 'The GL/Vulkan or codec driver is loaded with dlopen after the jail is entered, which maps its code read+execute from the library file. Writable and executable at once stays refused.',
  auditAck: {
    SC7021: 'the driver is loaded with dlopen inside the jail (crosvm allows the same mapping to gpu, wl and video); never writable and executable at once',
  },
};

/** DRM render nodes, dma-bufs and fences: what a GPU driver and gbm allocations need. */
const drmIoctls: readonly RuleSpec[] = [
  {
    call: 'ioctl',
    filter: ioctlType(0x64),
    why: "DRM requests (type 'd': bits 8..15 equal 0x64) on render nodes; driver-private request numbers vary, so the type byte is checked. Terminal requests (type 'T', such as TIOCSTI) do not pass.",
  },
  {
    call: 'ioctl',
    filter: oneOf('arg1', ['DMA_BUF_IOCTL_SYNC', 'SYNC_IOC_MERGE', 'SYNC_IOC_FILE_INFO', 'UDMABUF_CREATE', 'UDMABUF_CREATE_LIST']),
    why: 'CPU access to shared buffers, fence merging and queries, and dma-bufs made from guest memory.',
  },
];

/** The ioctl requests a device does not make get the kernel's answer for unknown requests. */
const ioctlOtherwise = otherwise(
  'ioctl',
  'ENOTTY',
  'Any other request fails with "inappropriate ioctl", which is what a driver answers for a request it does not know; terminal injection (TIOCSTI, TIOCLINUX) is among the refused ones.',
);

/**
 * A device whose libraries open and cache files at run time, inside a private mount namespace.
 * `legacyOpen`: whether its libraries also call the legacy open (crosvm's video device does not).
 */
function gpuFileRules(legacyOpen: boolean): RuleSpec[] {
  return [
    {
      call: legacyOpen ? ['open', 'openat'] : 'openat',
      filter: allow,
      why: "The driver opens /dev/dri render nodes and its data files, and Mesa's shader cache creates and replaces cache files. The jail's mount namespace holds only the render nodes, driver files and the cache directory.",
    },
    {
      call: ['mkdir', 'mkdirat', 'rename', 'unlink', 'unlinkat', 'fallocate', 'flock'],
      filter: allow,
      why: 'The shader disk cache makes its directories, writes entries to temporary files, renames them into place, evicts old ones and locks its index.',
    },
    { call: ['inotify_init1', 'inotify_add_watch', 'inotify_rm_watch'], filter: allow, why: 'The driver or its loader watches files for changes (crosvm allows inotify to the same processes).' },
    stats,
    { call: ['stat', 'lstat', 'access', 'faccessat', 'faccessat2', 'getdents', 'getdents64', 'fstatfs', 'sysinfo', 'clock_getres'], filter: allow },
    { call: ['getuid', 'geteuid', 'getgid', 'getegid', 'getresuid', 'getresgid', 'sched_setaffinity'], filter: allow },
  ];
}

/** Scheduling and comparisons a GPU driver's or codec's threads make, with the policies it may pick. */
function gpuSchedulingRules(policies: readonly string[]): RuleSpec[] {
  return [
    {
      call: 'sched_setscheduler',
      filter: oneOf('arg1', policies),
      why: "The driver's or codec's threads change their own scheduling; the thread id is not known in advance, and the jail's PID namespace bounds it.",
    },
    otherwise('sched_setscheduler', 'EPERM', 'Any other policy fails with "operation not permitted", as without CAP_SYS_NICE.'),
    {
      call: 'setpriority',
      filter: 'arg0 == PRIO_PROCESS',
      why: 'Nice values of its own threads; process groups and users are out of reach.',
    },
    otherwise('setpriority', 'EPERM', 'Process groups and users fail with "operation not permitted".'),
    {
      call: 'kcmp',
      filter: 'arg2 == KCMP_FILE',
      why: 'The driver asks whether two descriptors are the same DRM file; other comparisons would reveal the kernel objects of other processes.',
    },
    otherwise('kcmp', 'EPERM', 'Other comparisons fail with "operation not permitted", the answer without ptrace access.'),
  ];
}

/** Policies a GPU driver's submission threads switch between. */
const gpuSchedulers: readonly string[] = ['SCHED_NORMAL', 'SCHED_BATCH', 'SCHED_IDLE', 'SCHED_FIFO', 'SCHED_RR'];

/** The display-server socket of a renderer. */
const displaySocketRules: readonly RuleSpec[] = [
  {
    call: 'socket',
    filter: 'arg0 == AF_UNIX && arg1 in SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK && arg2 == 0',
    why: "Connects to the host display server's local stream socket; no network families, no other socket types.",
  },
  { call: ['connect', 'getsockopt', 'getsockname', 'shutdown'], filter: allow, why: 'On the display-server socket created above.' },
];

/** Thread names and CPU features a driver reads. */
const driverPrctl: RuleSpec = {
  call: 'prctl',
  filter: oneOf('arg0', ['PR_GET_NAME', 'PR_GET_AUXV']),
  why: 'The driver reads thread names for its own logging and the auxiliary vector for CPU features.',
};

/** What a GPU renderer (in the gpu device or in the render server) needs beyond common_device. */
const gpuRendererRules: readonly RuleSpec[] = [
  driverCode,
  ...gpuFileRules(true),
  ...drmIoctls,
  ioctlOtherwise,
  ...gpuSchedulingRules(gpuSchedulers),
  driverPrctl,
];

/** The devices of the tree, in the order the README lists them. */
export const devices: readonly DeviceSpec[] = [
  {
    name: 'block',
    title: 'virtio-block disk',
    summary: 'The virtio-block disk: reads and writes an image file opened before the jail, flushes it, discards ranges and resizes it.',
    transports: ['device', 'vhost_user', 'vvu'],
    rules: [...diskRules, noOpen, fcntlOtherwise],
  },
  {
    name: 'scsi',
    title: 'virtio-scsi disk controller',
    summary: 'The virtio-scsi controller: serves SCSI commands on disk images opened before the jail, or at run time.',
    transports: ['device'],
    rules: [
      ...diskRules,
      {
        call: 'openat',
        filter: `arg2 in ~(${creatingFlags})`,
        why: "crosvm's scsi policy lets the device open files; ours opens without creating, truncating or appending.",
      },
      otherwise('openat', 'EACCES', 'Opens that would create, truncate or append fail with "permission denied".'),
      { call: 'open', filter: 'return ENOENT', why: 'Images are opened with openat.' },
      fcntlOtherwise,
    ],
  },
  {
    name: 'net',
    title: 'virtio-net network card',
    summary: 'The virtio-net card on a TAP interface opened before the jail: frames move with read/write, offloads follow what the guest negotiates.',
    transports: ['device', 'vhost_user', 'vvu'],
    rules: [
      {
        call: 'ioctl',
        filter: 'arg1 == TUNSETOFFLOAD',
        why: "Applies the checksum and segmentation offloads the guest negotiated to the TAP interface.",
      },
      noOpen,
      fcntlOtherwise,
    ],
  },
  {
    name: 'rng',
    title: 'virtio-rng entropy source',
    summary: 'The virtio-rng entropy source: fills guest buffers from getrandom, which common_device already allows.',
    transports: ['device'],
    rules: [noOpen, fcntlOtherwise],
  },
  {
    name: 'balloon',
    title: 'virtio-balloon',
    summary: 'The virtio-balloon: gives guest pages the guest inflates back to the host (MADV_REMOVE, in common_device) and reports statistics.',
    transports: ['device'],
    rules: [noOpen, fcntlOtherwise],
  },
  {
    name: 'serial',
    title: 'serial port and virtio-console',
    summary: 'The serial port and virtio-console: move bytes between the guest and a host terminal, file or socket opened before the jail.',
    transports: ['device', 'vhost_user', 'vvu'],
    rules: [
      {
        call: 'ioctl',
        filter: oneOf('arg1', ['TCGETS', 'TCSETS', 'TIOCGWINSZ']),
        why: 'Puts a host terminal into raw mode, restores it on exit, and reads its size for the console; requests that inject input (TIOCSTI) are not among them.',
      },
      {
        call: ['connect', 'bind'],
        filter: allow,
        why: 'Connects (and binds its own end of) the Unix sockets a serial port is given as input or output, again after the other side went away.',
      },
      noOpen,
      fcntlOtherwise,
    ],
  },
  {
    name: 'input',
    title: 'virtio-input',
    summary: 'virtio-input: forwards events from a host event device or socket and answers the guest\'s questions about the device\'s capabilities.',
    transports: ['device', 'vhost_user', 'vvu'],
    rules: [
      {
        call: 'ioctl',
        filter: ioctlType(0x45),
        why: "Event-device (evdev, type 'E') requests only: their request numbers embed buffer sizes (EVIOCGNAME(len), EVIOCGBIT(ev, len)), so the filter checks the type byte (bits 8..15 equal 0x45).",
      },
      ioctlOtherwise,
      { call: 'getsockname', filter: allow, why: "crosvm's socket wrappers read a socket's own address when it is dropped (to remove its file)." },
      noOpen,
      fcntlOtherwise,
    ],
  },
  {
    name: 'pmem',
    title: 'virtio-pmem',
    summary: 'virtio-pmem: the guest maps the backing file directly; the device only makes its writes durable on flush requests.',
    transports: ['device'],
    rules: [{ call: ['fsync', 'fdatasync'], filter: allow }, timers, noOpen, fcntlOtherwise],
  },
  {
    name: 'fs',
    title: 'virtio-fs shared directory',
    summary:
      "virtio-fs: serves a host directory to the guest, file operation by file operation. The jail's mount namespace holds only the shared directory, so path-based calls cannot reach anything else.",
    transports: ['device', 'vhost_user', 'vvu'],
    rules: [
      {
        call: ['openat', 'openat2'],
        filter: allow,
        why: "Serving the guest's open and create requests is this device's job, in every mode (openat2 resolves beneath the shared directory); the mount namespace limits it to the shared directory.",
      },
      { call: 'open', filter: 'return ENOENT', why: 'All opens go through openat relative to the shared directory.' },
      stats,
      { call: ['getdents64', 'fsync', 'fdatasync', 'fstatfs', 'copy_file_range', 'flock'], filter: allow },
      { call: ['mkdir', 'unlink'], filter: allow },
      { call: ['mkdirat', 'mknodat', 'symlinkat', 'linkat', 'unlinkat', 'renameat2', 'utimensat'], filter: allow },
      { call: ['fchmod', 'fchmodat', 'fchown', 'fchownat', 'umask', 'fchdir'], filter: allow },
      {
        call: ['fgetxattr', 'fsetxattr', 'flistxattr', 'fremovexattr', 'getxattr', 'setxattr', 'listxattr', 'removexattr'],
        filter: allow,
      },
      {
        call: 'fallocate',
        filter: allow,
        why: "Passes the guest's fallocate requests through unchanged, whatever their mode.",
      },
      {
        call: 'fcntl',
        filter: oneOf('arg1', ['F_GETLK', 'F_SETLK', 'F_SETLKW', 'F_OFD_GETLK', 'F_OFD_SETLK', 'F_OFD_SETLKW']),
        why: "POSIX and open-file-description locks the guest takes on shared files.",
      },
      {
        call: 'fcntl',
        arches: ['arm'],
        filter: oneOf('arg1', ['F_GETLK64', 'F_SETLK64', 'F_SETLKW64']),
        why: 'On 32-bit arm the C library takes the same locks with the 64-bit-offset commands.',
      },
      fcntlOtherwise,
      {
        call: 'ioctl',
        filter: oneOf('arg1', [
          'FS_IOC_GETFLAGS', 'FS_IOC_SETFLAGS', 'FS_IOC_FSGETXATTR', 'FS_IOC_FSSETXATTR', 'FS_IOC_GET_ENCRYPTION_POLICY_EX',
          'FS_IOC_ENABLE_VERITY', 'FS_IOC_MEASURE_VERITY',
        ]),
        why: 'Inode flags, project quotas, encryption policy and fs-verity requests the guest forwards on shared files.',
      },
      {
        call: 'unshare',
        filter: 'arg0 == CLONE_FS',
        why: 'Each worker thread gets its own working directory and umask for the request it serves.',
      },
      otherwise(
        'unshare',
        'EPERM',
        'Anything else, new namespaces above all, fails with "operation not permitted", the kernel\'s answer without CAP_SYS_ADMIN.',
      ),
      {
        call: ['setresuid', 'setresgid'],
        filter: allow,
        why: "A worker thread takes the guest caller's ids so the host kernel checks permissions; the jail's user namespace maps only the ids it was given.",
      },
      { call: ['geteuid', 'getegid', 'getresuid', 'capget'], filter: allow },
      {
        call: 'capset',
        filter: allow,
        why: 'Drops and restores CAP_FSETID and CAP_DAC_OVERRIDE around requests; capabilities exist only inside the jail\'s user namespace.',
      },
      {
        call: 'prctl',
        filter: oneOf('arg0', ['PR_GET_SECUREBITS', 'PR_SET_SECUREBITS']),
        why: 'Keeps capabilities across the id switches above (SECBIT_NO_SETUID_FIXUP).',
      },
    ],
  },
  {
    name: '9p',
    title: 'virtio-9p shared directory',
    summary: "virtio-9p: serves a host directory over the 9P protocol. The jail's mount namespace holds only the shared directory.",
    transports: ['device'],
    rules: [
      {
        call: ['open', 'openat'],
        filter: allow,
        why: "Serving the guest's open and create requests is this device's job; the mount namespace limits it to the shared directory.",
      },
      stats,
      { call: ['stat', 'getdents64', 'fsync', 'fdatasync', 'fstatfs'], filter: allow },
      { call: ['mkdirat', 'linkat', 'unlinkat', 'renameat', 'rmdir', 'utimensat'], filter: allow },
      { call: ['fchmod', 'fchmodat', 'fchown', 'fchownat'], filter: allow },
      fcntlOtherwise,
    ],
  },
  {
    name: 'gpu',
    title: 'virtio-gpu',
    summary:
      "virtio-gpu with a renderer (virglrenderer, gfxstream) in the device process: talks to the host GPU through DRM render nodes, shares buffers as dma-bufs and memfds, and presents through the host's display server.",
    transports: ['device', 'vhost_user', 'vvu'],
    rules: [...gpuRendererRules, ...displaySocketRules, fcntlOtherwise],
  },
  {
    name: 'wl',
    title: 'virtio-wayland',
    summary:
      "virtio-wayland: relays the guest's Wayland connections to the host compositor and shares buffers with it, allocating dma-bufs on the host GPU (gbm) where the guest asks for them.",
    transports: ['device', 'vhost_user', 'vvu'],
    rules: [
      {
        call: 'socket',
        filter: 'arg0 == AF_UNIX && arg1 == SOCK_STREAM|SOCK_CLOEXEC && arg2 == 0',
        why: "One local stream socket per guest connection to the compositor.",
      },
      { call: ['connect', 'getsockopt', 'getsockname', 'shutdown'], filter: allow, why: "To the compositor's socket, on the sockets made above." },
      driverCode,
      ...gpuFileRules(true),
      ...drmIoctls,
      {
        call: 'ioctl',
        filter: 'arg1 == FIONREAD',
        why: 'The byte count waiting on a pipe the guest shares.',
      },
      ioctlOtherwise,
      ...gpuSchedulingRules(gpuSchedulers),
      driverPrctl,
      fcntlOtherwise,
    ],
  },
  {
    name: 'snd',
    title: 'virtio-snd',
    summary: 'virtio-snd: plays and captures PCM streams through the host audio server, or paces a null backend with timers.',
    transports: ['device', 'vhost_user', 'vvu'],
    rules: [...audioRules, noOpen, fcntlOtherwise],
  },
  {
    name: 'snd_null',
    title: 'virtio-snd with the null backend',
    summary: 'virtio-snd whose streams go nowhere: timers pace the guest, the audio-server rules stay for the stream set-up it shares with the other backends.',
    transports: ['device'],
    rules: [...audioRules, noOpen, fcntlOtherwise],
  },
  {
    name: 'snd_cras',
    title: 'virtio-snd on CRAS',
    summary: 'virtio-snd playing and capturing through ChromeOS\'s audio server (CRAS) over its local sockets.',
    transports: ['device'],
    rules: [...audioRules, noOpen, fcntlOtherwise],
  },
  {
    name: 'snd_aaudio',
    title: 'virtio-snd on AAudio',
    summary: "virtio-snd playing and capturing through Android's AAudio service over local sockets.",
    transports: ['device'],
    rules: [...audioRules, noOpen, fcntlOtherwise],
  },
  {
    name: 'cras_audio',
    title: 'AC97 audio on CRAS',
    summary: "The emulated AC97 sound card playing and capturing through ChromeOS's audio server (CRAS).",
    transports: ['device'],
    rules: [...audioRules, noOpen, fcntlOtherwise],
  },
  {
    name: 'null_audio',
    title: 'AC97 audio with the null backend',
    summary: 'The emulated AC97 sound card whose streams go nowhere.',
    transports: ['device'],
    rules: [...audioRules, noOpen, fcntlOtherwise],
  },
  {
    name: 'vios_audio',
    title: 'AC97 audio on VioS',
    summary: 'The emulated AC97 sound card playing and capturing through a VioS audio server over local sockets.',
    transports: ['device'],
    rules: [...audioRules, stats, noOpen, fcntlOtherwise],
  },
  {
    name: 'video',
    title: 'virtio-video',
    summary: 'virtio-video: decodes and encodes streams on host V4L2 codec devices or a hardware codec library, and shares frames as dma-bufs allocated on the host GPU.',
    transports: ['device', 'vhost_user', 'vvu'],
    rules: [
      driverCode,
      ...gpuFileRules(false),
      {
        call: 'ioctl',
        filter: ioctlType(0x56),
        why: "V4L2 requests (type 'V': bits 8..15 equal 0x56) on codec nodes.",
      },
      ...drmIoctls,
      ioctlOtherwise,
      {
        call: 'socket',
        filter: 'arg0 == AF_UNIX',
        why: "Connects to the host's codec service over a local socket; no network families.",
      },
      { call: ['connect', 'getsockname'], filter: allow, why: 'On the local sockets made above.' },
      // Codec threads only ever lower their priority (crosvm's video policy allows exactly these two).
      ...gpuSchedulingRules(['SCHED_IDLE', 'SCHED_BATCH']),
      {
        call: 'process_vm_readv',
        filter: 'return EPERM',
        why: "crosvm's aarch64 video policy allows it for libmojo (used by the libvda codec library). Reading another process's memory is refused here with \"operation not permitted\", the kernel's answer without ptrace access.",
      },
      fcntlOtherwise,
    ],
  },
  {
    name: 'vhost_vsock',
    title: 'vsock (kernel vhost-vsock)',
    summary: 'virtio-vsock on the kernel\'s vhost-vsock backend (/dev/vhost-vsock, opened before the jail): the device only configures the rings and the guest\'s context id.',
    transports: ['device', 'vhost_user', 'vvu'],
    rules: [
      {
        call: 'ioctl',
        filter: oneOf('arg1', [...vhostIoctls, 'VHOST_VSOCK_SET_GUEST_CID', 'VHOST_VSOCK_SET_RUNNING']),
        why: 'vhost requests that hand the rings and memory table to the kernel, plus the vsock context id and start/stop.',
      },
      { call: 'connect', filter: allow, why: 'Connects a local socket handed over before the jail; the device cannot create sockets, so no new endpoint is reachable.' },
      noOpen,
      fcntlOtherwise,
    ],
  },
  {
    name: 'vhost_net',
    title: 'kernel vhost-net network card',
    summary: 'virtio-net on the kernel\'s vhost-net backend (/dev/vhost-net and a TAP interface, opened before the jail).',
    transports: ['device'],
    rules: [
      {
        call: 'ioctl',
        filter: oneOf('arg1', [...vhostIoctls, 'VHOST_NET_SET_BACKEND']),
        why: 'vhost requests that hand the rings and memory table to the kernel, and attach the TAP interface as backend.',
      },
      noOpen,
      fcntlOtherwise,
    ],
  },
  {
    name: 'vhost_scmi',
    title: 'kernel vhost-scmi',
    summary: "virtio-scmi (the Arm System Control and Management Interface crosvm offers on aarch64) on the kernel's vhost-scmi backend, opened before the jail.",
    transports: ['device'],
    rules: [
      {
        call: 'ioctl',
        filter: oneOf('arg1', vhostIoctls),
        why: 'vhost requests that hand the rings and memory table to the kernel.',
      },
      noOpen,
      fcntlOtherwise,
    ],
  },
  {
    name: 'tpm',
    title: 'software TPM',
    summary: 'A software TPM simulator in the device process, keeping its state in files of the state directory, the only writable path in the jail.',
    transports: ['device'],
    rules: [
      {
        call: 'openat',
        filter: allow,
        why: 'Reads, creates and rewrites the state files; the jail mounts only the state directory.',
      },
      { call: 'open', filter: 'return ENOENT', why: 'The simulator opens its files through openat.' },
      stats,
      { call: ['mkdirat', 'fsync', 'getuid'], filter: allow },
      {
        call: 'socket',
        filter: 'return EACCES',
        why: 'The simulator library probes for a TPM service socket; refusing it keeps the device in-process without killing it.',
      },
      fcntlOtherwise,
    ],
  },
  {
    name: 'vtpm_proxy',
    title: 'vTPM proxy',
    summary: "Forwards the guest's TPM commands to the host's TPM daemon over the D-Bus system bus.",
    transports: ['device'],
    rules: [...dbusClientRules(true), fcntlOtherwise],
  },
  {
    name: 'battery',
    title: 'goldfish battery',
    summary: "The emulated (goldfish) battery: reports the host's power state, read from the power daemon over the D-Bus system bus.",
    transports: ['device'],
    rules: [...dbusClientRules(false), fcntlOtherwise],
  },
  {
    name: 'xhci',
    title: 'xHCI USB controller',
    summary: 'The xHCI USB host controller passing host USB devices through usbdevfs, following hot-plug events.',
    transports: ['device'],
    rules: [
      {
        call: 'socket',
        filter: 'arg0 == AF_NETLINK && arg2 == NETLINK_KOBJECT_UEVENT',
        why: "Listens for the kernel's USB hot-plug events; no other socket family or netlink protocol.",
      },
      otherwise('socket', 'EACCES', 'Other sockets fail with "permission denied", the answer of a security module that refuses them.'),
      { call: ['bind', 'setsockopt', 'getsockname'], filter: allow, why: 'Subscribes the event socket created above.' },
      {
        call: 'openat',
        filter: `arg2 in ~(${creatingFlags})`,
        why: 'Opens /dev/bus/usb device nodes (read-write) and reads sysfs attributes when a device appears; nothing is created, truncated or appended.',
      },
      otherwise('openat', 'EACCES', 'Opens that would create, truncate or append fail with "permission denied".'),
      { call: 'open', filter: 'return ENOENT', why: 'Device nodes and attributes are opened with openat.' },
      {
        call: 'name_to_handle_at',
        filter: allow,
        why: 'libudev asks whether sysfs paths are mount points through their file handles; nothing is opened by handle (open_by_handle_at stays refused).',
      },
      {
        call: 'ioctl',
        filter: oneOf('arg1', [
          'USBDEVFS_CONTROL', 'USBDEVFS_GETDRIVER', 'USBDEVFS_SETINTERFACE', 'USBDEVFS_SETCONFIGURATION', 'USBDEVFS_SUBMITURB',
          'USBDEVFS_DISCARDURB', 'USBDEVFS_REAPURBNDELAY', 'USBDEVFS_CLAIMINTERFACE', 'USBDEVFS_RELEASEINTERFACE',
          'USBDEVFS_CONNECTINFO', 'USBDEVFS_RESET', 'USBDEVFS_CLEAR_HALT', 'USBDEVFS_GET_CAPABILITIES',
          'USBDEVFS_DISCONNECT_CLAIM', 'USBDEVFS_GET_SPEED', 'USBDEVFS_ALLOC_STREAMS', 'USBDEVFS_FREE_STREAMS',
          // USBDEVFS_CONNINFO_EX(sizeof(struct usbdevfs_conninfo_ex)): the macro takes the size, so the table has no entry.
          '0x80185520', 'HIDIOCGRDESCSIZE', 'HIDIOCGRDESC',
        ]),
        why: 'usbdevfs requests on passed-through devices (transfers, configuration, interface claims, resets, bulk streams, speed and port information) and the report descriptor of HID devices.',
      },
      stats,
      { call: ['stat', 'lstat', 'access', 'faccessat', 'faccessat2', 'getdents', 'getdents64', 'pipe'], filter: allow },
      timers,
      fcntlOtherwise,
    ],
  },
  {
    name: 'iommu',
    title: 'virtio-iommu',
    summary: 'virtio-iommu: maps and unmaps guest DMA for passed-through devices in the VFIO container opened before the jail.',
    transports: ['device'],
    rules: [
      {
        call: 'ioctl',
        filter: oneOf('arg1', ['VFIO_IOMMU_MAP_DMA', 'VFIO_IOMMU_UNMAP_DMA']),
        why: "Updates the VFIO container's IOMMU mappings as the guest programs its IOMMU.",
      },
      noOpen,
      fcntlOtherwise,
    ],
  },
  {
    name: 'coiommu',
    title: 'coIOMMU',
    summary: 'The paravirtualized coIOMMU: pins and unpins guest pages of passed-through devices in the VFIO container opened before the jail, on a timer.',
    transports: ['device'],
    rules: [
      {
        call: 'ioctl',
        filter: oneOf('arg1', ['VFIO_IOMMU_MAP_DMA', 'VFIO_IOMMU_UNMAP_DMA']),
        why: "Pins (maps) and unpins guest pages in the VFIO container's IOMMU.",
      },
      timers,
      noOpen,
      fcntlOtherwise,
    ],
  },
  {
    name: 'vfio',
    title: 'VFIO passthrough device',
    summary: 'A host PCI device passed through with VFIO: the device process relays configuration accesses, interrupts and DMA mappings for it.',
    transports: ['device'],
    rules: [
      {
        call: 'ioctl',
        filter: oneOf('arg1', [
          'VFIO_DEVICE_SET_IRQS', 'VFIO_DEVICE_GET_REGION_INFO', 'VFIO_IOMMU_MAP_DMA', 'VFIO_IOMMU_UNMAP_DMA', 'VFIO_DEVICE_FEATURE',
          // VFIO_DEVICE_ACPI_DSM (ChromeOS kernels only, so not in the upstream headers): ACPI _DSM calls of the device.
          '0x3b76',
        ]),
        why: "Routes the device's interrupts to eventfds, describes its regions, maps guest DMA, sets device features (low-power states) and forwards ACPI _DSM calls.",
      },
      { call: 'msync', filter: allow, why: 'Flushes writes to mapped device regions.' },
      noOpen,
      fcntlOtherwise,
    ],
  },
  {
    name: 'fw_cfg',
    title: 'fw_cfg firmware configuration',
    summary: 'The QEMU-style fw_cfg device: hands the firmware files and tables the VMM prepared before the jail.',
    transports: ['device'],
    rules: [noOpen, fcntlOtherwise],
  },
  {
    name: 'pvclock',
    title: 'virtio-pvclock',
    summary: 'virtio-pvclock: tells the guest how long the host was suspended, from the clocks common_device reads.',
    transports: ['device'],
    rules: [noOpen, fcntlOtherwise],
  },
];

/**
 * A client of the D-Bus system bus (vtpm_proxy, battery): a local socket and read-only files.
 * `legacyOpen`: whether its library also calls the legacy open (crosvm's battery does not).
 */
function dbusClientRules(legacyOpen: boolean): RuleSpec[] {
  const opens = opensWithout(writingFlags, 'The D-Bus library reads its configuration and the machine id; opens are read-only.');
  return [
    {
      call: 'socket',
      filter: 'arg0 == AF_UNIX',
      why: 'The D-Bus system bus is a local socket; no network families.',
    },
    { call: ['connect', 'getsockname'], filter: allow, why: 'On the bus socket created above.' },
    ...(legacyOpen ? opens : opens.filter((rule) => rule.call === 'openat')),
    otherwise(legacyOpen ? ['open', 'openat'] : 'openat', 'EACCES', 'Opens for writing fail with "permission denied".'),
    { call: ['getresuid', 'getresgid', 'geteuid', 'getegid', 'clock_getres', 'fstat'], filter: allow },
  ];
}

/** `rules` without the rules for any of `calls`, for processes that replace them. */
function without(rules: readonly RuleSpec[], calls: readonly string[]): RuleSpec[] {
  return rules.filter((rule) => !(typeof rule.call === 'string' ? [rule.call] : rule.call).some((call) => calls.includes(call)));
}

/** Any prctl option the rules before it did not allow. */
const prctlOtherwise = otherwise('prctl', 'EINVAL', 'Other options fail with "invalid argument", the kernel\'s answer for an option it does not know.');

/** Helper processes of the VMM that are not devices: one self-contained policy each. */
export const processes: readonly ProcessSpec[] = [
  {
    name: 'swap_monitor',
    summary:
      'The vmm-swap monitor: receives the userfaultfds of every process that maps guest memory, moves guest pages between memory and a swap file, and fills them back in on faults. Loaded directly; includes nothing.',
    rules: [
      ...memoryRules,
      {
        call: 'madvise',
        filter: 'arg2 == MADV_WILLNEED',
        why: 'Reads swapped-out pages back ahead of the guest touching them.',
      },
      { call: ['mlock2', 'munlock'], filter: allow, why: 'Prefetches swapped-out pages by locking them into memory (within its 16 MiB RLIMIT_MEMLOCK budget) and unlocks them once they are back in the guest.' },
      ...threadClone,
      ...threadRules,
      ...signalRules,
      ...timeRules,
      ...descriptorRules,
      fcntlRule,
      fcntlOtherwise,
      {
        call: 'ioctl',
        filter: oneOf('arg1', [...commonIoctls, 'UFFDIO_REGISTER', 'UFFDIO_UNREGISTER', 'UFFDIO_WAKE', 'UFFDIO_COPY', 'UFFDIO_ZEROPAGE']),
        why: 'Registers guest memory with the userfaultfds it receives, and resolves faults by copying or zeroing pages and waking the faulting threads.',
      },
      ...messageRules,
      prctlRule,
      stats,
      { call: ['getdents64', 'chdir', 'fchdir'], filter: allow },
      timers,
      {
        call: 'fallocate',
        filter: allow,
        why: 'Punches holes in its own swap file once pages are back in memory; the file is opened before the jail.',
      },
      {
        call: 'openat',
        filter: 'return ENOENT',
        why: 'The swap file is opened before the jail; a library that tries to open one later gets "not found".',
      },
      {
        call: 'socket',
        filter: 'arg0 == AF_UNIX',
        why: 'Local sockets only; no network families.',
      },
      otherwise('socket', 'EACCES', 'Other socket families fail with "permission denied", the answer of a security module that refuses them.'),
    ],
  },
  {
    name: 'gpu_render_server',
    summary:
      "The GPU render server (virglrenderer's render_server): the gpu device hands it rendering contexts over local sockets, and it runs each in a forked worker with the GPU driver loaded. Loaded directly; includes nothing.",
    rules: [
      ...commonDevice.rules,
      ...gpuRendererRules,
      {
        call: 'clone',
        filter: 'arg0 == CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD',
        why: "fork() of the C library: one worker process per rendering context, in the server's own jail and filter.",
      },
      { call: ['waitid', 'signalfd4'], filter: allow, why: 'Reaps workers, learning of their exit through a signalfd.' },
      {
        call: 'socket',
        filter: 'arg0 == AF_UNIX && arg2 == 0',
        why: 'Local sockets to the gpu device and to the display server; no network families.',
      },
      { call: ['connect', 'getsockname', 'getsockopt', 'shutdown'], filter: allow, why: 'On the local sockets made above.' },
      fcntlOtherwise,
    ],
  },
  {
    name: 'virtual_ext2',
    summary:
      'The builder of a virtual ext2 file system (for a pmem device backed by a host directory): walks the shared directory read-only and writes the image into memory it shares with the VMM. Single-threaded. Loaded directly; includes nothing.',
    rules: [
      { call: 'brk', filter: allow },
      {
        call: 'mmap',
        filter: 'arg2 in ~PROT_EXEC',
        why: 'The image in shared memory and the files it copies, never executable.',
      },
      { call: ['munmap', 'mremap', 'msync'], filter: allow },
      ...memoryRules.filter((rule) => rule.call === 'madvise'),
      { call: ['clock_gettime', 'close', 'exit_group', 'getpid', 'getrandom', 'write', 'readlink', 'readlinkat', 'sigaltstack'], filter: allow },
      {
        call: 'fcntl',
        filter: oneOf('arg1', ['F_GETFD', 'F_SETFD', 'F_GET_SEALS', 'F_DUPFD_CLOEXEC']),
        why: 'Close-on-exec flags, duplication and the seals of the shared image.',
      },
      fcntlOtherwise,
      stats,
      { call: ['getdents', 'getdents64', 'lgetxattr', 'llistxattr', 'getegid', 'geteuid'], filter: allow },
      {
        call: 'openat',
        filter: 'arg2 in O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY|O_NOFOLLOW|O_LARGEFILE',
        why: "Opens files and directories of the shared tree read-only. (crosvm's own rule checks these flags in arg3, the mode, which leaves the flags unchecked.)",
      },
      otherwise('openat', 'EACCES', 'Opens for writing or creating fail with "permission denied".'),
      {
        call: ['recvfrom', 'recvmsg', 'sendmsg'],
        filter: allow,
        why: 'Requests and the finished image on the socket to the VMM.',
      },
      prctlRule,
      prctlOtherwise,
    ],
  },
  {
    name: 'jail_warden',
    summary:
      "The jail warden: forks the process of every hot-plugged device and builds its jail (namespaces, mounts, pivot_root, capability and seccomp set-up) before the device code runs. A device's own filter is stacked on this one, so this policy is the union of what building jails needs and what the hot-pluggable devices (net) need. Building jails is this process's whole job: it is the one policy of the tree that may mount and create namespaces. Loaded directly; includes nothing.",
    rules: [
      ...without(memoryRules, ['mmap', 'mprotect']),
      {
        call: 'mmap',
        filter: 'arg2 in ~PROT_EXEC || arg2 in ~PROT_WRITE',
        why: 'The devices forked from here load their libraries before their own filter is in place, so code may be mapped; never writable and executable at once.',
        auditAck: {
          SC7021: 'devices forked by the warden map their libraries before their own filter is stacked; never writable and executable at once',
        },
      },
      {
        call: 'mprotect',
        filter: 'arg2 in ~PROT_EXEC',
        why: "Guard pages and read-only relocations. The dynamic loader maps code with mmap; turning memory executable afterwards is refused (crosvm's gpu, wl and video policies, which load drivers with dlopen, never allow it either).",
      },
      otherwise(
        'mprotect',
        'EACCES',
        'Making memory executable fails with "permission denied", the answer of the kernel when a security module or a noexec mount refuses an executable mapping.',
      ),
      ...threadClone,
      {
        call: 'clone',
        filter:
          'arg0 in SIGCHLD|CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|CLONE_PARENT_SETTID|CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID',
        why: "Forks each device's process, in new PID, user, mount, network, IPC, UTS and cgroup namespaces as its jail asks; sharing memory or descriptors with the warden (CLONE_VM, CLONE_FILES, …) is refused.",
        auditAck: { SC7031: "creating the namespaces of each hot-plugged device's jail is the warden's job; threads and CLONE_VM/CLONE_FILES children stay refused" },
      },
      {
        call: 'unshare',
        filter: 'arg0 in CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|CLONE_FS|CLONE_FILES',
        why: 'Enters the namespaces of a jail in the forked child.',
        auditAck: { SC7031: "the forked child enters the namespaces its jail asks for (Minijail unshares mount, network, IPC, UTS and cgroup namespaces after the fork)" },
      },
      otherwise('unshare', 'EPERM', 'Anything else fails with "operation not permitted".'),
      {
        call: ['mount', 'umount2', 'pivot_root', 'chroot'],
        filter: allow,
        why: "Builds the jail's file system: remounts it private, bind-mounts what the device needs, mounts a tmpfs, moves the root and detaches the old one. The arguments are paths in memory, which no filter can check; the warden itself runs in a jail whose namespaces bound what it can mount.",
        auditAck: { SC7010: "building each device's jail (mounts, pivot_root, detaching the old root, chroot into the new one) is the warden's job; its paths are in memory, out of a filter's reach, and the warden's own mount namespace bounds them" },
      },
      {
        call: ['capget', 'capset', 'setsid', 'chdir', 'fchdir', 'getdents64'],
        filter: allow,
        why: 'Drops capabilities and starts a new session in each jailed child.',
      },
      ...threadRules,
      ...signalRules,
      ...timeRules,
      ...descriptorRules,
      fcntlRule,
      fcntlOtherwise,
      {
        call: 'ioctl',
        filter: oneOf('arg1', [
          ...commonIoctls, 'TCGETS', 'TCGETS2', 'SIOCGIFMTU', 'SIOCGIFFLAGS', 'SIOCSIFFLAGS', 'TUNSETIFF', 'TUNSETVNETHDRSZ',
          'TUNSETOFFLOAD',
        ]),
        why: 'Creates and configures the TAP interface of a hot-plugged network card (interface flags, MTU, virtio-net header, offloads), and reads terminal settings; no terminal input injection.',
      },
      ...messageRules,
      {
        call: 'socket',
        filter: 'arg0 == AF_UNIX || arg0 == AF_INET && arg1 in SOCK_DGRAM|SOCK_CLOEXEC && arg2 == 0',
        why: 'Local sockets, and a UDP socket only to issue the interface ioctls above on; no raw or packet sockets.',
      },
      otherwise(['socket', 'socketpair'], 'EACCES', 'Other socket families fail with "permission denied".'),
      { call: 'setsockopt', filter: allow, why: 'Buffer sizes of the sockets above.' },
      {
        call: 'openat',
        filter: allow,
        why: "Opens what a new device needs (its TAP device, disk image, /dev/null) and the jail's mount points; the warden's own jail bounds what exists.",
      },
      stats,
      {
        call: 'prctl',
        filter: oneOf('arg0', ['PR_SET_NAME', 'PR_SET_VMA', 'PR_SET_PDEATHSIG', 'PR_SET_NO_NEW_PRIVS', 'PR_SET_SECUREBITS', 'PR_SET_SECCOMP', 'PR_CAPBSET_DROP']),
        why: "Locks down each jailed child: no new privileges, secure bits, dropped bounding capabilities, and the device's own seccomp filter.",
      },
      prlimitRule,
      ...probeRules,
      ...swapRules,
    ],
  },
];


/**
 * Expected syscall counts of a busy device process (per 100,000 calls), for the dispatch layout:
 * eventfd reads and writes dominate, then the event loop, then positional I/O. Calls that the
 * kernel's constant-action cache serves cost nothing at run time, so what matters most are the
 * filtered ones (ioctl, fcntl, mmap, madvise, futex-heavy paths stay unfiltered).
 */
export const commonFrequencies: readonly (readonly [string, number])[] = [
  ['read', 30000],
  ['write', 25000],
  ['epoll_wait', 12000],
  ['ppoll', 2000],
  ['futex', 6000],
  ['preadv', 5000],
  ['pwritev', 5000],
  ['pread64', 2000],
  ['pwrite64', 2000],
  ['readv', 1500],
  ['writev', 1500],
  ['recvmsg', 600],
  ['sendmsg', 600],
  ['ioctl', 1200],
  ['close', 400],
  ['fcntl', 150],
  ['mmap', 120],
  ['munmap', 120],
  ['mprotect', 40],
  ['madvise', 80],
  ['clone', 10],
  ['prctl', 10],
];

/** The whole description, as `render.ts` takes it. */
export const treeDescription: TreeDescription = {
  riskySyscalls,
  syscallNames,
  commonDevice,
  vhostUser,
  vvu,
  devices,
  processes,
  frequencies: commonFrequencies,
};
