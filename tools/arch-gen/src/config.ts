// What the generator reads and writes, per architecture.

/** One architecture the generator produces a package for. */
export interface ArchConfig {
  /** Canonical name (libseccomp's and Minijail's spelling of the ABI). */
  readonly name: string;
  readonly aliases: readonly string[];
  /** How the package description names the ABI (`arm (EABI)`); the canonical name when absent. */
  readonly title?: string;
  /** Node's `process.arch` on this ABI, when Node runs there (the runner picks the host's table by it). */
  readonly nodeArch?: string;
  /** Target triple handed to clang; selects the ABI (sizes, ioctl encoding, `__NR_*` list). */
  readonly clangTarget: string;
  /** Directory under `usr/lib/linux/uapi/` holding this architecture's `asm/` headers. */
  readonly kernelArchDir: string;
  /** Name of the `AUDIT_ARCH_*` constant that identifies the ABI in `seccomp_data.arch`. */
  readonly auditArchConstant: string;
  readonly bits: 32 | 64;
  readonly endianness: 'little' | 'big';
  /** Folder under `packages/`. */
  readonly packageDir: string;
  readonly packageName: string;
  /** Name of the exported `ArchTable` constant. */
  readonly exportName: string;
  /** Names libseccomp's `scmp_sys_resolver -a` takes for this ABI. */
  readonly libseccompName: string;
  /** Headers of the common list that do not exist or do not apply on this architecture. */
  readonly skipHeaders: readonly string[];
  /** Architecture-specific headers read in addition to the common list. */
  readonly extraHeaders?: readonly string[];
}

/** Headers whose ioctl numbers embed `struct timeval`, whose size on 32-bit ABIs depends on the C library's time_t choice. */
const timevalDependentHeaders = ['linux/videodev2.h', 'linux/v4l2-subdev.h'];

export const archConfigs: readonly ArchConfig[] = [
  {
    name: 'x86_64',
    aliases: ['amd64', 'x86-64'],
    nodeArch: 'x64',
    clangTarget: 'x86_64-linux-gnu',
    kernelArchDir: 'x86',
    auditArchConstant: 'AUDIT_ARCH_X86_64',
    bits: 64,
    endianness: 'little',
    packageDir: 'arch-x86-64',
    packageName: '@syscage/arch-x86-64',
    exportName: 'archX86_64',
    libseccompName: 'x86_64',
    skipHeaders: [],
    // arch_prctl codes (ARCH_SET_FS, …).
    extraHeaders: ['asm/prctl.h'],
  },
  {
    name: 'aarch64',
    aliases: ['arm64'],
    nodeArch: 'arm64',
    clangTarget: 'aarch64-linux-gnu',
    kernelArchDir: 'arm64',
    auditArchConstant: 'AUDIT_ARCH_AARCH64',
    bits: 64,
    endianness: 'little',
    packageDir: 'arch-aarch64',
    packageName: '@syscage/arch-aarch64',
    exportName: 'archAarch64',
    libseccompName: 'aarch64',
    skipHeaders: [],
  },
  {
    name: 'arm',
    aliases: ['armhf', 'armel', 'arm-eabi'],
    title: 'arm (EABI)',
    nodeArch: 'arm',
    clangTarget: 'arm-linux-gnueabihf',
    kernelArchDir: 'arm',
    auditArchConstant: 'AUDIT_ARCH_ARM',
    bits: 32,
    endianness: 'little',
    packageDir: 'arch-arm',
    packageName: '@syscage/arch-arm',
    exportName: 'archArm',
    libseccompName: 'arm',
    // 32-bit Arm has no KVM (removed in Linux 5.7) and so no asm/kvm.h.
    skipHeaders: ['linux/kvm.h', ...timevalDependentHeaders],
  },
  {
    name: 'riscv64',
    aliases: [],
    nodeArch: 'riscv64',
    clangTarget: 'riscv64-linux-gnu',
    kernelArchDir: 'riscv',
    auditArchConstant: 'AUDIT_ARCH_RISCV64',
    bits: 64,
    endianness: 'little',
    packageDir: 'arch-riscv64',
    packageName: '@syscage/arch-riscv64',
    exportName: 'archRiscv64',
    libseccompName: 'riscv64',
    skipHeaders: [],
  },
  {
    name: 'i386',
    aliases: ['x86', 'i686'],
    nodeArch: 'ia32',
    clangTarget: 'i686-linux-gnu',
    kernelArchDir: 'x86',
    auditArchConstant: 'AUDIT_ARCH_I386',
    bits: 32,
    endianness: 'little',
    packageDir: 'arch-i386',
    packageName: '@syscage/arch-i386',
    exportName: 'archI386',
    libseccompName: 'x86',
    skipHeaders: [...timevalDependentHeaders],
    extraHeaders: ['asm/prctl.h'],
  },
  {
    name: 'ppc64le',
    aliases: ['ppc64el', 'powerpc64le'],
    title: 'ppc64le (64-bit little-endian PowerPC)',
    nodeArch: 'ppc64',
    clangTarget: 'powerpc64le-linux-gnu',
    kernelArchDir: 'powerpc',
    auditArchConstant: 'AUDIT_ARCH_PPC64LE',
    bits: 64,
    endianness: 'little',
    packageDir: 'arch-ppc64le',
    packageName: '@syscage/arch-ppc64le',
    exportName: 'archPpc64le',
    libseccompName: 'ppc64le',
    skipHeaders: [],
  },
  {
    name: 's390x',
    aliases: [],
    nodeArch: 's390x',
    clangTarget: 's390x-linux-gnu',
    kernelArchDir: 's390',
    auditArchConstant: 'AUDIT_ARCH_S390X',
    bits: 64,
    endianness: 'big',
    packageDir: 'arch-s390x',
    packageName: '@syscage/arch-s390x',
    exportName: 'archS390x',
    libseccompName: 's390x',
    skipHeaders: [],
  },
];

/**
 * The UAPI headers whose constants the tables carry: the families a policy author compares
 * syscall arguments with. Each must compile on its own against kernel headers only (with the
 * small libc stand-ins in `shim/`).
 */
export const constantHeaders: readonly string[] = [
  'asm/unistd.h',
  'linux/errno.h',
  'asm/signal.h',
  'linux/fcntl.h',
  'linux/stat.h',
  'linux/mman.h',
  'linux/memfd.h',
  'linux/falloc.h',
  'linux/fs.h',
  'linux/fiemap.h',
  'linux/mount.h',
  'linux/openat2.h',
  'linux/close_range.h',
  'linux/xattr.h',
  'linux/limits.h',
  'linux/socket.h',
  'asm/socket.h',
  'linux/sockios.h',
  'linux/net.h',
  'linux/in.h',
  'linux/in6.h',
  'linux/tcp.h',
  'linux/udp.h',
  'linux/un.h',
  'linux/netlink.h',
  'linux/rtnetlink.h',
  'linux/if.h',
  'linux/if_ether.h',
  'linux/if_arp.h',
  'linux/if_packet.h',
  'linux/if_tun.h',
  'linux/vm_sockets.h',
  'linux/prctl.h',
  'linux/capability.h',
  'linux/securebits.h',
  'linux/sched.h',
  'linux/futex.h',
  'linux/seccomp.h',
  'linux/filter.h',
  'linux/audit.h',
  'linux/ptrace.h',
  'linux/wait.h',
  'linux/resource.h',
  'linux/time.h',
  'linux/eventpoll.h',
  'linux/inotify.h',
  'linux/fanotify.h',
  'linux/signalfd.h',
  'linux/random.h',
  'linux/ioctl.h',
  'asm/ioctls.h',
  'asm/termbits.h',
  'linux/termios.h',
  'linux/tty.h',
  'linux/kd.h',
  'linux/vt.h',
  'linux/kvm.h',
  'linux/vfio.h',
  'linux/vhost.h',
  'linux/userfaultfd.h',
  'linux/io_uring.h',
  'linux/landlock.h',
  'linux/mempolicy.h',
  'linux/membarrier.h',
  'linux/personality.h',
  'linux/reboot.h',
  'linux/keyctl.h',
  'linux/ipc.h',
  'linux/shm.h',
  'linux/sem.h',
  'linux/msg.h',
  'linux/mqueue.h',
  'linux/kcmp.h',
  'linux/nsfs.h',
  'linux/pidfd.h',
  'linux/rseq.h',
  'linux/perf_event.h',
  'linux/bpf.h',
  'linux/loop.h',
  'linux/dma-buf.h',
  'linux/sync_file.h',
  'linux/udmabuf.h',
  'linux/usbdevice_fs.h',
  'linux/hidraw.h',
  'linux/input.h',
  'linux/uinput.h',
  'linux/videodev2.h',
  'linux/android/binder.h',
  'linux/gpio.h',
  'linux/watchdog.h',
  'linux/rtc.h',
  'linux/hdreg.h',
  'linux/blkzoned.h',
  'linux/dm-ioctl.h',
  'linux/iommufd.h',
  'linux/fuse.h',
  'linux/aio_abi.h',
  'linux/module.h',
  'linux/vtpm_proxy.h',
  'linux/tee.h',
  'linux/auxvec.h',
  'linux/fsverity.h',
  'drm/drm.h',
  'linux/poll.h',
  'linux/signal.h',
  'linux/eventfd.h',
  'linux/timerfd.h',
  'linux/ioprio.h',
];

/**
 * Families defined only in the kernel's internal headers (not exported to UAPI): address
 * families, socket levels, message flags and socket types. The generator copies their plain
 * `#define`/enum lines from the kernel's `include/linux/socket.h` and `include/linux/net.h`.
 */
export const internalHeaderFamilies: readonly { readonly file: string; readonly pattern: RegExp }[] = [
  { file: 'include/linux/socket.h', pattern: /^(AF|PF|SOL|MSG|SCM)_[A-Za-z0-9_]+$|^SOMAXCONN$/ },
  { file: 'include/linux/net.h', pattern: /^SOCK_(STREAM|DGRAM|RAW|RDM|SEQPACKET|DCCP|PACKET|CLOEXEC|NONBLOCK|TYPE_MASK)$/ },
  // umount2 flags.
  { file: 'include/linux/fs.h', pattern: /^(MNT_(FORCE|DETACH|EXPIRE)|UMOUNT_NOFOLLOW)$/ },
  // splice/tee/vmsplice flags.
  { file: 'include/linux/splice.h', pattern: /^SPLICE_F_[A-Z]+$/ },
];

/**
 * Constant families left out although their headers are read: input key codes, V4L2 format
 * codes and netlink link attributes (thousands of names nobody compares syscall arguments with).
 * Their ioctls (`EVIOC*`, `VIDIOC_*`) stay.
 */
export const excludedConstants = /^(V4L2_|KEY_|BTN_|IFLA_)/;

/** The Debian packages the vendored headers come from. */
export const headerSources = {
  uapi: { package: 'linux-libc-dev', version: '7.2.13-1', dir: 'linux-libc-dev_7.2.13-1' },
  internal: {
    package: 'linux-headers-7.2.13+deb14-common',
    version: '7.2.13-1',
    dir: 'linux-headers-7.2.13+deb14-common_7.2.13-1',
  },
} as const;

/** Command that regenerates every generated file (named in each file's first line). */
export const regenerateCommand = 'pnpm generate';
