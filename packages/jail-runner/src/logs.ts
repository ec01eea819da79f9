/**
 * Recorded runs as learn input: `strace -f` logs (numbers with `-X raw -e raw=all`, or strace's
 * decoded spelling: `openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC)`) and kernel audit
 * records of type SECCOMP (what a filter's `log` action writes). Bad input never throws: every
 * line that cannot be read is a diagnostic with a stable code, the file, the line and the column,
 * and the line is left out.
 */
import { type ArchTable, lookupConstant, lookupSyscall, syscallName } from '@syscage/arch-tables';
import { type BpfProgram, emulate } from '@syscage/bpf-codegen';
import { type Diagnostic, type DiagnosticBuilder, type SourceRange, createDiagnosticBuilder, defineCodes } from '@syscage/policy-parser';
import { hostByteOrder } from './host.js';
import { parseSeccompAuditRecord } from './kernel-log.js';
import { ruleArguments } from './learn.js';
import type { ObservedCall } from './run.js';
import { syscallNameFor } from './tables.js';

/** Codes of problems in learn's recorded inputs (SC5xxx, after the runner's steps). */
export const learnLogCodes = defineCodes({
  SC5008: { name: 'log-unreadable-line', severity: 'warning', summary: 'A line of a strace log is neither a system call nor a line strace writes about processes and signals; it is left out.' },
  SC5009: { name: 'log-unknown-syscall', severity: 'warning', summary: 'A logged system call has a name or number the architecture table does not know; it is left out.' },
  SC5010: {
    name: 'log-unreadable-argument',
    severity: 'warning',
    summary: 'An argument a learned rule conditions on is spelled with a name or form the table cannot turn into a number; the call is left out, so its rule may lack that value.',
  },
  SC5011: {
    name: 'audit-without-arguments',
    severity: 'warning',
    summary: 'Audit records carry no arguments: a syscall whose learned rule conditions on arguments is written as a comment, to be learned from a live run or an strace log.',
  },
  SC5012: { name: 'log-without-calls', severity: 'error', summary: 'The log holds no system call of this architecture, so there is nothing to learn from it.' },
  SC5013: { name: 'log-unfinished-call', severity: 'warning', summary: 'A call strace printed as unfinished never resumed in the log (cut short); its arguments before the cut are used.' },
} as const);

/** One of the codes in {@link learnLogCodes}. */
export type LearnLogCode = keyof typeof learnLogCodes;

const diagnostic: DiagnosticBuilder<LearnLogCode> = createDiagnosticBuilder(learnLogCodes);

/** The calls a log records, and what could not be read. */
export interface ParsedLog {
  /**
   * The calls in log order. Arguments a learned rule does not read (strings, structures) are 0;
   * audit records have no arguments at all (`args` is empty).
   */
  readonly calls: readonly ObservedCall[];
  /** Problems, each with its code, file, line and column. */
  readonly diagnostics: readonly Diagnostic[];
}

/** A range on one line (1-based line and column; `lineStart` is the line's offset in the text). */
function rangeOf(line: number, lineStart: number, column: number, length: number): SourceRange {
  return {
    start: { line, column, offset: lineStart + column - 1 },
    end: { line, column: column + length, offset: lineStart + column - 1 + length },
  };
}

/** The text's lines with their 1-based numbers and start offsets (`\n` or `\r\n` ends). */
function* linesOf(text: string): Generator<{ readonly number: number; readonly start: number; readonly text: string }> {
  let start = 0;
  let number = 1;
  while (start <= text.length) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    const line = text.slice(start, stop).replace(/\r$/, '');
    if (end !== -1 || line !== '') yield { number, start, text: line };
    if (end === -1) break;
    start = end + 1;
    number++;
  }
}

/**
 * The arguments between a call's parentheses, split at top-level commas: strings (with escapes),
 * `[…]`, `{…}` and `(…)` stay whole. Stops at the `)` closing the call; `closed` says whether it
 * was found.
 */
function splitArguments(text: string): { readonly args: { readonly text: string; readonly at: number }[]; readonly closed: boolean; readonly end: number } {
  const args: { text: string; at: number }[] = [];
  let depth = 0;
  let start = 0;
  let index = 0;
  const push = (stop: number): void => {
    const raw = text.slice(start, stop);
    const lead = raw.length - raw.trimStart().length;
    if (raw.trim() !== '' || args.length > 0) args.push({ text: raw.trim(), at: start + lead });
  };
  while (index < text.length) {
    const char = text[index];
    if (char === '"') {
      index++;
      while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
    } else if (char === '(' || char === '[' || char === '{') {
      depth++;
    } else if (char === ')' || char === ']' || char === '}') {
      if (depth === 0 && char === ')') {
        push(index);
        return { args, closed: true, end: index };
      }
      depth = Math.max(0, depth - 1);
    } else if (char === ',' && depth === 0) {
      push(index);
      start = index + 1;
    }
    index++;
  }
  push(text.length);
  return { args, closed: false, end: text.length };
}

/**
 * The number strace wrote for an argument: decimal, negative (two's complement in the word),
 * hex, octal (`0644`), `NULL`, a constant name of the table, names and numbers joined with `|`,
 * `A or B` (strace's ambiguous ioctl names: the first the table knows), `_IOC(dir, type, nr,
 * size)`, `key=value` (clone's `flags=`); a trailing `/* … *\/` comment is ignored. `undefined`
 * when some part is none of these.
 */
export function argumentValue(text: string, table: ArchTable): bigint | undefined {
  const mask = table.bits === 32 ? 0xffffffffn : 0xffffffffffffffffn;
  const value = text
    .replace(/\/\*.*?\*\//g, '')
    .replace(/^[a-z_]+=/, '')
    .trim();
  if (value.includes(' or ')) {
    for (const alternative of value.split(' or ')) {
      const found = argumentValue(alternative, table);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const ioc = /^_IOC\(([^,]+),\s*([^,]+),\s*([^,]+),\s*([^,)]+)\)$/.exec(value);
  if (ioc) {
    const direction = (ioc[1] ?? '').split('|').reduce<bigint | undefined>((bits, part) => {
      const named: Record<string, bigint> = { _IOC_NONE: 0n, _IOC_WRITE: 1n, _IOC_READ: 2n };
      const bit = Object.hasOwn(named, part.trim()) ? named[part.trim()] : undefined;
      return bits === undefined || bit === undefined ? undefined : bits | bit;
    }, 0n);
    const [type, nr, size] = [ioc[2], ioc[3], ioc[4]].map((part) => argumentValue(part ?? '', table));
    if (direction === undefined || type === undefined || nr === undefined || size === undefined) return undefined;
    return ((direction << 30n) | (size << 16n) | (type << 8n) | nr) & mask;
  }
  let result = 0n;
  for (const part of value.split('|')) {
    const piece = part.trim();
    let bits: bigint | undefined;
    if (/^-?\d+$/.test(piece) && !/^-?0\d/.test(piece)) bits = BigInt(piece);
    else if (/^0[0-7]+$/.test(piece)) bits = BigInt(`0o${piece.slice(1)}`);
    else if (/^0x[0-9a-f]+$/i.test(piece)) bits = BigInt(piece);
    else if (piece === 'NULL') bits = 0n;
    else if (/^[A-Za-z_]\w*$/.test(piece)) bits = lookupConstant(table, piece);
    if (bits === undefined) return undefined;
    result |= bits & mask;
  }
  return result & mask;
}

/** Lines strace writes that are not calls: exits, signals, its own messages, personality changes. */
const NOT_A_CALL = /^(\+\+\+ .* \+\+\+|--- .* ---|\[ Process PID=\d+ runs in .* \]|strace: .*|Process \d+ (attached|detached).*|.*\) += \? <unavailable>)$/;
/** The prefix of a line: `PID ` (`-f -o`) or `[pid PID] ` (`-f` on stderr), time stamps (`-t`, `-tt`, `-ttt`, `-r`), then `[ NR] ` (`-n`). */
const PREFIX = /^(?:(\d+)\s+|\[pid\s+(\d+)\]\s+)?(?:\d+(?::\d+:\d+)?(?:\.\d+)?\s+)?(?:\[\s*(\d+)\]\s+)?/;
const CALL = /^([a-z_][a-z0-9_]*)\(/;
const RESUMED = /^<\.\.\. ([a-z_][a-z0-9_]*) resumed>/;
const UNFINISHED = / <unfinished \.\.\.>$/;
const ATTACHED = /strace: Process \d+ attached$/;

interface Pending {
  readonly name: string;
  readonly nr: number | undefined;
  readonly argsText: string;
  readonly line: number;
  readonly lineStart: number;
  readonly column: number;
}

/**
 * The calls of a `strace -f` log, for the architecture of `table`: each call once (an
 * `<unfinished …>` line joined with its `<… resumed>` line), named by strace's name (or by its
 * number, with `-n`, when the name is not the table's), with the arguments a learned rule reads
 * turned into numbers. A `clone3` that failed with `ENOSYS` is left out: the program fell back to
 * `clone`, which the log shows, as in a live learn run.
 */
export function parseStraceLog(text: string, file: string, table: ArchTable): ParsedLog {
  const calls: ObservedCall[] = [];
  const diagnostics: Diagnostic[] = [];
  const pending = new Map<number, Pending>();
  const finish = (pid: number, call: Pending, rest: string, restColumn: number): void => {
    const joined = call.argsText + rest;
    const split = splitArguments(joined);
    const after = joined.slice(split.end + 1);
    let nr = lookupSyscall(table, call.name);
    let name: string | undefined = call.name;
    if (nr === undefined && call.nr !== undefined) {
      nr = call.nr;
      name = syscallName(table, call.nr);
    }
    if (nr === undefined || name === undefined) {
      diagnostics.push(
        diagnostic('SC5009', `\`${call.name}\` is not a ${table.name} syscall`, file, rangeOf(call.line, call.lineStart, call.column, call.name.length)),
      );
      return;
    }
    // `-X raw` writes the errno as a number.
    const enosys = lookupConstant(table, 'ENOSYS');
    if (name === 'clone3' && (/^\s*=\s*-1 ENOSYS\b/.test(after) || (enosys !== undefined && after.trimStart().startsWith(`= -1 (errno ${enosys})`)))) return;
    const args = [0n, 0n, 0n, 0n, 0n, 0n];
    const keyed = split.args.some((arg) => /^[a-z_]+=/.test(arg.text));
    for (const [index, arg] of split.args.entries()) {
      if (index < 6) args[index] = argumentValue(arg.text, table) ?? 0n;
    }
    // strace writes clone's arguments by name, in its own order: flags is the first argument.
    if (keyed && name === 'clone') {
      const flags = split.args.find((arg) => arg.text.startsWith('flags='));
      args.fill(0n);
      args[0] = flags === undefined ? 0n : (argumentValue(flags.text, table) ?? 0n);
    }
    for (const index of ruleArguments(name)) {
      const arg = keyed && name === 'clone' ? split.args.find((candidate) => candidate.text.startsWith('flags=')) : split.args[index];
      if (arg !== undefined && argumentValue(arg.text, table) !== undefined) continue;
      // Where the argument sits in the file: on the first line, or on the resumed one.
      const inFirst = arg === undefined || restColumn === 0 || arg.at < call.argsText.length;
      const column = arg === undefined ? call.column : inFirst ? call.column + call.name.length + 1 + arg.at : restColumn + arg.at - call.argsText.length;
      const where = inFirst ? rangeOf(call.line, call.lineStart, column, Math.max(1, arg?.text.length ?? call.name.length)) : rangeOf(call.line, call.lineStart, column, 1);
      diagnostics.push(
        diagnostic('SC5010', `argument ${index} of ${name} (\`${arg?.text ?? ''}\`) is not a value the ${table.name} table can name`, file, where),
      );
      return;
    }
    calls.push({ tid: pid, syscall: { nr, name }, arch: table.auditArch, instructionPointer: 0n, args, wouldBe: undefined });
  };
  const lines = [...linesOf(text)];
  for (const [index, line] of lines.entries()) {
    const prefix = PREFIX.exec(line.text);
    const prefixLength = prefix?.[0].length ?? 0;
    const pid = Number(prefix?.[1] ?? prefix?.[2] ?? 0);
    const nr = prefix?.[3] === undefined ? undefined : Number(prefix[3]);
    let body = line.text.slice(prefixLength);
    // On stderr, strace's "Process N attached" can cut a call's line; " <unfinished ...>" follows.
    const attached = ATTACHED.exec(body);
    if (attached && attached.index > 0) {
      body = body.slice(0, attached.index);
      if (lines[index + 1]?.text.trim() === '<unfinished ...>') body += ' <unfinished ...>';
    }
    if (body.trim() === '' || body.trim() === '<unfinished ...>' || NOT_A_CALL.test(body)) continue;
    const resumed = RESUMED.exec(body);
    if (resumed) {
      // On stderr, lines of a lone process have no pid (before its first child, after its last):
      // a call may start with a pid and resume without, or the other way round.
      const key = pending.has(pid) ? pid : [...pending].find(([, call]) => call.name === resumed[1])?.[0] ?? pid;
      const started = pending.get(key);
      pending.delete(key);
      // A resumption without its start (the log began mid-call) has no name to go by: skip it.
      if (started === undefined || started.name !== resumed[1]) continue;
      finish(pid, started, body.slice(resumed[0].length), prefixLength + resumed[0].length + 1);
      continue;
    }
    const call = CALL.exec(body);
    if (!call) {
      diagnostics.push(diagnostic('SC5008', 'not a system call strace writes', file, rangeOf(line.number, line.start, prefixLength + 1, Math.max(1, body.length))));
      continue;
    }
    const name = call[1] ?? '';
    const argsText = body.slice(call[0].length);
    const started: Pending = { name, nr, argsText: argsText.replace(UNFINISHED, ''), line: line.number, lineStart: line.start, column: prefixLength + 1 };
    if (UNFINISHED.test(argsText)) {
      pending.set(pid, started);
      continue;
    }
    finish(pid, started, '', 0);
  }
  for (const call of pending.values()) {
    diagnostics.push(diagnostic('SC5013', `${call.name} never resumed in the log`, file, rangeOf(call.line, call.lineStart, call.column, call.name.length)));
  }
  for (const [pid, call] of pending) finish(pid, call, ')', 0);
  if (calls.length === 0) diagnostics.push(diagnostic('SC5012', `no ${table.name} system call in the log`, file));
  return { calls, diagnostics };
}

/**
 * The calls of a kernel audit log: every SECCOMP record (`type=1326` in the kernel log,
 * `type=SECCOMP` in `audit.log`) of the architecture of `table`, without arguments (the records
 * have none). Other records are skipped.
 */
export function parseAuditLog(text: string, file: string, table: ArchTable): ParsedLog {
  const calls: ObservedCall[] = [];
  const diagnostics: Diagnostic[] = [];
  // The first record of each syscall whose rule needs arguments the records lack.
  const withoutArguments = new Map<string, SourceRange>();
  for (const line of linesOf(text)) {
    const record = parseSeccompAuditRecord(line.text);
    if (record === undefined) continue;
    const name = record.arch === table.auditArch ? syscallName(table, record.syscall) : syscallNameFor(record.arch, record.syscall);
    if (record.arch !== table.auditArch || name === undefined) {
      const at = line.text.indexOf('syscall=');
      diagnostics.push(
        diagnostic(
          'SC5009',
          `syscall ${record.syscall} of audit arch 0x${record.arch.toString(16)} is not a ${table.name} syscall${name === undefined ? '' : ` (${name} of another architecture)`}`,
          file,
          rangeOf(line.number, line.start, at + 1, Math.max(1, `syscall=${record.syscall}`.length)),
        ),
      );
      continue;
    }
    if (ruleArguments(name).length > 0 && !withoutArguments.has(name)) {
      const at = line.text.indexOf('syscall=');
      withoutArguments.set(name, rangeOf(line.number, line.start, at + 1, Math.max(1, `syscall=${record.syscall}`.length)));
    }
    calls.push({
      tid: record.pid,
      syscall: { nr: record.syscall, name },
      arch: record.arch,
      instructionPointer: record.instructionPointer ?? 0n,
      args: [],
      wouldBe: undefined,
    });
  }
  for (const [name, range] of withoutArguments) {
    diagnostics.push(diagnostic('SC5011', `${name} is logged, but its rule conditions on arguments the audit records do not have; it is written as a comment`, file, range));
  }
  if (calls.length === 0) diagnostics.push(diagnostic('SC5012', `no ${table.name} SECCOMP record in the log`, file));
  return { calls, diagnostics };
}

/**
 * The calls `filter` does not decide itself (in learn mode's sense: an allow, a log or an errno
 * return decides), each with what the filter would do (`wouldBe`). Calls without arguments
 * (audit records) are judged with all-zero arguments.
 */
export function undecidedCalls(calls: readonly ObservedCall[], filter: BpfProgram): ObservedCall[] {
  const kept: ObservedCall[] = [];
  for (const call of calls) {
    const args = [...call.args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6);
    const data = { nr: call.syscall.nr, arch: call.arch, instructionPointer: call.instructionPointer, args };
    const decision = emulate(filter, data, { byteOrder: hostByteOrder(), recordPath: false });
    if (decision.ok && (decision.action === 'allow' || decision.action === 'log' || decision.action === 'errno')) continue;
    kept.push({ ...call, wouldBe: decision.ok ? { action: decision.action, data: decision.data } : undefined });
  }
  return kept;
}
