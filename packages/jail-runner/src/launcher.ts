/**
 * The launcher and supervisor processes (a tsup entry shipped as `dist/launcher.js`).
 *
 * `node launcher.js launch`: reads a {@link LaunchRequest} from fd 3, restores what Node
 * changed (close-on-exec on stdio, ignored SIGPIPE/SIGXFSZ, the signal mask), sets
 * no_new_privs, installs the filter on its own thread, and execs the target. Nothing runs the
 * target unless every step before succeeded. Between the install and `execve` it makes no system
 * call except, in listener mode, the read of the `go` line.
 *
 * `node launcher.js supervise <launcher-script> <launcher-pid> <other-launcher-tids>`: fd 3 is a
 * seccomp user-notification listener;
 * every notification is printed on stdout as a {@link SupervisorRecord} and allowed to continue.
 *
 * `node launcher.js trace <launcher-pid>` (enforce mode): once a line arrives on stdin, attaches
 * to the launcher's main thread with `PTRACE_SEIZE` (following its threads and exec) and
 * prints a {@link TracerMessage} for every `SIGSYS` a filter sent and every task that died of
 * `SIGSYS`, read while the task is stopped, before it is gone. It changes nothing: every signal
 * is delivered as it would be. It exits when no traced task is left.
 */
import { constants as osConstants } from 'node:os';
import { readFileSync, readlinkSync } from 'node:fs';
import {
  EXIT_NOT_EXECUTABLE,
  EXIT_NOT_FOUND,
  EXIT_SETUP_FAILED,
  type LaunchRequest,
  type LauncherMessage,
  type SupervisorMessage,
  type TracerMessage,
} from './protocol.js';
import type { JailStep } from './errors.js';
import {
  FD_CLOEXEC,
  F_GETFD,
  F_GETFL,
  F_SETFD,
  F_SETFL,
  O_NONBLOCK,
  POLLERR,
  POLLHUP,
  POLLIN,
  PR_SET_NO_NEW_PRIVS,
  PR_SET_PTRACER,
  PTRACE_CONT,
  PTRACE_EVENT_EXEC,
  PTRACE_EVENT_EXIT,
  PTRACE_EVENT_STOP,
  PTRACE_GETEVENTMSG,
  PTRACE_GETSIGINFO,
  PTRACE_GET_SYSCALL_INFO,
  PTRACE_LISTEN,
  PTRACE_O_TRACECLONE,
  PTRACE_O_TRACEEXEC,
  PTRACE_O_TRACEEXIT,
  PTRACE_SEIZE,
  PTRACE_SYSCALL_INFO_SIZE,
  SIGINFO_SIZE,
  SYS_SECCOMP,
  WALL,
  SECCOMP_FILTER_FLAG_NEW_LISTENER,
  SECCOMP_FILTER_FLAG_TSYNC,
  SECCOMP_FILTER_FLAG_TSYNC_ESRCH,
  SECCOMP_IOCTL_NOTIF_RECV,
  SECCOMP_IOCTL_NOTIF_SEND,
  SECCOMP_NOTIF_RESP_SIZE,
  SECCOMP_NOTIF_SIZE,
  SECCOMP_USER_NOTIF_FLAG_CONTINUE,
  SIGSET_BYTES,
  SIG_SETMASK,
  lastErrno,
  libc,
} from './libc.js';

const CONTROL_FD = 3;
const { errno: E, signals } = osConstants;

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  while (offset < bytes.length) {
    const written = libc().write(fd, bytes.subarray(offset), bytes.length - offset);
    if (written < 0) {
      if (lastErrno() === E.EINTR) continue;
      return;
    }
    offset += written;
  }
}

/** Reads one line from fd (blocking); `undefined` on EOF or error. */
function readLine(fd: number): string | undefined {
  const chunks: Buffer[] = [];
  const chunk = Buffer.alloc(65536);
  for (;;) {
    const count = libc().read(fd, chunk, chunk.length);
    if (count < 0 && lastErrno() === E.EINTR) continue;
    if (count <= 0) return undefined;
    chunks.push(Buffer.from(chunk.subarray(0, count)));
    const text = Buffer.concat(chunks).toString('utf8');
    const newline = text.indexOf('\n');
    if (newline >= 0) return text.slice(0, newline);
  }
}

function send(message: LauncherMessage): void {
  writeAll(CONTROL_FD, `${JSON.stringify(message)}\n`);
}

function fail(step: JailStep, errno: number, message: string): never {
  send({ kind: 'failed', step, errno, message });
  const status =
    step !== 'exec' ? EXIT_SETUP_FAILED : errno === E.ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
  return libc().exit(status);
}

function launch(): never {
  const line = readLine(CONTROL_FD);
  if (line === undefined) return fail('spawn', 0, 'no launch request on fd 3');
  const request = JSON.parse(line) as LaunchRequest;
  const c = libc();

  // The control socket must close at exec (its EOF tells the parent the exec happened) and
  // must block (the launcher reads `go` from it).
  const controlFlags = c.fcntl(CONTROL_FD, F_GETFL, 0);
  if (controlFlags < 0 || c.fcntl(CONTROL_FD, F_SETFL, controlFlags & ~O_NONBLOCK) < 0) {
    return fail('spawn', lastErrno(), 'cannot make the control socket blocking');
  }
  if (c.fcntl(CONTROL_FD, F_SETFD, FD_CLOEXEC) < 0) return fail('spawn', lastErrno(), 'cannot set close-on-exec on the control socket');
  // Node marks the standard descriptors close-on-exec; the target must inherit them.
  for (const fd of [0, 1, 2]) {
    const flags = c.fcntl(fd, F_GETFD, 0);
    if (flags >= 0 && (flags & FD_CLOEXEC) !== 0 && c.fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) {
      return fail('spawn', lastErrno(), `cannot clear close-on-exec on fd ${fd}`);
    }
  }
  // Node ignores SIGPIPE and SIGXFSZ; ignored signals stay ignored across execve.
  c.signalDefault(signals.SIGPIPE);
  c.signalDefault(signals.SIGXFSZ);
  if (c.sigprocmask(SIG_SETMASK, Buffer.alloc(SIGSET_BYTES)) !== 0) {
    return fail('spawn', lastErrno(), 'cannot reset the signal mask');
  }

  if (c.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) !== 0) {
    return fail('no-new-privs', lastErrno(), 'prctl(PR_SET_NO_NEW_PRIVS) failed');
  }

  if (request.tracerPid !== undefined) {
    // Under Yama's ptrace_scope 1 only an ancestor may attach, and the tracer is a sibling: name
    // it. Without Yama the call fails with EINVAL and attaching needs nothing.
    c.prctl(PR_SET_PTRACER, request.tracerPid, 0, 0, 0);
    send({ kind: 'traceable' });
    if (readLine(CONTROL_FD) === undefined) return fail('spawn', 0, 'the parent did not release the launcher');
  }

  const program = Buffer.from(request.program, 'base64');
  // Enforce mode filters this thread only: execve ends every other thread of the launcher (Node's
  // helper threads), and the target starts as this one thread with the filter. Synchronising the
  // helpers too (TSYNC) would let the target's policy kill the launcher whenever a helper makes a
  // call the policy denies (a futex wake, say) between the install and the exec. Listener mode
  // synchronises them: their calls reach the supervisor, which lets them continue.
  const flags = request.listener ? SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC_ESRCH : 0;
  send({ kind: 'installing' });
  // From here on every system call of this process goes through the filter.
  const result = c.seccompSetFilter(request.seccompSyscall, flags, request.instructionCount, program);
  if (result < 0) return fail('install-filter', lastErrno(), 'the kernel rejected the filter');
  if (request.listener && readLine(CONTROL_FD) === undefined) {
    return fail('supervisor', lastErrno(), 'the parent did not release the launcher');
  }
  c.execve(request.path, request.argv, request.env);
  return fail('exec', lastErrno(), `execve ${request.path} failed`);
}

function hex(value: bigint): string {
  return `0x${value.toString(16)}`;
}

/** True while `tid` still runs the launcher script (before its execve). */
function isLauncher(tid: number, launcherScript: string): boolean {
  try {
    return readFileSync(`/proc/${tid}/cmdline`, 'latin1').split('\0').includes(launcherScript);
  } catch {
    return false;
  }
}

/**
 * `launcherPid` is the launcher's main thread (it becomes the target at exec);
 * `launcherThreads` are its other threads when the supervisor attached: their calls are the
 * launcher's, whenever they arrive (they can race with the exec).
 */
function supervise(launcherScript: string, launcherPid: number, launcherThreads: ReadonlySet<number>): never {
  const c = libc();
  const listener = CONTROL_FD;
  const emit = (message: SupervisorMessage): void => {
    writeAll(1, `${JSON.stringify(message)}\n`);
  };
  const pollBuffer = Buffer.alloc(8);
  const notification = Buffer.alloc(SECCOMP_NOTIF_SIZE);
  const response = Buffer.alloc(SECCOMP_NOTIF_RESP_SIZE);
  let launcherGone = false;
  emit({ kind: 'ready' });
  for (;;) {
    pollBuffer.fill(0);
    pollBuffer.writeInt32LE(listener, 0);
    pollBuffer.writeInt16LE(POLLIN, 4);
    const ready = c.poll(pollBuffer, 1, 250);
    if (ready < 0) {
      if (lastErrno() === E.EINTR) continue;
      emit({ kind: 'error', errno: lastErrno(), message: 'poll on the listener failed' });
      return c.exit(1);
    }
    if (ready === 0) continue;
    const events = pollBuffer.readInt16LE(6);
    if ((events & POLLIN) === 0 && (events & (POLLHUP | POLLERR)) !== 0) return c.exit(0);
    // The kernel requires a zeroed buffer.
    notification.fill(0);
    if (c.ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, notification) < 0) {
      const errno = lastErrno();
      // ENOENT: the caller died or was interrupted before we read it.
      if (errno === E.EINTR || errno === E.ENOENT) continue;
      emit({ kind: 'error', errno, message: 'SECCOMP_IOCTL_NOTIF_RECV failed' });
      return c.exit(1);
    }
    const id = notification.readBigUInt64LE(0);
    const tid = notification.readUInt32LE(8);
    // The main thread cannot exec while it waits here, so its command line is exact.
    let launcher = launcherThreads.has(tid);
    if (tid === launcherPid && !launcherGone) {
      launcher = isLauncher(tid, launcherScript);
      if (!launcher) launcherGone = true;
    }
    const args: string[] = [];
    for (let index = 0; index < 6; index++) args.push(hex(notification.readBigUInt64LE(32 + 8 * index)));
    // Record first, then release: every call that went ahead has been reported.
    emit({
      kind: 'call',
      tid,
      nr: notification.readInt32LE(16),
      arch: notification.readUInt32LE(20),
      ip: hex(notification.readBigUInt64LE(24)),
      args,
      launcher,
    });
    response.fill(0);
    response.writeBigUInt64LE(id, 0);
    response.writeUInt32LE(SECCOMP_USER_NOTIF_FLAG_CONTINUE, 20);
    c.ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, response);
  }
}

/** The call a stopped task is in (`/proc/<tid>/syscall`: number, six arguments, sp, pc). */
function currentSyscall(tid: number): { nr: number; args: string[]; ip: string } | undefined {
  let fields: string[];
  try {
    fields = readFileSync(`/proc/${tid}/syscall`, 'latin1').trim().split(/\s+/);
  } catch {
    return undefined;
  }
  const nr = Number(fields[0]);
  if (!Number.isInteger(nr) || nr < 0 || fields.length < 9) return undefined;
  return { nr, args: fields.slice(1, 7), ip: fields[8] ?? '' };
}

/** The thread-group id of a task (`Tgid:` of `/proc/<tid>/status`); the tid itself if unreadable. */
function threadGroupOf(tid: number): number {
  try {
    const match = /^Tgid:\s*(\d+)$/m.exec(readFileSync(`/proc/${tid}/status`, 'latin1'));
    return match?.[1] === undefined ? tid : Number(match[1]);
  } catch {
    return tid;
  }
}

/** A stopped task's command name and executable (`''` when unreadable). */
function identity(tid: number): { comm: string; exe: string } {
  const read = (what: () => string): string => {
    try {
      return what();
    } catch {
      return '';
    }
  };
  return {
    comm: read(() => readFileSync(`/proc/${tid}/comm`, 'latin1').trim()),
    exe: read(() => readlinkSync(`/proc/${tid}/exe`)),
  };
}

/** Job-control signals: a stop with one of them is a group-stop, which must stay a stop. */
const STOP_SIGNALS: ReadonlySet<number> = new Set([signals.SIGSTOP, signals.SIGTSTP, signals.SIGTTIN, signals.SIGTTOU]);

function trace(launcherPid: number): never {
  const c = libc();
  const emit = (message: TracerMessage): void => {
    writeAll(1, `${JSON.stringify(message)}\n`);
  };
  // The parent says when the launcher has named us its tracer; EOF means the launch is off.
  if (readLine(0) === undefined) return c.exit(0);
  // The target's threads, not its child processes: a task has one tracer, and the target may
  // want to trace its children itself (strace, a debugger, a sandbox).
  const options = PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT;
  if (c.ptrace(PTRACE_SEIZE, launcherPid, 0, options) < 0) {
    emit({ kind: 'error', errno: lastErrno(), message: 'PTRACE_SEIZE of the launcher failed' });
    return c.exit(1);
  }
  emit({ kind: 'attached' });
  const wide = process.arch === 'x64' || process.arch === 'arm64' || process.arch === 'riscv64';
  const status = Buffer.alloc(4);
  const siginfo = Buffer.alloc(SIGINFO_SIZE);
  const eventMessage = Buffer.alloc(8);
  const syscallInfo = Buffer.alloc(PTRACE_SYSCALL_INFO_SIZE);
  // Tasks a SIGSYS was delivered to: their death of SIGSYS is that signal's, not a filter kill.
  const signalled = new Set<number>();
  let launcherExeced = false;
  for (;;) {
    const tid = c.waitpid(-1, status, WALL);
    if (tid < 0) {
      const errno = lastErrno();
      if (errno === E.EINTR) continue;
      if (errno === E.ECHILD) return c.exit(0);
      emit({ kind: 'error', errno, message: 'waitpid failed' });
      return c.exit(1);
    }
    const word = status.readInt32LE(0);
    // Exits need nothing: the task is gone (the real parent is told once we have seen it).
    if ((word & 0xff) !== 0x7f) continue;
    const signal = (word >> 8) & 0xff;
    const event = (word >>> 16) & 0xffff;
    // Before the target's exec every traced task is the launcher's (its main thread, or a thread
    // it started after the install).
    const launcher = !launcherExeced;
    if (event === PTRACE_EVENT_EXEC) {
      if (tid === launcherPid && !launcherExeced) {
        launcherExeced = true;
        emit({ kind: 'exec', tid });
      }
      c.ptrace(PTRACE_CONT, tid, 0, 0);
    } else if (event === PTRACE_EVENT_EXIT) {
      // Killed by a filter's kill action: the kernel skips the signal stop (SA_IMMUTABLE) and the
      // task dies with exit code SIGSYS; its registers still hold the call.
      eventMessage.fill(0);
      const code = c.ptraceInto(PTRACE_GETEVENTMSG, tid, 0, eventMessage) < 0 ? 0 : eventMessage.readUInt32LE(0);
      if ((code & 0x7f) === signals.SIGSYS && !signalled.has(tid)) {
        const call = currentSyscall(tid);
        syscallInfo.fill(0);
        const known = c.ptraceInto(PTRACE_GET_SYSCALL_INFO, tid, PTRACE_SYSCALL_INFO_SIZE, syscallInfo) >= 16;
        emit({
          kind: 'exit',
          tid,
          pid: threadGroupOf(tid),
          nr: call?.nr ?? -1,
          arch: known ? syscallInfo.readUInt32LE(4) : 0,
          ip: known ? hex(syscallInfo.readBigUInt64LE(8)) : (call?.ip ?? ''),
          args: call?.args ?? [],
          data: code,
          launcher,
          ...identity(tid),
        });
      }
      c.ptrace(PTRACE_CONT, tid, 0, 0);
    } else if (event === PTRACE_EVENT_STOP) {
      // A group-stop (SIGSTOP, SIGTSTP, …) stays a stop until SIGCONT; other event stops are
      // new tasks starting or a group-stop ending.
      if (STOP_SIGNALS.has(signal)) c.ptrace(PTRACE_LISTEN, tid, 0, 0);
      else c.ptrace(PTRACE_CONT, tid, 0, 0);
    } else if (event !== 0) {
      // clone: the new thread is traced too.
      c.ptrace(PTRACE_CONT, tid, 0, 0);
    } else {
      // A signal about to be delivered: note a seccomp SIGSYS, then deliver it unchanged.
      if (signal === signals.SIGSYS) {
        signalled.add(tid);
        siginfo.fill(0);
        if (c.ptraceInto(PTRACE_GETSIGINFO, tid, 0, siginfo) >= 0 && siginfo.readInt32LE(8) === SYS_SECCOMP) {
          const nr = siginfo.readInt32LE(wide ? 24 : 16);
          const call = currentSyscall(tid);
          emit({
            kind: 'sigsys',
            tid,
            pid: threadGroupOf(tid),
            nr,
            arch: siginfo.readUInt32LE(wide ? 28 : 20),
            ip: hex(wide ? siginfo.readBigUInt64LE(16) : BigInt(siginfo.readUInt32LE(12))),
            // The registers still hold the refused call's arguments.
            args: call?.nr === nr ? call.args : [],
            data: siginfo.readInt32LE(4),
            launcher,
            ...identity(tid),
          });
        }
      }
      c.ptrace(PTRACE_CONT, tid, 0, signal);
    }
  }
}

const role = process.argv[2];
if (role === 'launch') launch();
else if (role === 'trace') {
  // Only the parent ends the tracer (SIGKILL): a terminal's Ctrl-C is the target's, and a tracer
  // dying first could lose the signal it was about to pass on.
  for (const name of ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'] as const) process.on(name, () => undefined);
  trace(Number(process.argv[3]));
}
else if (role === 'supervise') {
  const threads = new Set((process.argv[5] ?? '').split(',').filter((tid) => tid !== '').map(Number));
  supervise(process.argv[3] ?? '', Number(process.argv[4]), threads);
}
else {
  process.stderr.write('usage: launcher.js launch | supervise <launcher-script> <launcher-pid> <tid,tid,...> | trace <launcher-pid>\n');
  process.exitCode = 2;
}
