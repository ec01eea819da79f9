// What the compiled device policies of policies/ decide for calls that matter for security, on
// every architecture: the emulator runs each program on the call and the test checks the action.
import { fileURLToPath } from 'node:url';
import type { ArchTable } from '@syscage/arch-tables';
import { archAarch64 } from '@syscage/arch-aarch64';
import { archArm } from '@syscage/arch-arm';
import { archRiscv64 } from '@syscage/arch-riscv64';
import { archX86_64 } from '@syscage/arch-x86-64';
import { type BpfProgram, compilePolicy, emulate } from '@syscage/bpf-codegen';
import { createParseCache, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { describe, expect, it, vi } from 'vitest';
import { treeDescription } from '../../../tools/policy-tree/description.js';
import type { Arch } from '../../../tools/policy-tree/model.js';
import { namesOn } from '../../../tools/policy-tree/render.js';

vi.setConfig({ testTimeout: 60_000 });

const policies = fileURLToPath(new URL('../../../policies', import.meta.url));
const tables: Readonly<Record<Arch, ArchTable>> = { x86_64: archX86_64, aarch64: archAarch64, arm: archArm, riscv64: archRiscv64 };
const host = createNodeHost();
const cache = createParseCache();
const programs = new Map<string, BpfProgram>();

function program(arch: Arch, policy: string): BpfProgram {
  const key = `${arch}/${policy}`;
  const cached = programs.get(key);
  if (cached !== undefined) return cached;
  const resolved = resolvePolicy(`${policies}/${key}.policy`, { host, arch, cache });
  const compiled = compilePolicy(resolved, tables[arch], { useKillProcess: true });
  if (compiled.program === undefined) throw new Error(`${key} does not compile`);
  programs.set(key, compiled.program);
  return compiled.program;
}

/** An argument: a number, or named constants ORed together (`O_CREAT|O_WRONLY`). */
type Arg = number | string;

function value(table: ArchTable, arg: Arg): bigint {
  if (typeof arg === 'number') return BigInt(arg);
  return arg.split('|').reduce((sum, name) => {
    const constant = table.constants[name];
    if (constant === undefined) throw new Error(`no constant ${name} on ${table.name}`);
    return sum | constant;
  }, 0n);
}

/** What `policy` does with the generic syscall `call` and `args` on `arch`. */
function decide(arch: Arch, policy: string, call: string, args: readonly Arg[]): { action: string; data: number } {
  const table = tables[arch];
  const name = namesOn(treeDescription, call, arch)[0] ?? call;
  const nr = table.syscalls[name];
  if (nr === undefined) throw new Error(`no syscall ${name} on ${arch}`);
  const run = emulate(
    program(arch, policy),
    { nr, arch: table.auditArch, instructionPointer: 0n, args: args.map((arg) => value(table, arg)) },
    { byteOrder: table.endianness, recordPath: false },
  );
  if (!run.ok) throw new Error(run.error.message);
  return { action: run.action, data: run.data };
}

const threadFlags = 'CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID';
/** `_IOC(dir, type, nr, size)` as Linux encodes it on these architectures. */
const ioc = (dir: number, type: string, nr: number, size: number): number =>
  ((dir << 30) | (size << 16) | (type.charCodeAt(0) << 8) | nr) >>> 0;
const ior = (type: string, nr: number, size: number): number => ioc(2, type, nr, size);
const iowr = (type: string, nr: number, size: number): number => ioc(3, type, nr, size);

const cases: readonly (readonly [string, string, string, readonly Arg[], string])[] = [
  ['a new thread', 'block_device', 'clone', [threadFlags], 'allow'],
  ['fork (refused with EPERM)', 'block_device', 'clone', ['SIGCHLD'], 'errno'],
  ['a thread in a new network namespace (refused with EPERM)', 'block_device', 'clone', [`${threadFlags}|CLONE_NEWNET`], 'errno'],
  ['a forked child in new namespaces (refused with EPERM)', 'block_device', 'clone', ['SIGCHLD|CLONE_NEWPID|CLONE_NEWNET'], 'errno'],
  ['clone3 (flags out of reach)', 'block_device', 'clone3', [], 'errno'],
  ['execve', 'block_device', 'execve', [], 'kill-process'],
  ['ptrace', 'gpu_device', 'ptrace', [], 'kill-process'],
  ['read-write anonymous memory', 'block_device', 'mmap', [0, 4096, 'PROT_READ|PROT_WRITE'], 'allow'],
  ['executable memory', 'block_device', 'mmap', [0, 4096, 'PROT_READ|PROT_EXEC'], 'kill-process'],
  ['mprotect to executable', 'block_device', 'mprotect', [0, 4096, 'PROT_READ|PROT_EXEC'], 'kill-process'],
  ['a driver library mapped read+execute by gpu', 'gpu_device', 'mmap', [0, 4096, 'PROT_READ|PROT_EXEC'], 'allow'],
  ['writable+executable memory in gpu', 'gpu_device', 'mmap', [0, 4096, 'PROT_READ|PROT_WRITE|PROT_EXEC'], 'kill-process'],
  ['non-blocking mode', 'block_device', 'ioctl', [3, 'FIONBIO'], 'allow'],
  ['a terminal ioctl in block', 'block_device', 'ioctl', [3, 'TCGETS'], 'kill-process'],
  ['a terminal ioctl in serial', 'serial_device', 'ioctl', [0, 'TCGETS'], 'allow'],
  ['an open in a device that opens nothing', 'block_device', 'openat', [-100, 0, 'O_RDONLY'], 'errno'],
  ['io_uring', 'block_device', 'io_uring_setup', [], 'errno'],
  ['a thread name', 'block_device', 'prctl', ['PR_SET_NAME'], 'allow'],
  ['making the process dumpable', 'block_device', 'prctl', ['PR_SET_DUMPABLE', 1], 'kill-process'],
  ['a file lock outside fs (refused with EINVAL)', 'block_device', 'fcntl', [3, 'F_SETLK'], 'errno'],
  ['F_DUPFD', 'block_device', 'fcntl', [3, 'F_DUPFD', 10], 'allow'],
  ['a file lock in fs', 'fs_device', 'fcntl', [3, 'F_OFD_SETLK'], 'allow'],
  ['a hole punched in a disk image', 'block_device', 'fallocate', [3, 'FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE'], 'allow'],
  ['a collapsed range of a disk image (refused with EOPNOTSUPP)', 'block_device', 'fallocate', [3, 'FALLOC_FL_COLLAPSE_RANGE'], 'errno'],
  ['a discard on a host block device', 'block_device', 'ioctl', [3, 'BLKDISCARD'], 'allow'],
  ['a network socket in block', 'block_device', 'socket', ['AF_INET', 'SOCK_STREAM', 0], 'kill-process'],
  ['a local socket in gpu', 'gpu_device', 'socket', ['AF_UNIX', 'SOCK_STREAM|SOCK_CLOEXEC', 0], 'allow'],
  ['a network socket in gpu', 'gpu_device', 'socket', ['AF_INET6', 'SOCK_STREAM', 0], 'kill-process'],
  ['a render node opened read-write by gpu', 'gpu_device', 'openat', [-100, 0, 'O_RDWR|O_CLOEXEC'], 'allow'],
  ['a shader-cache file created by gpu', 'gpu_device', 'openat', [-100, 0, 'O_WRONLY|O_CREAT|O_CLOEXEC'], 'allow'],
  ['a file created by video', 'video_device', 'openat', [-100, 0, 'O_WRONLY|O_CREAT|O_CLOEXEC'], 'allow'],
  ['a DRM request (type d)', 'gpu_device', 'ioctl', [5, iowr('d', 0x00, 64)], 'allow'],
  ['a request of another driver in gpu (refused with ENOTTY)', 'gpu_device', 'ioctl', [5, iowr('e', 0x00, 64)], 'errno'],
  ['terminal input injection in gpu', 'gpu_device', 'ioctl', [0, 'TIOCSTI'], 'errno'],
  ['terminal input injection in a vhost-user backend', 'serial_device_vhost_user', 'ioctl', [0, 'TIOCSTI'], 'kill-process'],
  ['an evdev name request', 'input_device', 'ioctl', [5, ior('E', 0x06, 256)], 'allow'],
  ['a DRM request in input (refused with ENOTTY)', 'input_device', 'ioctl', [5, iowr('d', 0x00, 64)], 'errno'],
  ['per-thread fs state in fs', 'fs_device', 'unshare', ['CLONE_FS'], 'allow'],
  ['a mount namespace in fs (refused with EPERM)', 'fs_device', 'unshare', ['CLONE_NEWNS'], 'errno'],
  ['a read-only open in vtpm_proxy', 'vtpm_proxy_device', 'openat', [-100, 0, 'O_RDONLY|O_CLOEXEC'], 'allow'],
  ['a write open in vtpm_proxy (refused with EACCES)', 'vtpm_proxy_device', 'openat', [-100, 0, 'O_WRONLY'], 'errno'],
  ['accepting a frontend over vhost-user', 'block_device_vhost_user', 'accept4', [3, 0, 0, 'SOCK_CLOEXEC'], 'allow'],
  ['accepting a connection as a plain device', 'block_device', 'accept4', [3, 0, 0, 'SOCK_CLOEXEC'], 'kill-process'],
  ['a VFIO request over virtio-vhost-user', 'block_device_vvu', 'ioctl', [7, 'VFIO_DEVICE_SET_IRQS'], 'allow'],
  ['a VFIO request over a vhost-user socket', 'block_device_vhost_user', 'ioctl', [7, 'VFIO_DEVICE_SET_IRQS'], 'kill-process'],
  ['a vhost ring setup in vhost_net', 'vhost_net_device', 'ioctl', [7, 'VHOST_SET_VRING_ADDR'], 'allow'],
  ['its own limits in snd', 'snd_device', 'prlimit64', [0, 'RLIMIT_RTPRIO', 0, 0], 'allow'],
  ["another process's limits in snd", 'snd_device', 'prlimit64', [1, 'RLIMIT_RTPRIO', 0, 0], 'kill-process'],
  ['round-robin scheduling in snd', 'snd_device', 'sched_setscheduler', [0, 'SCHED_RR', 0], 'allow'],
  ['a glibc 2.42 thread-stack guard', 'block_device', 'madvise', [0, 4096, 'MADV_GUARD_INSTALL'], 'allow'],
  ['same-page merging (refused with EINVAL)', 'block_device', 'madvise', [0, 4096, 'MADV_MERGEABLE'], 'errno'],
  ['hardware poisoning (refused with EINVAL)', 'block_device', 'madvise', [0, 4096, 'MADV_HWPOISON'], 'errno'],
  ['naming an anonymous mapping', 'net_device', 'prctl', ['PR_SET_VMA', 0], 'allow'],
  ['userfaultfd(2) (refused with EPERM)', 'block_device', 'userfaultfd', ['O_CLOEXEC|O_NONBLOCK'], 'errno'],
  ['a userfaultfd from /dev/userfaultfd', 'block_device', 'ioctl', [9, 'USERFAULTFD_IOC_NEW'], 'allow'],
  ['a terminal read by a vhost-user backend', 'block_device_vhost_user', 'ioctl', [0, 'TCGETS2'], 'allow'],
  ['openat2 in fs', 'fs_device', 'openat2', [-100, 0, 0, 24], 'allow'],
  ['io_uring_enter', 'block_device', 'io_uring_enter', [3, 1, 0, 0], 'errno'],
  ['a page copied in by the swap monitor', 'swap_monitor_process', 'ioctl', [5, 'UFFDIO_COPY'], 'allow'],
  ['a page copied in by a device', 'block_device', 'ioctl', [5, 'UFFDIO_COPY'], 'kill-process'],
  ['a write open by virtual_ext2 (refused with EACCES)', 'virtual_ext2_process', 'openat', [-100, 0, 'O_WRONLY|O_CREAT'], 'errno'],
  ['a directory open by virtual_ext2', 'virtual_ext2_process', 'openat', [-100, 0, 'O_RDONLY|O_DIRECTORY|O_CLOEXEC'], 'allow'],
  ['a thread in virtual_ext2', 'virtual_ext2_process', 'clone', [threadFlags], 'kill-process'],
  ['a worker forked by the render server', 'gpu_render_server_process', 'clone', ['CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD'], 'allow'],
  ['a vfork by the render server (refused with EPERM)', 'gpu_render_server_process', 'clone', ['CLONE_VM|CLONE_VFORK|SIGCHLD'], 'errno'],
  ['a jailed child forked by the jail warden', 'jail_warden_process', 'clone', ['SIGCHLD|CLONE_NEWPID|CLONE_NEWUSER|CLONE_NEWNET'], 'allow'],
  ['a child sharing memory with the jail warden (refused with EPERM)', 'jail_warden_process', 'clone', ['CLONE_VM|SIGCHLD'], 'errno'],
  ['device code mapped by the jail warden', 'jail_warden_process', 'mmap', [0, 4096, 'PROT_READ|PROT_EXEC'], 'allow'],
  ['writable+executable memory in the jail warden', 'jail_warden_process', 'mmap', [0, 4096, 'PROT_READ|PROT_WRITE|PROT_EXEC'], 'kill-process'],
  ['a raw socket in the jail warden', 'jail_warden_process', 'socket', ['AF_INET', 'SOCK_RAW', 0], 'errno'],
  ['a packet socket in the jail warden', 'jail_warden_process', 'socket', ['AF_PACKET', 'SOCK_RAW', 0], 'errno'],
  ['a UDP socket for interface ioctls in the jail warden', 'jail_warden_process', 'socket', ['AF_INET', 'SOCK_DGRAM|SOCK_CLOEXEC', 0], 'allow'],
  ['ptrace in the jail warden', 'jail_warden_process', 'ptrace', [], 'kill-process'],
  ['execve in the jail warden', 'jail_warden_process', 'execve', [], 'kill-process'],
];

const arches: readonly Arch[] = ['x86_64', 'aarch64', 'arm', 'riscv64'];
const table = arches.flatMap((arch) => cases.map(([what, policy, call, args, expected]) => ({ arch, what, policy, call, args, expected })));

describe('compiled device policies', () => {
  it.each(table)('$arch $policy: $what → $expected', ({ arch, policy, call, args, expected }) => {
    expect(decide(arch, policy, call, args).action).toBe(expected);
  });

  it.each(arches)('%s: denied probes get the errno the tree promises', (arch) => {
    const constants = tables[arch].constants;
    expect(decide(arch, 'block_device', 'clone3', []).data).toBe(Number(constants.ENOSYS));
    expect(decide(arch, 'block_device', 'openat', [-100, 0, 0]).data).toBe(Number(constants.ENOENT));
    expect(decide(arch, 'tpm_device', 'socket', ['AF_UNIX', 'SOCK_STREAM', 0]).data).toBe(Number(constants.EACCES));
    expect(decide(arch, 'block_device', 'clone', [`${threadFlags}|CLONE_NEWNET`]).data).toBe(Number(constants.EPERM));
    expect(decide(arch, 'block_device', 'fcntl', [3, 'F_SETLK']).data).toBe(Number(constants.EINVAL));
    expect(decide(arch, 'block_device', 'fallocate', [3, 'FALLOC_FL_COLLAPSE_RANGE']).data).toBe(Number(constants.EOPNOTSUPP));
    expect(decide(arch, 'gpu_device', 'ioctl', [0, 'TIOCSTI']).data).toBe(Number(constants.ENOTTY));
    expect(decide(arch, 'block_device', 'userfaultfd', [0]).data).toBe(Number(constants.EPERM));
    expect(decide(arch, 'block_device', 'madvise', [0, 4096, 'MADV_MERGEABLE']).data).toBe(Number(constants.EINVAL));
    expect(decide(arch, 'fs_device', 'unshare', ['CLONE_NEWNS']).data).toBe(Number(constants.EPERM));
    // One line per syscall (libminijail's run-time parser): forks and other advice get the errno
    // for the rest instead of a kill.
    expect(decide(arch, 'block_device', 'clone', ['SIGCHLD']).data).toBe(Number(constants.EPERM));
    expect(decide(arch, 'block_device', 'madvise', [0, 4096, 'MADV_HWPOISON']).data).toBe(Number(constants.EINVAL));
  });

  it.each([
    ['x86_64', 'vtpm_proxy_device', ['O_RDONLY'], 'allow'],
    ['arm', 'vtpm_proxy_device', ['O_RDONLY|O_CLOEXEC'], 'allow'],
    ['x86_64', 'vtpm_proxy_device', ['O_RDWR'], 'errno'],
    ['arm', 'vtpm_proxy_device', ['O_WRONLY|O_TRUNC'], 'errno'],
  ] as const)('%s %s: legacy open checks its flags in arg1 (%s → %s)', (arch, policy, flags, expected) => {
    expect(decide(arch, policy, 'open', [0, ...flags, 0o644]).action).toBe(expected);
  });
});
