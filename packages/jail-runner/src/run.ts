/**
 * `runJailed`: start a command under a seccomp filter and report how it ended. The parent
 * spawns the launcher (`launcher.ts`), sends it the program over fd 3, and in log and learn
 * modes attaches a user-notification supervisor to the listener the launcher's filter created.
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { closeSync, readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { resolve as resolvePath } from 'node:path';
import { type ArchTable, resolveArchName } from '@syscage/arch-tables';
import { type BpfProgram, type CompileOptions, SECCOMP_DATA_ARCH, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP, type SeccompActionName, auditArchName, compilePolicy, emulate } from '@syscage/bpf-codegen';
import { type IncludeMapping, defaultIncludeMap, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { hostArchTable, syscallNameFor } from './tables.js';
import type { JailPolicy } from './advice.js';
import { notifyEverythingProgram } from './learn.js';
import { JailError, errnoName } from './errors.js';
import { findExecutable, hostArchName, hostByteOrder, launcherCommand } from './host.js';
import { KernelLog, type SeccompAuditRecord } from './kernel-log.js';
import { lastErrno, libc } from './libc.js';
import { type JailMode, programForMode } from './modes.js';
import {
  GO_LINE,
  type LaunchRequest,
  type LauncherMessage,
  type SupervisorMessage,
  type SupervisorRecord,
  type TracerCall,
  type TracerMessage,
} from './protocol.js';
import { BPF_JEQ_K, BPF_LD_W_ABS } from './bpf-values.js';

/** Options of {@link runJailed} and {@link startJailed}. */
export interface JailOptions {
  /** The program to run: a path, or a name searched in `PATH` (from `env`). */
  readonly command: string;
  /**
   * Its arguments (without `argv[0]`).
   * @defaultValue `[]`
   */
  readonly args?: readonly string[];
  /**
   * Its environment.
   * @defaultValue `process.env`
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Its working directory.
   * @defaultValue `process.cwd()`
   */
  readonly cwd?: string;
  /**
   * Its standard descriptors, as for `child_process.spawn` (only fds 0–2).
   * @defaultValue `'inherit'`
   */
  readonly stdio?: 'inherit' | 'pipe' | 'ignore' | readonly [StdioEntry, StdioEntry, StdioEntry];
  /** The compiled filter, as the kernel will run it in `enforce` mode. Give this or `policy`. */
  readonly filter?: BpfProgram;
  /** A policy file to resolve and compile for the host architecture. Give this or `filter`. */
  readonly policy?: string;
  /**
   * Include prefixes of `policy` and the directories they stand for.
   * @defaultValue none; `/usr/share/policy/crosvm` → the policy's directory always comes after these
   */
  readonly includeMap?: readonly IncludeMapping[];
  /**
   * Compiler options for `policy` (default action, kill-process, …).
   * @defaultValue `{}`
   */
  readonly compileOptions?: CompileOptions;
  /**
   * The architecture the policy or filter is meant for (a name or alias). Must be the host's:
   * a filter runs only on the machine's own architecture.
   * @defaultValue the host's
   */
  readonly arch?: string;
  /**
   * The host architecture's table (syscall numbers and names).
   * @defaultValue the table from `@syscage/arch-<host>`
   */
  readonly archTable?: ArchTable;
  /**
   * `enforce` runs the filter as it is; `log` lets every denied call go ahead and reports
   * it; `learn` does the same but keeps the filter's explicit errno returns.
   * @defaultValue `'enforce'`
   */
  readonly mode?: JailMode;
  /**
   * How long to wait for the kernel log record of a filter kill, in milliseconds (when the
   * tracer did not see the kill).
   * @defaultValue `2000`
   */
  readonly kernelLogTimeoutMs?: number;
  /**
   * Enforce mode: watch the target with a ptrace tracer, which reads every filter `SIGSYS`
   * (trap) and every death of `SIGSYS` (kill) from the stopped task, so the report does not
   * depend on the kernel log. `false` leaves the target untraced (for a debugger, say); reports
   * then come from the kernel log only. Where ptrace is refused the run goes on untraced.
   * @defaultValue `true`
   */
  readonly trace?: boolean;
  /**
   * The most the launcher may take from installing the filter to the target's `execve`, in
   * milliseconds. Past it the launcher is killed and the launch fails at the `exec` step.
   * @defaultValue `10000`
   */
  readonly launchTimeoutMs?: number;
  /**
   * Enforce mode: after the filter killed one thread of the target, how long the rest of the
   * process may go on before the runner kills it (`SIGKILL`), in milliseconds: a process missing
   * a thread usually waits for it forever. `Infinity` never kills.
   * @defaultValue `2000`
   */
  readonly threadKillGraceMs?: number;
}

/** One entry of {@link JailOptions.stdio}. */
export type StdioEntry = 'inherit' | 'pipe' | 'ignore' | number;

/** A syscall number and, where the architecture table knows it, its name. */
export interface SyscallId {
  /** The syscall number in the calling architecture's numbering (the `AUDIT_ARCH_*` of the call). */
  readonly nr: number;
  /** The name from that architecture's table (`openat`); `undefined` for a number it does not list. */
  readonly name: string | undefined;
}

/** A system call a supervised process made that the filter would not simply allow. */
export interface ObservedCall {
  /** Thread id of the caller. */
  readonly tid: number;
  /** Which syscall was made, named from the table of the call's architecture. */
  readonly syscall: SyscallId;
  /** `AUDIT_ARCH_*` of the call (differs from the host's for compat calls). */
  readonly arch: number;
  /** The caller's instruction pointer at the call (`seccomp_data.instruction_pointer`); `0n` when strace observed the run. */
  readonly instructionPointer: bigint;
  /** The six arguments. */
  readonly args: readonly bigint[];
  /** What the filter as given (before the mode's rewrite) returns for this call. */
  readonly wouldBe: { readonly action: SeccompActionName; readonly data: number } | undefined;
}

/** The call that made the filter kill the process (enforce mode). */
export interface Violation {
  /** Pid of the killed process, as the kernel logged it. */
  readonly pid: number;
  /** The syscall the filter refused, named from the table of {@link Violation.arch}. */
  readonly syscall: SyscallId;
  /** `AUDIT_ARCH_*` of the refused call (differs from the host's for compat calls). */
  readonly arch: number;
  /** Where the call was made (`ip=` of the audit record); `undefined` when the record has none. */
  readonly instructionPointer: bigint | undefined;
  /** The filter's return value, e.g. `0x80000000` for kill-process. */
  readonly returnValue: number;
  /** The killed task's command name (`comm=`, at most 15 bytes); `undefined` when not logged. */
  readonly comm: string | undefined;
  /** Path of the killed process's executable (`exe=`); `undefined` when not logged. */
  readonly exe: string | undefined;
  /** True when the call was made by the launcher, i.e. the target never started. */
  readonly beforeExec: boolean;
  /** The six arguments, when the tracer read them from the stopped task; `undefined` from the kernel log. */
  readonly args: readonly bigint[] | undefined;
  /** Where the facts come from: the tracer (the task's `SIGSYS` or its registers) or the kernel log. */
  readonly source: 'tracer' | 'kernel-log';
}

/** How a jailed run ended. */
export interface JailResult {
  /** The mode the run used ({@link JailOptions.mode}): which program the kernel got. */
  readonly mode: JailMode;
  /** Exit status, or `null` when a signal ended it. */
  readonly exitCode: number | null;
  /** The signal that ended the process (`SIGSYS` when the filter killed it), or `null` when it exited. */
  readonly signal: NodeJS.Signals | null;
  /** Shell-style status: the exit code, or 128 + signal number. */
  readonly status: number;
  /**
   * What watched the run: a ptrace tracer with the kernel log as fallback (enforce, `ptrace`),
   * the kernel log alone (enforce when tracing was off or refused), a user-notification
   * supervisor (log, learn), or strace (the learn fallback of {@link learnPolicy}).
   */
  readonly monitor: 'ptrace' | 'kernel-log' | 'user-notification' | 'strace';
  /**
   * Enforce mode: true when the filter killed a thread of the target, the rest did not end
   * within {@link JailOptions.threadKillGraceMs}, and the runner killed it (`SIGKILL`).
   */
  readonly killedAfterThreadKill: boolean;
  /**
   * Enforce mode: the call the filter killed the process (or, with kill-thread, one of its
   * threads) for, when the kernel log shows it.
   */
  readonly violation: Violation | undefined;
  /** Enforce mode: why the process died of SIGSYS but no violation could be found. */
  readonly violationUnknownReason: string | undefined;
  /** Log and learn modes: every call that went to the supervisor, in order. */
  readonly calls: readonly ObservedCall[];
  /**
   * The policy the filter was compiled from, when the run was given one ({@link JailOptions.policy}):
   * the violation report's advice reads its rules.
   */
  readonly policy?: JailPolicy;
}

/** A started jailed process. */
export interface JailedProcess {
  /** The launcher process, which becomes the target at exec (same pid); `undefined` if it never started. */
  readonly child: ChildProcess | undefined;
  /** Settles when the target has exited; rejects with a {@link JailError} when a launch step failed. */
  readonly result: Promise<JailResult>;
}

/** Runs a command under a filter and resolves with how it ended. See {@link startJailed}. */
export function runJailed(options: JailOptions): Promise<JailResult> {
  return startJailed(options).result;
}

/**
 * Starts a command under a filter. The target never runs unfiltered: every step (arch check,
 * no_new_privs, filter install, supervisor attach, exec) must succeed first, else `result`
 * rejects with a {@link JailError} naming the step. The filter applies from the launcher's own
 * `execve`, so it must allow `execve` and what the dynamic loader does.
 */
export function startJailed(options: JailOptions): JailedProcess {
  const mode = options.mode ?? 'enforce';
  const rejected = (error: JailError): JailedProcess => ({ child: undefined, result: Promise.reject(error) });
  const prepared = prepareProgram(options);
  if (prepared instanceof JailError) return rejected(prepared);
  const { table, filter, policy } = prepared;
  const seccompSyscall = table.syscalls.seccomp;
  if (seccompSyscall === undefined) return rejected(new JailError('arch', `the ${table.name} table has no seccomp syscall`));
  const program = programForMode(filter, mode);
  if (program === undefined) {
    return rejected(new JailError('filter', `${mode} mode cannot rewrite a filter that returns the accumulator (ret A)`));
  }
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const found = findExecutable(options.command, cwd, env.PATH);
  if ('errno' in found) return rejected(new JailError('exec', `cannot execute ${options.command}`, { errno: found.errno }));

  const bytes = Buffer.alloc(program.length * 8);
  const little = hostByteOrder() === 'little';
  program.forEach((insn, index) => {
    const at = index * 8;
    if (little) bytes.writeUInt16LE(insn.code, at);
    else bytes.writeUInt16BE(insn.code, at);
    bytes.writeUInt8(insn.jt, at + 2);
    bytes.writeUInt8(insn.jf, at + 3);
    if (little) bytes.writeUInt32LE(insn.k >>> 0, at + 4);
    else bytes.writeUInt32BE(insn.k >>> 0, at + 4);
  });
  const listener = mode !== 'enforce';
  const request: LaunchRequest = {
    program: bytes.toString('base64'),
    instructionCount: program.length,
    path: found.path,
    argv: [options.command, ...(options.args ?? [])],
    env: Object.entries(env).flatMap(([name, value]) => (value === undefined ? [] : [`${name}=${value}`])),
    seccompSyscall,
    listener,
  };

  const kernelLog = listener ? undefined : KernelLog.open();
  const launcher = launcherCommand();
  const stdio = options.stdio ?? 'inherit';
  const standard: StdioEntry[] = typeof stdio === 'string' ? [stdio, stdio, stdio] : [...stdio];
  const launcherEnv = { ...process.env };
  delete launcherEnv.NODE_OPTIONS;
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...launcher.execArgv, launcher.script, 'launch'], {
      cwd,
      env: launcherEnv,
      stdio: [...standard, 'pipe'] as StdioOptions,
    });
  } catch (error) {
    kernelLog?.close();
    return rejected(new JailError('spawn', `cannot start the launcher: ${String(error)}`));
  }
  // The tracer starts alongside the launcher (two Node starts in parallel); it attaches when the
  // launcher says it may.
  const tracer = mode === 'enforce' && options.trace !== false && child.pid !== undefined ? startTracer(launcher, child.pid) : undefined;
  const session = new Session(child, tracer?.pid === undefined ? request : { ...request, tracerPid: tracer.pid }, {
    mode,
    filter,
    table,
    kernelLog,
    tracer,
    launcherScript: launcher.script,
    launcherExecArgv: launcher.execArgv,
    options,
    policy,
  });
  return { child, result: session.result };
}

/** Starts `launcher.js trace <pid>`; `undefined` if it cannot start (the run then goes untraced). */
function startTracer(launcher: { readonly script: string; readonly execArgv: readonly string[] }, pid: number): ChildProcess | undefined {
  try {
    const tracer = spawn(process.execPath, [...launcher.execArgv, launcher.script, 'trace', String(pid)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    tracer.on('error', () => undefined);
    return tracer;
  } catch {
    return undefined;
  }
}

/** Picks the host table and compiles the policy, or says which step failed. */
function prepareProgram(options: JailOptions): { table: ArchTable; filter: BpfProgram; policy?: JailPolicy } | JailError {
  const host = hostArchName();
  if (host === undefined) return new JailError('arch', `Node architecture ${process.arch} is not supported`);
  if (options.arch !== undefined) {
    const wanted = resolveArchName(options.arch);
    if (!wanted.ok) return new JailError('arch', wanted.message);
    if (wanted.name !== host) return new JailError('arch', `the filter is for ${wanted.name}, but this machine is ${host}`);
  }
  let table = options.archTable;
  if (table === undefined) {
    const found = hostArchTable();
    if ('message' in found) return new JailError('arch', found.message);
    table = found.table;
  }
  if (table.name !== host) return new JailError('arch', `the table is for ${table.name}, but this machine is ${host}`);
  if (options.filter !== undefined) {
    if (options.policy !== undefined) return new JailError('filter', 'give either a filter or a policy, not both');
    // A filter for another architecture kills the launcher at its first call after the
    // install: refuse it before anything runs.
    const checked = checkedArch(options.filter);
    if (checked !== undefined && checked !== table.auditArch) {
      const name = auditArchName(checked) ?? `audit arch 0x${checked.toString(16)}`;
      return new JailError('arch', `the filter is for ${name} (its first comparison checks arch == 0x${checked.toString(16)}), but this machine is ${host}`);
    }
    return { table, filter: options.filter };
  }
  if (options.policy === undefined) {
    // Learning from nothing: every call goes to the supervisor.
    if (options.mode === 'learn') return { table, filter: notifyEverythingProgram(table) };
    return new JailError('filter', 'give a filter or a policy');
  }
  const compiled = compilePolicyFile(options.policy, table, options);
  return 'program' in compiled ? { table, filter: compiled.program, policy: compiled.policy } : compiled.error;
}

/**
 * The `AUDIT_ARCH_*` value a filter accepts, from its first comparison: a load of
 * `seccomp_data.arch` followed by `jeq #k` (how every seccomp filter starts, ours and
 * libseccomp's and Minijail's). `undefined` when the program does not start that way.
 */
export function checkedArch(program: BpfProgram): number | undefined {
  const load = program.findIndex((insn) => insn.code === BPF_LD_W_ABS && insn.k === SECCOMP_DATA_ARCH);
  const compare = load < 0 ? undefined : program[load + 1];
  return compare?.code === BPF_JEQ_K ? compare.k >>> 0 : undefined;
}

/** Resolves and compiles a policy file for `table`; errors become a `filter` JailError. */
export function compilePolicyFile(
  file: string,
  table: ArchTable,
  options: JailOptions,
): { program: BpfProgram; policy: JailPolicy } | { error: JailError } {
  const path = resolvePath(options.cwd ?? process.cwd(), file);
  // The given mappings extend the default crosvm mapping, as in every `syscage` command.
  const resolved = resolvePolicy(path, {
    host: createNodeHost(),
    arch: table.name,
    includeMap: [...(options.includeMap ?? []), ...defaultIncludeMap(path)],
  });
  const resolveErrors = resolved.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (resolveErrors.length > 0) {
    return { error: new JailError('filter', `${file} has errors`, { diagnostics: resolved.diagnostics }) };
  }
  const compiled = compilePolicy(resolved, table, options.compileOptions ?? {});
  if (compiled.program === undefined || compiled.lowered === undefined) {
    return {
      error: new JailError('filter', `${file} does not compile for ${table.name}`, {
        diagnostics: [...resolved.diagnostics, ...compiled.diagnostics],
      }),
    };
  }
  return { program: compiled.program, policy: { resolved, lowered: compiled.lowered } };
}

interface SessionSettings {
  readonly mode: JailMode;
  /** The filter as given, before the mode's rewrite. */
  readonly filter: BpfProgram;
  readonly table: ArchTable;
  readonly kernelLog: KernelLog | undefined;
  /** The ptrace tracer (enforce mode), started but not yet attached. */
  readonly tracer: ChildProcess | undefined;
  readonly launcherScript: string;
  readonly launcherExecArgv: readonly string[];
  readonly options: JailOptions;
  /** The policy the filter was compiled from, for the report's advice. */
  readonly policy: JailPolicy | undefined;
}

/** Reads newline-delimited JSON from a stream. */
function onJsonLines(stream: Readable, handle: (message: unknown) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim() !== '') handle(JSON.parse(line));
      newline = pending.indexOf('\n');
    }
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One launch: tracks the launcher's messages, the supervisor and the exit. */
class Session {
  readonly result: Promise<JailResult>;
  private failure: JailError | undefined;
  private installing = false;
  private readonly calls: ObservedCall[] = [];
  private supervisor: ChildProcess | undefined;
  private supervisorClosed: Promise<void> = Promise.resolve();
  private readonly names: ReadonlyMap<number, string>;
  /** What the tracer saw: filter signals and deaths of SIGSYS, in order. */
  private readonly traced: TracerCall[] = [];
  private tracerClosed: Promise<void> = Promise.resolve();
  /** Why the tracer is not watching, when it is not. */
  private untracedReason: string | undefined;
  /** The control socket closed: the launcher exec'd the target (or died). */
  private controlDone = false;
  /** Set by the watchdog: the launcher died or stalled before the target's execve. */
  private launchFailure: string | undefined;
  private killedAfterThreadKill = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly logRecords: SeccompAuditRecord[] = [];

  constructor(
    private readonly child: ChildProcess,
    request: LaunchRequest,
    private readonly settings: SessionSettings,
  ) {
    this.names = new Map(Object.entries(settings.table.syscalls).map(([name, nr]) => [nr, name]));
    const control = child.stdio[3] as (Readable & Writable) | null | undefined;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('exit', (code, signal) => {
        resolve({ code, signal });
      });
    });
    const spawnError = new Promise<Error>((resolve) => {
      child.on('error', resolve);
    });
    const controlClosed = new Promise<void>((resolve) => {
      if (!control) {
        resolve();
        return;
      }
      control.on('close', () => {
        this.controlDone = true;
        if (settings.mode === 'enforce' && (settings.tracer === undefined || this.untracedReason !== undefined)) this.watchKernelLog();
        resolve();
      });
      control.on('error', () => {
        this.controlDone = true;
        resolve();
      });
    });
    this.watchTracer();
    if (control) {
      onJsonLines(control, (message) => {
        this.onLauncherMessage(message as LauncherMessage, control);
      });
      control.write(`${JSON.stringify(request)}\n`);
    }
    this.result = Promise.race([
      spawnError.then((error) => {
        throw new JailError('spawn', `cannot start the launcher: ${error.message}`);
      }),
      exited.then(async (exit) => {
        await controlClosed;
        return this.finish(exit.code, exit.signal);
      }),
    ]).finally(() => {
      for (const timer of this.timers) clearTimeout(timer);
      settings.kernelLog?.close();
      if (settings.tracer?.exitCode === null) settings.tracer.kill('SIGKILL');
    });
  }

  /** Collects the tracer's reports; a thread killed in the target starts the grace period. */
  private watchTracer(): void {
    const { tracer } = this.settings;
    if (!tracer?.stdout) {
      this.untracedReason = this.settings.mode === 'enforce' ? (this.settings.options.trace === false ? 'tracing is off' : 'the tracer did not start') : undefined;
      return;
    }
    this.tracerClosed = new Promise((resolve) => {
      tracer.on('close', () => {
        resolve();
      });
    });
    onJsonLines(tracer.stdout, (line) => {
      const message = line as TracerMessage;
      if (message.kind === 'sigsys' || message.kind === 'exit') {
        this.traced.push(message);
        if (message.launcher) {
          // The filter killed the launcher's thread before the target's execve: with kill-thread
          // Node's other threads would keep the process alive for ever.
          this.launchFailure ??= 'the filter killed the launcher';
          this.child.kill('SIGKILL');
        } else if (message.kind === 'exit' && message.pid === this.child.pid) {
          this.afterThreadKill();
        }
      }
    });
  }

  /** A thread of the target died of the filter: end the rest if it does not end by itself. */
  private afterThreadKill(): void {
    const grace = this.settings.options.threadKillGraceMs ?? 2000;
    if (!Number.isFinite(grace)) return;
    this.timers.push(
      setTimeout(() => {
        if (this.child.exitCode !== null || this.child.signalCode !== null) return;
        this.killedAfterThreadKill = true;
        this.child.kill('SIGKILL');
      }, grace),
    );
  }

  /** Releases the launcher once the tracer is attached (or has failed: the run goes on untraced). */
  private async attachTracer(control: Writable): Promise<void> {
    const { tracer } = this.settings;
    if (!tracer?.stdin || !tracer.stdout) {
      control.write(GO_LINE);
      return;
    }
    const stdout = tracer.stdout;
    const attached = new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => {
        resolve(`the tracer did not attach within ${SUPERVISOR_START_MS} ms`);
      }, SUPERVISOR_START_MS);
      const done = (reason: string | undefined): void => {
        clearTimeout(timer);
        resolve(reason);
      };
      tracer.on('exit', () => {
        done('the tracer exited before attaching');
      });
      onJsonLines(stdout, (line) => {
        const message = line as TracerMessage;
        if (message.kind === 'attached') done(undefined);
        else if (message.kind === 'error') done(`${message.message} (${errnoName(message.errno)})`);
      });
    });
    tracer.stdin.end('attach\n');
    this.untracedReason = await attached;
    if (this.untracedReason !== undefined && tracer.exitCode === null) tracer.kill('SIGKILL');
    control.write(GO_LINE);
  }

  /**
   * From the filter's install to the target's execve the launcher makes a handful of calls. If
   * its main thread dies there (a kill-thread at execve or at the first call of a filter for
   * another architecture, leaving Node's other threads alive) or it takes longer than the
   * launch timeout, kill it: the target never starts, and `finish` says which step failed.
   */
  private watchLaunch(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    const limit = this.settings.options.launchTimeoutMs ?? 10_000;
    const started = Date.now();
    const poll = (): void => {
      if (this.controlDone || this.child.exitCode !== null || this.child.signalCode !== null) return;
      if (mainThreadDeadOthersAlive(pid)) this.launchFailure ??= 'the launcher’s thread died before the target’s execve';
      else if (Date.now() - started > limit) this.launchFailure ??= `the launcher did not reach the target’s execve within ${limit} ms`;
      if (this.launchFailure !== undefined) {
        this.child.kill('SIGKILL');
        return;
      }
      this.timers.push(setTimeout(poll, LAUNCH_POLL_MS));
    };
    this.timers.push(setTimeout(poll, LAUNCH_POLL_MS));
  }

  private onLauncherMessage(message: LauncherMessage, control: Writable): void {
    if (message.kind === 'failed') {
      this.failure ??= new JailError(message.step, message.message, message.errno === 0 ? {} : { errno: errnoName(message.errno) });
      return;
    }
    if (message.kind === 'traceable') {
      void this.attachTracer(control);
      return;
    }
    this.installing = true;
    if (this.settings.mode === 'enforce') this.watchLaunch();
    else {
      this.attachSupervisor(control).catch((error: unknown) => {
        this.failure ??=
          error instanceof JailError ? error : new JailError('supervisor', error instanceof Error ? error.message : String(error));
        // Fail closed: the launcher waits for `go`, so it never reaches execve.
        this.child.kill('SIGKILL');
      });
    }
  }

  /** Takes the launcher's listener with pidfd_getfd and starts the supervisor on it. */
  private async attachSupervisor(control: Writable): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined) throw new JailError('supervisor', 'the launcher has no pid');
    const { table } = this.settings;
    const pidfdOpen = table.syscalls.pidfd_open;
    const pidfdGetfd = table.syscalls.pidfd_getfd;
    if (pidfdOpen === undefined || pidfdGetfd === undefined) {
      throw new JailError('supervisor', `the ${table.name} table has no pidfd_open/pidfd_getfd`);
    }
    let remoteFd: number | undefined;
    for (let attempt = 0; attempt < 2000 && remoteFd === undefined; attempt++) {
      remoteFd = findListenerFd(pid);
      if (remoteFd === undefined) {
        if (this.child.exitCode !== null || this.child.signalCode !== null || this.failure) return;
        await delay(2);
      }
    }
    if (remoteFd === undefined) throw new JailError('supervisor', 'the launcher created no notification listener');
    const c = libc();
    const pidfd = c.syscall3(pidfdOpen, pid, 0, 0);
    if (pidfd < 0) throw new JailError('supervisor', 'pidfd_open failed', { errno: errnoName(lastErrno()) });
    const localFd = c.syscall3(pidfdGetfd, pidfd, remoteFd, 0);
    const getfdErrno = lastErrno();
    c.close(pidfd);
    if (localFd < 0) throw new JailError('supervisor', 'pidfd_getfd failed', { errno: errnoName(getfdErrno) });
    let supervisor: ChildProcess;
    try {
      supervisor = spawn(
        process.execPath,
        [
          ...this.settings.launcherExecArgv,
          this.settings.launcherScript,
          'supervise',
          this.settings.launcherScript,
          String(pid),
          launcherThreads(pid).join(','),
        ],
        { stdio: ['ignore', 'pipe', 'inherit', localFd] },
      );
    } finally {
      closeSync(localFd);
    }
    this.supervisor = supervisor;
    this.supervisorClosed = new Promise((resolve) => {
      supervisor.on('close', () => {
        resolve();
      });
    });
    const ready = new Promise<void>((resolve, reject) => {
      supervisor.on('exit', () => {
        reject(new JailError('supervisor', 'the supervisor exited before it was ready'));
      });
      supervisor.on('error', reject);
      if (!supervisor.stdout) {
        reject(new JailError('supervisor', 'the supervisor has no stdout'));
        return;
      }
      // The launcher waits for `go` until the supervisor is up; never wait forever.
      const timer = setTimeout(() => {
        reject(new JailError('supervisor', `the supervisor did not start within ${SUPERVISOR_START_MS} ms`));
      }, SUPERVISOR_START_MS);
      onJsonLines(supervisor.stdout, (line) => {
        const message = line as SupervisorMessage;
        if (message.kind === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (message.kind === 'call') {
          this.record(message);
        } else {
          // The report would be incomplete: fail the run rather than under-report.
          this.failure ??= new JailError('supervisor', message.message, { errno: errnoName(message.errno) });
        }
      });
    });
    try {
      await ready;
    } catch (error) {
      supervisor.kill('SIGKILL');
      throw error;
    }
    control.write(GO_LINE);
    this.watchLaunch();
  }

  /** A syscall's name: from the run's table, or another architecture's for compat calls. */
  private nameOf(arch: number, nr: number): string | undefined {
    return arch === this.settings.table.auditArch ? this.names.get(nr) : syscallNameFor(arch, nr);
  }

  private record(message: SupervisorRecord): void {
    const name = this.nameOf(message.arch, message.nr);
    // The launcher's own calls between install and execve are not the target's, except the execve.
    if (message.launcher && name !== 'execve' && name !== 'execveat') return;
    const instructionPointer = BigInt(message.ip);
    const args = message.args.map((value) => BigInt(value));
    const emulated = emulate(
      this.settings.filter,
      { nr: message.nr, arch: message.arch, instructionPointer, args },
      { byteOrder: hostByteOrder(), recordPath: false },
    );
    this.calls.push({
      tid: message.tid,
      syscall: { nr: message.nr, name },
      arch: message.arch,
      instructionPointer,
      args,
      wouldBe: emulated.ok ? { action: emulated.action, data: emulated.data } : undefined,
    });
  }

  private async finish(code: number | null, signal: NodeJS.Signals | null): Promise<JailResult> {
    const { mode, kernelLog, tracer } = this.settings;
    if (this.supervisor) {
      // The supervisor exits when the listener hangs up (no task uses the filter any more).
      const timer = setTimeout(() => this.supervisor?.kill('SIGTERM'), 1000);
      await this.supervisorClosed;
      clearTimeout(timer);
    }
    if (tracer) {
      // A tracer still waiting to attach reads end of file and leaves; an attached one leaves when
      // no traced task is left, or is stopped if background children outlive the target.
      tracer.stdin?.end();
      const timer = setTimeout(() => tracer.kill('SIGKILL'), 1000);
      await this.tracerClosed;
      clearTimeout(timer);
    }
    if (this.failure) throw this.failure;
    if (!this.installing) {
      throw new JailError('spawn', `the launcher ended before installing the filter (${signal ?? `exit ${code}`})`);
    }
    // The tracer's first report is the cause: the launcher's, else the target's, else a child's.
    const traced = this.traced.find((call) => call.launcher) ?? this.traced.find((call) => call.pid === this.child.pid) ?? this.traced[0];
    let violation = traced === undefined ? undefined : this.violationFromTracer(traced);
    let violationUnknownReason: string | undefined;
    const died = signal === 'SIGSYS' || this.launchFailure !== undefined;
    if (violation === undefined && kernelLog) {
      // A SIGSYS death waits for its record; otherwise a kill-thread may still have left one.
      const found = await this.findViolation(kernelLog, died);
      violation = found.violation;
      if (died && violation === undefined) {
        const untraced = tracer === undefined || this.untracedReason !== undefined;
        violationUnknownReason = `${untraced ? `not traced: ${this.untracedReason ?? 'tracing is off'}` : 'the tracer saw no filter signal'}; ${found.reason ?? 'no kernel log record'}`;
      }
    }
    if (this.launchFailure !== undefined || violation?.beforeExec === true) {
      throw new JailError('exec', launchFailureMessage(this.launchFailure, violation), violation === undefined ? {} : { violation });
    }
    const signalNumber = signal === null ? 0 : (osSignals[signal] ?? 0);
    return {
      mode,
      exitCode: code,
      signal,
      status: code ?? 128 + signalNumber,
      monitor: mode !== 'enforce' ? 'user-notification' : tracer !== undefined && this.untracedReason === undefined ? 'ptrace' : 'kernel-log',
      violation,
      violationUnknownReason,
      calls: this.calls,
      killedAfterThreadKill: this.killedAfterThreadKill,
      ...(this.settings.policy === undefined ? {} : { policy: this.settings.policy }),
    };
  }

  /** A violation from what the tracer read in the stopped task. */
  private violationFromTracer(call: TracerCall): Violation {
    const arch = call.arch === 0 ? this.settings.table.auditArch : call.arch;
    const args = call.args.length === 6 ? call.args.map((value) => BigInt(value)) : undefined;
    const instructionPointer = call.ip === '' ? undefined : BigInt(call.ip);
    // The tracer saw a signal or a death, not the action: the filter itself says which.
    const emulated =
      call.nr < 0
        ? undefined
        : emulate(
            this.settings.filter,
            { nr: call.nr, arch, instructionPointer: instructionPointer ?? 0n, args: args ?? [0n, 0n, 0n, 0n, 0n, 0n] },
            { byteOrder: hostByteOrder(), recordPath: false },
          );
    const fallback = call.kind === 'sigsys' ? (SECCOMP_RET_TRAP | (call.data & 0xffff)) >>> 0 : SECCOMP_RET_KILL_PROCESS;
    const returnValue = emulated?.ok === true && emulated.action !== 'allow' ? emulated.returnValue : fallback;
    const name = call.nr < 0 ? undefined : this.nameOf(arch, call.nr);
    return {
      pid: call.pid,
      syscall: { nr: call.nr, name },
      arch,
      instructionPointer,
      returnValue,
      comm: call.comm === '' ? undefined : call.comm,
      exe: call.exe === '' ? undefined : call.exe,
      beforeExec: call.launcher,
      args,
      source: 'tracer',
    };
  }

  private async findViolation(kernelLog: KernelLog, wait: boolean): Promise<{ violation?: Violation; reason?: string }> {
    if (kernelLog.unavailableReason !== undefined) return { reason: kernelLog.unavailableReason };
    const deadline = Date.now() + (this.settings.options.kernelLogTimeoutMs ?? 2000);
    // The audit record reaches the log through kauditd, shortly after the kill.
    for (;;) {
      // The first kill is the cause; later records are other threads dying of the same filter.
      const record = this.killRecords(kernelLog)[0];
      if (record) return { violation: this.violationFrom(record) };
      if (!wait || Date.now() >= deadline) return { reason: 'no seccomp record for the process in the kernel log' };
      await delay(20);
    }
  }

  /** The kernel log's kill records of the target so far (kept: each read consumes the log). */
  private killRecords(kernelLog: KernelLog): readonly SeccompAuditRecord[] {
    const pid = this.child.pid;
    this.logRecords.push(...kernelLog.readSeccompRecords().filter((record) => record.pid === pid && isKill(record)));
    return this.logRecords;
  }

  /**
   * Untraced, a thread kill shows only in the kernel log: watch it while the target runs, so a
   * process left without a thread is ended too.
   */
  private watchKernelLog(): void {
    const { kernelLog } = this.settings;
    if (kernelLog === undefined || kernelLog.unavailableReason !== undefined) return;
    const poll = (): void => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return;
      if (this.killRecords(kernelLog).length > 0) {
        this.afterThreadKill();
        return;
      }
      this.timers.push(setTimeout(poll, KERNEL_LOG_POLL_MS));
    };
    poll();
  }

  private violationFrom(record: SeccompAuditRecord): Violation {
    const name = this.nameOf(record.arch, record.syscall);
    const node = realpathOrSelf(process.execPath);
    const launcherExe = record.exe !== undefined && realpathOrSelf(record.exe) === node;
    const target = this.targetPath();
    return {
      pid: record.pid,
      syscall: { nr: record.syscall, name },
      arch: record.arch,
      instructionPointer: record.instructionPointer,
      returnValue: record.code,
      comm: record.comm,
      exe: record.exe,
      beforeExec: launcherExe && (target !== node || name === 'execve' || name === 'execveat'),
      args: undefined,
      source: 'kernel-log',
    };
  }

  private targetPath(): string {
    const found = findExecutable(this.settings.options.command, this.settings.options.cwd ?? process.cwd(), (this.settings.options.env ?? process.env).PATH);
    return 'path' in found ? realpathOrSelf(found.path) : '';
  }
}

/** How long the supervisor (or the tracer) may take to start. */
const SUPERVISOR_START_MS = 30_000;

/** How often an untraced run reads the kernel log for a thread kill while the target runs. */
const KERNEL_LOG_POLL_MS = 250;

/** How often the launch watchdog looks at the launcher between install and exec. */
const LAUNCH_POLL_MS = 25;

/**
 * Whether a process's main thread is dead while other threads live on (a kill-thread of the
 * launcher's main thread). A target that exec'd and exited is dead as a whole, not this.
 */
function mainThreadDeadOthersAlive(pid: number): boolean {
  let stat: string;
  let tasks: string[];
  try {
    stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'latin1');
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return false;
  }
  // `pid (comm) S …`: the state follows the last parenthesis (comm may hold any byte).
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return (state === 'Z' || state === 'X' || state === 'x') && tasks.length > 1;
}

/** The message of a launch that ended before the target's execve. */
function launchFailureMessage(failure: string | undefined, violation: Violation | undefined): string {
  if (violation === undefined) return `${failure ?? 'the launcher died'}; the target did not start`;
  const name = violation.syscall.name ?? `syscall ${violation.syscall.nr}`;
  const fix =
    name === 'execve' || name === 'execveat'
      ? 'the policy must allow execve'
      : `the launcher's calls between the filter's install and execve must be allowed (${name} was not)`;
  return `the filter killed the launcher at ${name} before the target started: ${fix}`;
}

const osSignals: Readonly<Record<string, number>> = osConstants.signals;

function isKill(record: SeccompAuditRecord): boolean {
  const action = (record.code & SECCOMP_RET_ACTION_FULL) >>> 0;
  return action === SECCOMP_RET_KILL_PROCESS || action === SECCOMP_RET_KILL_THREAD;
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The launcher's threads other than its main one (it is idle, waiting for `go`). */
function launcherThreads(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`)
      .map(Number)
      .filter((tid) => tid !== pid);
  } catch {
    return [];
  }
}

/** The fd number of the launcher's seccomp notification listener, once it exists. */
function findListenerFd(pid: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${entry}`) === 'anon_inode:seccomp notify') return Number(entry);
    } catch {
      // The fd closed while we looked.
    }
  }
  return undefined;
}
