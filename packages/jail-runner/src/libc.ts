/**
 * The few libc functions the launcher, the supervisor and the parent call through koffi.
 * Bound lazily: importing this module loads nothing until a function is first used.
 */
import { createRequire } from 'node:module';

type Koffi = typeof import('koffi');
let koffiModule: Koffi | undefined;

/** koffi, loaded on first use, so importing this package loads no native code. */
function koffi(): Koffi {
  koffiModule ??= createRequire(import.meta.url)('koffi') as Koffi;
  return koffiModule;
}

/** Linux UAPI values used below (`linux/prctl.h`, `linux/seccomp.h`, `fcntl.h`, `poll.h`, `signal.h`). */
export const PR_SET_NO_NEW_PRIVS = 38;
export const SECCOMP_SET_MODE_FILTER = 1;
export const SECCOMP_FILTER_FLAG_TSYNC = 1;
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 8;
export const SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 16;
export const SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const FD_CLOEXEC = 1;
export const O_NONBLOCK = 0o4000;
export const POLLIN = 0x1;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const SIG_SETMASK = 2;
/** Yama's `PR_SET_PTRACER`: lets one process (the tracer) attach to the caller. */
export const PR_SET_PTRACER = 0x59616d61;
/** ptrace requests and options (`linux/ptrace.h`). */
export const PTRACE_CONT = 7;
export const PTRACE_GETEVENTMSG = 0x4201;
export const PTRACE_GETSIGINFO = 0x4202;
export const PTRACE_SEIZE = 0x4206;
export const PTRACE_LISTEN = 0x4208;
export const PTRACE_GET_SYSCALL_INFO = 0x420e;
export const PTRACE_DETACH = 17;
export const PTRACE_INTERRUPT = 0x4207;
/** Copies one installed classic-BPF filter of a stopped tracee (`addr`: 0 the oldest); needs CAP_SYS_ADMIN. */
export const PTRACE_SECCOMP_GET_FILTER = 0x420c;
export const PTRACE_O_TRACECLONE = 0x8;
export const PTRACE_O_TRACEEXEC = 0x10;
export const PTRACE_O_TRACEEXIT = 0x40;
export const PTRACE_EVENT_EXEC = 4;
export const PTRACE_EVENT_EXIT = 6;
export const PTRACE_EVENT_STOP = 128;
/** `waitpid` flag: return at once when no child changed state. */
export const WNOHANG = 1;
/** `waitpid` flag: wait for threads and clones too. */
export const WALL = 0x40000000;
/** `si_code` of a SIGSYS sent by a seccomp filter (`SYS_SECCOMP`). */
export const SYS_SECCOMP = 1;
/** Size of `siginfo_t`. */
export const SIGINFO_SIZE = 128;
/** Size of `struct ptrace_syscall_info` (op, arch, ip, sp, then the largest union member). */
export const PTRACE_SYSCALL_INFO_SIZE = 88;
/** Size of glibc's `sigset_t` (1024 bits), more than any kernel signal set needs. */
export const SIGSET_BYTES = 128;
/** `sizeof(struct seccomp_notif)`: id u64, pid u32, flags u32, seccomp_data (64 bytes). */
export const SECCOMP_NOTIF_SIZE = 80;
/** `sizeof(struct seccomp_notif_resp)`: id u64, val s64, error s32, flags u32. */
export const SECCOMP_NOTIF_RESP_SIZE = 24;

/**
 * `_IOWR('!', nr, size)` with the generic ioctl encoding (x86, Arm, RISC-V): direction bits
 * 3 (read|write) at 30, size at 16, type at 8, number at 0.
 */
function iowr(nr: number, size: number): number {
  return ((3 << 30) | (size << 16) | ('!'.charCodeAt(0) << 8) | nr) >>> 0;
}
/** `SECCOMP_IOCTL_NOTIF_RECV` and `SECCOMP_IOCTL_NOTIF_SEND`. */
export const SECCOMP_IOCTL_NOTIF_RECV = iowr(0, SECCOMP_NOTIF_SIZE);
export const SECCOMP_IOCTL_NOTIF_SEND = iowr(1, SECCOMP_NOTIF_RESP_SIZE);

/** The bound functions. Each returns the C return value; read errno with {@link lastErrno}. */
export interface Libc {
  prctl(option: number, arg2: number, arg3: number, arg4: number, arg5: number): number;
  /** `seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog)` through `syscall(2)`. */
  seccompSetFilter(syscallNumber: number, flags: number, instructionCount: number, program: Buffer): number;
  /** `syscall(nr, a, b, c)` with integer arguments (pidfd_open, pidfd_getfd). */
  syscall3(nr: number, a: number, b: number, c: number): number;
  fcntl(fd: number, command: number, arg: number): number;
  signalDefault(signal: number): void;
  sigprocmask(how: number, set: Buffer): number;
  execve(path: string, argv: readonly string[], envp: readonly string[]): number;
  read(fd: number, buffer: Buffer, count: number): number;
  write(fd: number, buffer: Buffer, count: number): number;
  close(fd: number): number;
  poll(fds: Buffer, count: number, timeoutMs: number): number;
  ioctl(fd: number, request: number, buffer: Buffer): number;
  /** `ptrace(request, pid, addr, data)` with an integer `data` (options, a signal). */
  ptrace(request: number, pid: number, addr: number, data: number): number;
  /** `ptrace(request, pid, addr, data)` with `data` a buffer the kernel fills. */
  ptraceInto(request: number, pid: number, addr: number, data: Buffer): number;
  /** `waitpid(pid, &status, options)`; the status is written into `status` (4 bytes). */
  waitpid(pid: number, status: Buffer, options: number): number;
  exit(status: number): never;
}

let bound: Libc | undefined;

/** Loads libc and binds the functions (once per process). */
export function libc(): Libc {
  if (bound) return bound;
  const lib = koffi().load('libc.so.6');
  koffi().struct('syscage_sock_fprog', { len: 'uint16_t', filter: 'void *' });
  const prctl = lib.func('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)');
  const syscall = lib.func('long syscall(long, ...)');
  const fcntl = lib.func('int fcntl(int, int, ...)');
  const signal = lib.func('void *signal(int, void *)');
  const sigprocmask = lib.func('int sigprocmask(int, void *, void *)');
  const execve = lib.func('int execve(const char *, const char **, const char **)');
  const read = lib.func('long read(int, void *, unsigned long)');
  const write = lib.func('long write(int, void *, unsigned long)');
  const close = lib.func('int close(int)');
  const poll = lib.func('int poll(void *, unsigned long, int)');
  const ioctl = lib.func('int ioctl(int, unsigned long, ...)');
  const exit = lib.func('void _exit(int)');
  const ptrace = lib.func('long ptrace(int, ...)');
  const waitpid = lib.func('int waitpid(int, void *, int)');
  type NativeFunction = (...args: unknown[]) => unknown;
  const call = (fn: NativeFunction, ...args: unknown[]): unknown => fn(...args);
  const int = (value: unknown): number => Number(value);
  bound = {
    prctl: (option, a2, a3, a4, a5) => int(call(prctl, option, a2, a3, a4, a5)),
    seccompSetFilter: (nr, flags, count, program) =>
      int(
        call(syscall, nr, 'unsigned int', SECCOMP_SET_MODE_FILTER, 'unsigned int', flags, 'syscage_sock_fprog *', {
          len: count,
          filter: program,
        }),
      ),
    syscall3: (nr, a, b, c) => int(call(syscall, nr, 'long', a, 'long', b, 'long', c)),
    fcntl: (fd, command, arg) => int(call(fcntl, fd, command, 'int', arg)),
    signalDefault: (sig) => {
      call(signal, sig, null);
    },
    sigprocmask: (how, set) => int(call(sigprocmask, how, set, null)),
    execve: (path, argv, envp) => int(call(execve, path, [...argv, null], [...envp, null])),
    read: (fd, buffer, count) => int(call(read, fd, buffer, count)),
    write: (fd, buffer, count) => int(call(write, fd, buffer, count)),
    close: (fd) => int(call(close, fd)),
    poll: (fds, count, timeout) => int(call(poll, fds, count, timeout)),
    ioctl: (fd, request, buffer) => int(call(ioctl, fd, request, 'void *', buffer)),
    ptrace: (request, pid, addr, data) => int(call(ptrace, request, 'int', pid, 'long', addr, 'long', data)),
    ptraceInto: (request, pid, addr, data) => int(call(ptrace, request, 'int', pid, 'long', addr, 'void *', data)),
    waitpid: (pid, status, options) => int(call(waitpid, pid, status, options)),
    exit: (status) => {
      call(exit, status);
      throw new Error('_exit returned');
    },
  };
  return bound;
}

/** errno of the last call made through koffi on this thread. */
export function lastErrno(): number {
  return koffi().errno();
}
