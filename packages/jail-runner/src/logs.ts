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
    summary:
      'An argument a learned rule conditions on is spelled with a name or form the table cannot turn into a number; the call is kept without its arguments, so its syscall is listed for review (not allowed for that call) and its rule may lack that value.',
  },
  SC5011: {
    name: 'audit-without-arguments',
    severity: 'warning',
    summary: 'Audit records carry no arguments: a syscall whose learned rule conditions on arguments is written as a comment, to be learned from a live run or an strace log.',
  },
  SC5012: { name: 'log-without-calls', severity: 'error', summary: 'The log holds no system call of this architecture, so there is nothing to learn from it.' },
  SC5013: { name: 'log-unfinished-call', severity: 'warning', summary: 'A call strace printed as unfinished never resumed in the log (cut short); its arguments before the cut are used.' },
  SC5014: {
    name: 'log-cut-line',
    severity: 'warning',
    summary: 'A strace line ends inside its call’s arguments (the line was truncated) without `<unfinished …>`: the last argument and those after it are unknown.',
  },
  SC5015: {
    name: 'log-resumed-without-start',
    severity: 'warning',
    summary: 'A `<… resumed>` line whose start is not in the log (it began mid-call): the arguments before the cut are unknown.',
  },
  SC5016: {
    name: 'merge-rule-in-include',
    severity: 'error',
    summary:
      'The rule a merge would widen is in a file the starting policy includes: widening it there widens every policy that includes it, and a second line in the policy is a redefinition libminijail rejects; nothing is written.',
  },
  SC5017: {
    name: 'merge-no-allowing-rule',
    severity: 'error',
    summary: 'The starting policy has rules for an observed syscall but none that allows it on a condition (it kills, traps or returns an errno): the merge does not override that; nothing is written.',
  },
  SC5018: {
    name: 'merge-shared-statement',
    severity: 'error',
    summary: 'The rule a merge would widen names several syscalls (`{a, b}: …`): widening it would widen the others too; nothing is written.',
  },
} as const);

/** One of the codes in {@link learnLogCodes}. */
export type LearnLogCode = keyof typeof learnLogCodes;

/** Builds a diagnostic of one of {@link learnLogCodes} (the merge uses it too). */
export const diagnostic: DiagnosticBuilder<LearnLogCode> = createDiagnosticBuilder(learnLogCodes);

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

/** How much of a call's line the log has. */
type Cut =
  /** The whole call, up to its closing parenthesis. */
  | 'none'
  /** `<unfinished …>` that never resumed: the arguments before the cut are whole. */
  | 'unfinished'
  /** A line that ends inside the arguments: the last one may be cut too. */
  | 'truncated'
  /** `<… resumed>` without its start: nothing before the cut is known. */
  | 'headless';

/**
 * The calls of a `strace -f` log, for the architecture of `table`: each call once (an
 * `<unfinished …>` line joined with its `<… resumed>` line), named by strace's name (or by its
 * number, with `-n`, when the name is not the table's), with the arguments a learned rule reads
 * turned into numbers. A `clone3` that failed with `ENOSYS` is left out: the program fell back to
 * `clone`, which the log shows, as in a live learn run.
 *
 * No call is lost without a word: a call whose name is not the table's is left out (SC5009); a
 * call of which an argument the rule conditions on (its learned rule's, or one `comparedArguments`
 * gives for it: what a starting policy's rules compare) cannot be read, or is cut off (SC5010,
 * SC5013–SC5015), is kept with no arguments (`args` empty, as an audit record), so the proposal
 * lists its syscall for review instead of allowing a value nobody saw.
 */
export function parseStraceLog(
  text: string,
  file: string,
  table: ArchTable,
  comparedArguments: (syscall: string) => readonly number[] = () => [],
): ParsedLog {
  const calls: ObservedCall[] = [];
  const diagnostics: Diagnostic[] = [];
  const pending = new Map<number, Pending>();
  const finish = (pid: number, call: Pending, rest: string, restColumn: number, cut: Cut): void => {
    const joined = call.argsText + rest;
    const split = splitArguments(joined);
    const after = joined.slice(split.end + 1);
    const nameRange = rangeOf(call.line, call.lineStart, call.column, call.name.length);
    let nr = lookupSyscall(table, call.name);
    let name: string | undefined = call.name;
    if (nr === undefined && call.nr !== undefined) {
      nr = call.nr;
      name = syscallName(table, call.nr);
    }
    if (nr === undefined || name === undefined) {
      diagnostics.push(diagnostic('SC5009', `\`${call.name}\` is not a ${table.name} syscall; the call is left out`, file, nameRange));
      return;
    }
    // `-X raw` writes the errno as a number.
    const enosys = lookupConstant(table, 'ENOSYS');
    if (name === 'clone3' && (/^\s*=\s*-1 ENOSYS\b/.test(after) || (enosys !== undefined && after.trimStart().startsWith(`= -1 (errno ${enosys})`)))) return;
    // The arguments the log has whole: none before a headless resumption, not the last of a cut line.
    const whole = cut === 'headless' ? [] : cut === 'truncated' ? split.args.slice(0, -1) : split.args;
    const keyed = whole.some((arg) => /^[a-z_]+=/.test(arg.text));
    // strace writes clone's arguments by name, in its own order: flags is the first argument.
    const argumentAt = (index: number): { readonly text: string; readonly at: number } | undefined => {
      const arg = keyed && name === 'clone' ? (index === 0 ? whole.find((candidate) => candidate.text.startsWith('flags=')) : undefined) : whole[index];
      // Nothing after the last comma before a cut: that argument is not in the log.
      return arg?.text === '' ? undefined : arg;
    };
    const args = [0n, 0n, 0n, 0n, 0n, 0n].map((zero, index) => (argumentAt(index) === undefined ? zero : (argumentValue(argumentAt(index)?.text ?? '', table) ?? zero)));
    const needed = [...new Set([...ruleArguments(name), ...comparedArguments(name)])].sort((a, b) => a - b);
    const missing = needed.find((index) => argumentAt(index) === undefined);
    const unreadable = needed.find((index) => argumentAt(index) !== undefined && argumentValue(argumentAt(index)?.text ?? '', table) === undefined);
    const kept = `the call is kept without its arguments, so ${name} is listed for review, not allowed for it`;
    if (cut !== 'none') {
      const what =
        cut === 'unfinished'
          ? `${name} never resumed in the log`
          : cut === 'truncated'
            ? `the line of ${name} ends inside its arguments`
            : `${name} resumed, but its start is not in the log`;
      const code = cut === 'unfinished' ? 'SC5013' : cut === 'truncated' ? 'SC5014' : 'SC5015';
      const consequence = missing === undefined ? 'the arguments before the cut are used' : `argument ${missing}, which its rule conditions on, is unknown: ${kept}`;
      diagnostics.push(diagnostic(code, `${what}; ${consequence}`, file, nameRange));
    }
    if (unreadable !== undefined) {
      const arg = argumentAt(unreadable);
      // Where the argument sits in the file: on the first line, or on the resumed one.
      const inFirst = arg === undefined || restColumn === 0 || arg.at < call.argsText.length;
      const column = arg === undefined ? call.column : inFirst ? call.column + call.name.length + 1 + arg.at : restColumn + arg.at - call.argsText.length;
      const where = inFirst ? rangeOf(call.line, call.lineStart, column, Math.max(1, arg?.text.length ?? call.name.length)) : rangeOf(call.line, call.lineStart, column, 1);
      diagnostics.push(diagnostic('SC5010', `argument ${unreadable} of ${name} (\`${arg?.text ?? ''}\`) is not a value the ${table.name} table can name; ${kept}`, file, where));
    }
    const known = missing === undefined && unreadable === undefined;
    calls.push({ tid: pid, syscall: { nr, name }, arch: table.auditArch, instructionPointer: 0n, args: known ? args : [], wouldBe: undefined });
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
      const name = resumed[1] ?? '';
      // On stderr, lines of a lone process have no pid (before its first child, after its last):
      // a call may start with a pid and resume without, or the other way round.
      const key = pending.get(pid)?.name === name ? pid : ([...pending].find(([, call]) => call.name === name)?.[0] ?? pid);
      const started = pending.get(key);
      const restColumn = prefixLength + resumed[0].length + 1;
      if (started?.name === name) {
        pending.delete(key);
        finish(pid, started, body.slice(resumed[0].length), restColumn, 'none');
        continue;
      }
      // The log began mid-call: the name is all there is of the part before the cut.
      const headless: Pending = { name, nr, argsText: '', line: line.number, lineStart: line.start, column: prefixLength + 6 };
      finish(pid, headless, body.slice(resumed[0].length), restColumn, 'headless');
      continue;
    }
    const call = CALL.exec(body);
    if (!call) {
      diagnostics.push(diagnostic('SC5008', 'not a system call strace writes; the line is left out', file, rangeOf(line.number, line.start, prefixLength + 1, Math.max(1, body.length))));
      continue;
    }
    const name = call[1] ?? '';
    const argsText = body.slice(call[0].length);
    const started: Pending = { name, nr, argsText: argsText.replace(UNFINISHED, ''), line: line.number, lineStart: line.start, column: prefixLength + 1 };
    if (UNFINISHED.test(argsText)) {
      // A second start on the same thread: the first never resumed.
      const before = pending.get(pid);
      if (before !== undefined) finish(pid, before, ')', 0, 'unfinished');
      pending.set(pid, started);
      continue;
    }
    finish(pid, started, '', 0, splitArguments(argsText).closed ? 'none' : 'truncated');
  }
  for (const [pid, call] of pending) finish(pid, call, ')', 0, 'unfinished');
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
 * (audit records, unreadable log lines) are judged with all-zero arguments, unless the policy's
 * rules for the syscall compare arguments (`comparedArguments`): then the decision is not known,
 * and the call is kept.
 */
export function undecidedCalls(
  calls: readonly ObservedCall[],
  filter: BpfProgram,
  comparedArguments: (syscall: string) => readonly number[] = () => [],
): ObservedCall[] {
  const kept: ObservedCall[] = [];
  for (const call of calls) {
    if (call.args.length === 0 && comparedArguments(call.syscall.name ?? '').length > 0) {
      kept.push(call);
      continue;
    }
    const args = [...call.args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6);
    const data = { nr: call.syscall.nr, arch: call.arch, instructionPointer: call.instructionPointer, args };
    const decision = emulate(filter, data, { byteOrder: hostByteOrder(), recordPath: false });
    if (decision.ok && (decision.action === 'allow' || decision.action === 'log' || decision.action === 'errno')) continue;
    kept.push({ ...call, wouldBe: decision.ok ? { action: decision.action, data: decision.data } : undefined });
  }
  return kept;
}
