/**
 * Seccomp audit records from the kernel log (`/dev/kmsg`). The kernel logs `type=1326`
 * (AUDIT_SECCOMP) for every KILL action (and for LOG actions), with the pid, the syscall
 * number and arch, but not the arguments. Reading `/dev/kmsg` needs root (or
 * `kernel.dmesg_restrict=0`); when it is unreadable reports say the syscall is unknown.
 */
import { closeSync, constants as fsConstants, openSync, readSync } from 'node:fs';

/** One `type=1326` record. */
export interface SeccompAuditRecord {
  /** Process id of the calling task (`pid=`). */
  readonly pid: number;
  /** The task's command name (`comm=`, unquoted); `undefined` when the record has none. */
  readonly comm: string | undefined;
  /** Path of the executable (`exe=`, unquoted); `undefined` when the record has none. */
  readonly exe: string | undefined;
  /** Signal the action delivers (`sig=`; 31 = SIGSYS for kill actions, 0 for log); 0 when absent. */
  readonly signal: number;
  /** `AUDIT_ARCH_*` value. */
  readonly arch: number;
  /** The syscall number (`syscall=`), in the numbering of {@link SeccompAuditRecord.arch}. */
  readonly syscall: number;
  /** The caller's instruction pointer at the call (`ip=`); `undefined` when the record has none. */
  readonly instructionPointer: bigint | undefined;
  /** The filter's return value (`code=`). */
  readonly code: number;
}

const AUDIT_SECCOMP = 1326;

/**
 * Parses one kernel log message (`type=1326`) or `audit.log` line (`type=SECCOMP`); `undefined`
 * unless it is a seccomp audit record. Never throws.
 */
export function parseSeccompAuditRecord(message: string): SeccompAuditRecord | undefined {
  if (!message.includes(`type=${AUDIT_SECCOMP} `) && !/(^|\s)type=SECCOMP\s/.test(message)) return undefined;
  const fields = new Map<string, string>();
  for (const match of message.matchAll(/([a-z_]+)=("[^"]*"|\S+)/g)) {
    const [, key, raw] = match;
    if (key === undefined || raw === undefined || fields.has(key)) continue;
    fields.set(key, raw.startsWith('"') ? raw.slice(1, -1) : raw);
  }
  const pid = Number(fields.get('pid'));
  const syscall = Number(fields.get('syscall'));
  const arch = Number.parseInt(fields.get('arch') ?? '', 16);
  if (!Number.isInteger(pid) || !Number.isInteger(syscall) || Number.isNaN(arch)) return undefined;
  const ip = fields.get('ip');
  if (ip !== undefined && !/^(0x[0-9a-f]+|\d+)$/i.test(ip)) return undefined;
  return {
    pid,
    comm: fields.get('comm'),
    exe: fields.get('exe'),
    signal: Number(fields.get('sig') ?? 0),
    arch,
    syscall,
    instructionPointer: ip === undefined ? undefined : BigInt(ip),
    code: Number(fields.get('code') ?? 0) >>> 0,
  };
}

/** A reader positioned at the end of the kernel log when opened; reads only newer records. */
export class KernelLog {
  private readonly fd: number | undefined;
  /** Why the log cannot be read, when it cannot. */
  readonly unavailableReason: string | undefined;
  private readonly buffer = Buffer.alloc(8192);

  private constructor(fd: number | undefined, reason: string | undefined) {
    this.fd = fd;
    this.unavailableReason = reason;
  }

  /** Opens `/dev/kmsg` and skips what is already there. Never throws. */
  static open(): KernelLog {
    let fd: number;
    try {
      fd = openSync('/dev/kmsg', fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch (error) {
      return new KernelLog(undefined, `cannot read /dev/kmsg (${errorCode(error)})`);
    }
    const log = new KernelLog(fd, undefined);
    log.readMessages();
    return log;
  }

  /** Messages logged since the last read. */
  readMessages(): string[] {
    const messages: string[] = [];
    if (this.fd === undefined) return messages;
    for (;;) {
      let count: number;
      try {
        count = readSync(this.fd, this.buffer, 0, this.buffer.length, null);
      } catch (error) {
        // EPIPE: records were overwritten before we read them; the next read goes on.
        if (errorCode(error) === 'EPIPE') continue;
        return messages;
      }
      if (count <= 0) return messages;
      const record = this.buffer.toString('utf8', 0, count);
      const semicolon = record.indexOf(';');
      messages.push(record.slice(semicolon + 1).split('\n')[0] ?? '');
    }
  }

  /** Seccomp records logged since the last read. */
  readSeccompRecords(): SeccompAuditRecord[] {
    const records: SeccompAuditRecord[] = [];
    for (const message of this.readMessages()) {
      const record = parseSeccompAuditRecord(message);
      if (record) records.push(record);
    }
    return records;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
  }
}

function errorCode(error: unknown): string {
  return error instanceof Error && 'code' in error ? String(error.code) : 'error';
}
