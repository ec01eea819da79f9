/**
 * What Syscage's device policy tree allows, written once for every architecture. `generate.ts`
 * turns this into `policies/<arch>/*.policy` and `common_device.frequency`; edit here, never the
 * generated files. Device needs were checked against what crosvm's devices called in 2022 (the
 * corpus under `/work/shared/corpus`), but the rules, their grouping and their arguments are
 * ours and are tighter where a device's use allows.
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
import type { BlockSpec, DeviceSpec, RuleSpec, SyscallNameMap, TreeDescription } from './model.js';

/** Syscalls whose every rule must carry a `why` comment. */
export const riskySyscalls: ReadonlySet<string> = new Set([
  'accept4', 'bind', 'capset', 'clone', 'clone3', 'connect', 'execve', 'execveat', 'fallocate', 'fcntl',
  'io_uring_enter', 'io_uring_setup', 'ioctl', 'kcmp', 'kill', 'madvise', 'memfd_create', 'mmap', 'mprotect',
  'open', 'openat', 'prctl', 'prlimit64', 'ptrace', 'sched_setscheduler', 'setresgid', 'setresuid',
  'socket', 'socketpair', 'tgkill', 'unshare',
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

/** What every device process needs, whatever it serves and over which transport. */
export const commonDevice: BlockSpec = {
  name: 'common_device',
  summary:
    'Syscalls every jailed device process makes: memory management, threads, signals, time, event loops over eventfds and epoll, and messages on the control socket to the VMM. Included by every loaded policy; never loaded directly.',
  rules: [
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
      filter: oneOf('arg2', ['MADV_DONTNEED', 'MADV_DONTDUMP']),
      why: 'The allocator returns freed pages; guest memory is kept out of core dumps. Other advice (e.g. MADV_HWPOISON, MADV_MERGEABLE) is refused.',
    },
    {
      call: 'clone',
      filter: `arg0 == ${threadCloneFlags} || arg0 == ${threadCloneFlags}|CLONE_DETACHED`,
      why: "Threads only: exactly the flags of the C library's thread creation. fork, vfork and new namespaces are refused.",
    },
    {
      call: 'clone3',
      filter: 'return ENOSYS',
      why: 'clone3 passes its flags in memory, where a filter cannot check them. "Not implemented" makes the C library fall back to clone, whose flags are checked above.',
    },
    { call: ['futex', 'set_robust_list', 'gettid', 'getpid', 'sched_yield', 'sched_getaffinity', 'exit', 'exit_group'], filter: allow },
    { call: 'rseq', filter: allow, why: 'The C library registers a restartable sequence area for every new thread.' },
    { call: ['rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'sigaltstack', 'restart_syscall'], filter: allow },
    {
      call: ['kill', 'tgkill'],
      filter: allow,
      why: "abort(), raise() and worker wake-ups signal this process's own threads. Process ids are unknown when the filter is compiled, so the target is confined by the jail's PID namespace instead.",
    },
    { call: ['clock_gettime', 'clock_nanosleep', 'nanosleep', 'gettimeofday'], filter: allow },
    { call: ['read', 'write', 'readv', 'writev', 'pread64', 'pwrite64', 'preadv', 'pwritev', 'close', 'dup', 'dup2'], filter: allow },
    { call: ['pipe2', 'eventfd2', 'epoll_create1', 'epoll_ctl', 'epoll_wait', 'poll', 'ppoll'], filter: allow },
    {
      call: 'fcntl',
      filter: oneOf('arg1', ['F_GETFD', 'F_SETFD', 'F_GETFL', 'F_SETFL', 'F_DUPFD_CLOEXEC']),
      why: 'Descriptor flags (close-on-exec, non-blocking) and duplication only: no locks, leases, signal ownership or pipe resizing.',
    },
    {
      call: 'ioctl',
      filter: oneOf('arg1', ['FIOCLEX', 'FIONBIO']),
      why: "The Rust standard library sets close-on-exec and non-blocking mode with these two requests. Each device adds the requests of its own hardware.",
    },
    {
      call: ['recvfrom', 'recvmsg', 'sendto', 'sendmsg'],
      filter: allow,
      why: 'Requests and replies on the control socket to the VMM, including descriptors passed with SCM_RIGHTS.',
    },
    { call: 'getrandom', filter: allow, why: 'Seeds for hash maps and the virtio-rng device.' },
    { call: ['uname', 'getcwd', 'readlink', 'readlinkat'], filter: allow },
    {
      call: 'prctl',
      filter: 'arg0 == PR_SET_NAME',
      why: 'Naming threads. No other process attribute (dumpable, no_new_privs, seccomp, …) can be changed.',
    },
    {
      call: 'io_uring_setup',
      filter: 'return ENOSYS',
      why: 'The tree serves devices with epoll event loops; a VMM probing for io_uring gets "not implemented" and falls back instead of exposing the io_uring interface.',
    },
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

/** The devices of the tree, in the order the README lists them. */
export const devices: readonly DeviceSpec[] = [
  {
    name: 'block',
    title: 'virtio-block disk',
    summary: 'The virtio-block disk: reads and writes an image file opened before the jail, flushes it, discards ranges and resizes it.',
    transports: ['device', 'vhost_user', 'vvu'],
    rules: [
      stats,
      { call: ['lseek', 'fsync', 'fdatasync', 'ftruncate'], filter: allow },
      {
        call: 'fallocate',
        filter: oneOf('arg1', ['0', 'FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE', 'FALLOC_FL_ZERO_RANGE', 'FALLOC_FL_ZERO_RANGE|FALLOC_FL_KEEP_SIZE']),
        why: 'Allocation, discard (punch hole) and write-zeroes requests of the guest; other modes (collapse or insert range) would shift file contents and are refused.',
      },
      { call: ['timerfd_create', 'timerfd_settime', 'timerfd_gettime'], filter: allow },
      noOpen,
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
    ],
  },
  {
    name: 'rng',
    title: 'virtio-rng entropy source',
    summary: 'The virtio-rng entropy source: fills guest buffers from getrandom, which common_device already allows.',
    transports: ['device'],
    rules: [noOpen],
  },
  {
    name: 'balloon',
    title: 'virtio-balloon',
    summary: 'The virtio-balloon: gives guest pages the guest inflates back to the host and reports statistics.',
    transports: ['device'],
    rules: [
      {
        call: 'madvise',
        filter: 'arg2 == MADV_REMOVE',
        why: 'Inflating frees the backing of shared guest memory; MADV_REMOVE is the only advice that does so for shared mappings.',
      },
      noOpen,
    ],
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
        why: 'Puts a host terminal into raw mode, restores it on exit, and reads its size for the console.',
      },
      {
        call: 'connect',
        filter: allow,
        why: 'Reconnects an output Unix socket (created before the jail) after its reader went away.',
      },
      noOpen,
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
      noOpen,
    ],
  },
  {
    name: 'pmem',
    title: 'virtio-pmem',
    summary: 'virtio-pmem: the guest maps the backing file directly; the device only makes its writes durable on flush requests.',
    transports: ['device'],
    rules: [{ call: ['fsync', 'fdatasync'], filter: allow }, noOpen],
  },
  {
    name: 'fs',
    title: 'virtio-fs shared directory',
    summary:
      "virtio-fs: serves a host directory to the guest, file operation by file operation. The jail's mount namespace holds only the shared directory, so path-based calls cannot reach anything else.",
    transports: ['device', 'vhost_user', 'vvu'],
    rules: [
      {
        call: 'openat',
        filter: allow,
        why: "Serving the guest's open and create requests is this device's job, in every mode; the mount namespace limits it to the shared directory.",
      },
      { call: 'open', filter: 'return ENOENT', why: 'All opens go through openat relative to the shared directory.' },
      stats,
      { call: ['getdents64', 'lseek', 'fsync', 'fdatasync', 'ftruncate', 'fstatfs', 'copy_file_range', 'flock'], filter: allow },
      { call: ['mkdirat', 'mknodat', 'symlinkat', 'linkat', 'unlinkat', 'renameat2', 'utimensat', 'faccessat', 'faccessat2'], filter: allow },
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
        why: 'Each worker thread gets its own working directory and umask for the request it serves; no namespace can be created.',
      },
      {
        call: ['setresuid', 'setresgid'],
        filter: allow,
        why: "A worker thread takes the guest caller's ids so the host kernel checks permissions; the jail's user namespace maps only the ids it was given.",
      },
      { call: ['geteuid', 'getegid', 'capget'], filter: allow },
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
        call: 'openat',
        filter: allow,
        why: "Serving the guest's open and create requests is this device's job; the mount namespace limits it to the shared directory.",
      },
      { call: 'open', filter: 'return ENOENT', why: 'All opens go through openat relative to the shared directory.' },
      stats,
      { call: ['getdents64', 'lseek', 'fsync', 'fdatasync', 'ftruncate', 'fstatfs'], filter: allow },
      { call: ['mkdirat', 'linkat', 'unlinkat', 'renameat', 'utimensat', 'fchmod', 'fchown'], filter: allow },
    ],
  },
  {
    name: 'gpu',
    title: 'virtio-gpu',
    summary:
      "virtio-gpu with a renderer (virglrenderer, gfxstream) in the device process: talks to the host GPU through DRM render nodes, shares buffers as dma-bufs and memfds, and presents through the host's display server.",
    transports: ['device', 'vhost_user', 'vvu'],
    rules: [
      {
        call: 'mmap',
        filter: 'arg2 == PROT_READ|PROT_EXEC',
        why: 'The GL/Vulkan driver is loaded with dlopen after the jail is entered, which maps its code read+execute from the library file. Writable and executable at once stays refused.',
      },
      ...opensWithout(
        creatingFlags,
        'The driver opens /dev/dri render nodes (read-write) and reads its data files at run time; nothing is created, truncated or appended (the shader disk cache is off in the jail).',
      ),
      {
        call: 'ioctl',
        filter: ioctlType(0x64),
        why: "DRM requests (type 'd': bits 8..15 equal 0x64) on render nodes; driver-private request numbers vary, so the type byte is checked.",
      },
      {
        call: 'ioctl',
        filter: oneOf('arg1', ['DMA_BUF_IOCTL_SYNC', 'SYNC_IOC_MERGE', 'SYNC_IOC_FILE_INFO', 'UDMABUF_CREATE', 'UDMABUF_CREATE_LIST']),
        why: 'CPU access to shared buffers, fence merging and queries, and dma-bufs made from guest memory.',
      },
      {
        call: 'memfd_create',
        filter: oneOf('arg1', ['MFD_CLOEXEC', 'MFD_CLOEXEC|MFD_ALLOW_SEALING']),
        why: 'Shared-memory buffers for the display server; executable memfds (no MFD_NOEXEC_SEAL) are not a concern since mmap refuses PROT_WRITE|PROT_EXEC.',
      },
      {
        call: 'fcntl',
        filter: oneOf('arg1', ['F_ADD_SEALS', 'F_GET_SEALS']),
        why: 'Seals memfds before handing them to the display server.',
      },
      {
        call: 'socket',
        filter: 'arg0 == AF_UNIX',
        why: "Connects to the host display server's local socket; no network families.",
      },
      { call: ['connect', 'getsockopt', 'getsockname', 'shutdown'], filter: allow, why: 'On the display-server socket created above.' },
      stats,
      { call: ['stat', 'lstat', 'access', 'faccessat', 'getdents64', 'lseek', 'ftruncate', 'fstatfs', 'sysinfo', 'clock_getres'], filter: allow },
      { call: ['getuid', 'geteuid', 'getgid', 'getegid', 'sched_setaffinity'], filter: allow },
      {
        call: 'kcmp',
        filter: 'arg2 == 0',
        why: 'The driver asks whether two descriptors are the same DRM file (type 0, KCMP_FILE: an enum in linux/kcmp.h, so not in the constant table); other comparisons are refused.',
      },
      {
        call: 'prctl',
        filter: 'arg0 == PR_GET_NAME',
        why: 'The driver reads thread names for its own logging.',
      },
    ],
  },
  {
    name: 'wl',
    title: 'virtio-wayland',
    summary: "virtio-wayland: relays the guest's Wayland connections to the host compositor and shares buffers with it.",
    transports: ['device', 'vhost_user', 'vvu'],
    rules: [
      {
        call: 'socket',
        filter: 'arg0 == AF_UNIX && arg1 == SOCK_STREAM|SOCK_CLOEXEC && arg2 == 0',
        why: "One local stream socket per guest connection to the compositor.",
      },
      { call: 'connect', filter: allow, why: "To the compositor's socket, on the sockets made above." },
      {
        call: 'memfd_create',
        filter: 'arg1 == MFD_CLOEXEC|MFD_ALLOW_SEALING',
        why: 'Shared-memory buffers passed to the compositor, always sealable.',
      },
      { call: 'fcntl', filter: oneOf('arg1', ['F_ADD_SEALS', 'F_GET_SEALS']), why: 'Seals memfds before the compositor sees them.' },
      { call: ['ftruncate', 'lseek', 'fstat'], filter: allow },
      {
        call: 'ioctl',
        filter: oneOf('arg1', ['DMA_BUF_IOCTL_SYNC', 'SYNC_IOC_FILE_INFO', 'FIONREAD']),
        why: 'CPU access to dma-bufs, fence status, and the byte count waiting on a pipe.',
      },
      noOpen,
    ],
  },
  {
    name: 'snd',
    title: 'virtio-snd',
    summary: 'virtio-snd: plays and captures PCM streams through the host audio server, or paces a null backend with timers.',
    transports: ['device', 'vhost_user', 'vvu'],
    rules: [
      {
        call: 'socket',
        filter: 'arg0 == AF_UNIX',
        why: "Connects to the host audio server's local socket; no network families.",
      },
      {
        call: 'socketpair',
        filter: 'arg0 == AF_UNIX',
        why: 'Stream channels with the audio server are created as local socket pairs.',
      },
      { call: 'connect', filter: allow, why: "To the audio server's socket, on the sockets made above." },
      { call: ['timerfd_create', 'timerfd_settime', 'timerfd_gettime', 'lseek'], filter: allow },
      {
        call: 'sched_setscheduler',
        filter: oneOf('arg1', ['SCHED_FIFO', 'SCHED_NORMAL']),
        why: 'Audio threads switch between real-time and normal scheduling; the thread id is not known in advance.',
      },
      {
        call: 'prlimit64',
        filter: 'arg0 == 0',
        why: 'Reads and raises its own limits (RLIMIT_RTPRIO) before going real-time; other processes are out of reach.',
      },
      noOpen,
    ],
  },
  {
    name: 'video',
    title: 'virtio-video',
    summary: 'virtio-video: decodes and encodes streams on host V4L2 codec devices and shares frames as dma-bufs.',
    transports: ['device', 'vhost_user', 'vvu'],
    rules: [
      ...opensWithout(
        creatingFlags,
        'Opens host codec nodes (/dev/video*) and reads device information at run time; nothing is created, truncated or appended.',
      ),
      {
        call: 'ioctl',
        filter: ioctlType(0x56),
        why: "V4L2 requests (type 'V': bits 8..15 equal 0x56) on codec nodes.",
      },
      { call: 'ioctl', filter: 'arg1 == DMA_BUF_IOCTL_SYNC', why: 'CPU access to frames shared as dma-bufs.' },
      {
        call: 'memfd_create',
        filter: oneOf('arg1', ['MFD_CLOEXEC', 'MFD_CLOEXEC|MFD_ALLOW_SEALING']),
        why: 'Shared-memory frames for guests without dma-buf support.',
      },
      stats,
      { call: ['getdents64', 'lseek', 'fstatfs', 'clock_getres', 'sysinfo', 'getuid', 'geteuid', 'sched_setaffinity'], filter: allow },
      {
        call: 'sched_setscheduler',
        filter: oneOf('arg1', ['SCHED_IDLE', 'SCHED_BATCH']),
        why: 'Worker threads lower their own priority; raising it is refused.',
      },
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
      noOpen,
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
      { call: ['mkdirat', 'lseek', 'fsync', 'ftruncate', 'getuid'], filter: allow },
      {
        call: 'socket',
        filter: 'return EACCES',
        why: 'The simulator library probes for a TPM service socket; refusing it keeps the device in-process without killing it.',
      },
    ],
  },
  {
    name: 'vtpm_proxy',
    title: 'vTPM proxy',
    summary: "Forwards the guest's TPM commands to the host's TPM daemon over the D-Bus system bus.",
    transports: ['device'],
    rules: [
      {
        call: 'socket',
        filter: 'arg0 == AF_UNIX',
        why: 'The D-Bus system bus is a local socket; no network families.',
      },
      { call: ['connect', 'getsockname'], filter: allow, why: 'On the bus socket created above.' },
      ...opensWithout(writingFlags, 'The D-Bus library reads its configuration and the machine id; opens are read-only.'),
      { call: ['getresuid', 'getresgid', 'geteuid', 'getegid', 'clock_getres', 'fstat'], filter: allow },
    ],
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
      { call: ['bind', 'setsockopt', 'getsockname'], filter: allow, why: 'Subscribes the event socket created above.' },
      ...opensWithout(
        creatingFlags,
        'Opens /dev/bus/usb device nodes (read-write) and reads sysfs attributes when a device appears; nothing is created, truncated or appended.',
      ),
      {
        call: 'ioctl',
        filter: oneOf('arg1', [
          'USBDEVFS_CONTROL', 'USBDEVFS_GETDRIVER', 'USBDEVFS_SETINTERFACE', 'USBDEVFS_SETCONFIGURATION', 'USBDEVFS_SUBMITURB',
          'USBDEVFS_DISCARDURB', 'USBDEVFS_REAPURBNDELAY', 'USBDEVFS_CLAIMINTERFACE', 'USBDEVFS_RELEASEINTERFACE',
          'USBDEVFS_CONNECTINFO', 'USBDEVFS_RESET', 'USBDEVFS_CLEAR_HALT', 'USBDEVFS_GET_CAPABILITIES',
          'USBDEVFS_DISCONNECT_CLAIM',
        ]),
        why: 'usbdevfs requests on passed-through devices: transfers, configuration, interface claims and resets.',
      },
      stats,
      { call: ['stat', 'lstat', 'access', 'faccessat', 'getdents64', 'lseek'], filter: allow },
      { call: ['timerfd_create', 'timerfd_settime', 'timerfd_gettime'], filter: allow },
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
        filter: oneOf('arg1', ['VFIO_DEVICE_SET_IRQS', 'VFIO_DEVICE_GET_REGION_INFO', 'VFIO_IOMMU_MAP_DMA', 'VFIO_IOMMU_UNMAP_DMA']),
        why: 'Routes the device\'s interrupts to eventfds, describes its regions and maps guest DMA. Regions are accessed with pread64/pwrite64 (common_device).',
      },
      noOpen,
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
  processes: [],
  frequencies: commonFrequencies,
};
