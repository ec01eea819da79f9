/**
 * Parser of policy files and frequency files. It follows the decisions of Minijail's Python
 * compiler: the same grammar, the same checks in the same order, so each statement reports the
 * error Minijail would report first, at the same place. Unlike Minijail it does not stop at the
 * first error: a statement with an error is dropped and parsing resumes at the next statement.
 * Nothing here throws for any input.
 */
import type {
  Action,
  AndClause,
  Comparison,
  ComparisonOperator,
  ConstantRef,
  Filter,
  FilterStatement,
  FrequencyEntry,
  FrequencyFile,
  Metadata,
  MetadataEntry,
  NumberLiteral,
  OrExpression,
  PolicyFile,
  SimpleAction,
  Statement,
  StatementLayout,
  SyscallDescriptor,
  Token,
  ValueExpr,
} from './ast.js';
import { type ParserDiagnosticCode, parserDiagnosticCodes } from './codes.js';
import type { Diagnostic, SourceRange } from './diagnostic.js';
import { groupLines, isTrivia, lexLine, type LineGroup } from './lexer.js';
import { type PhysicalLine, splitLines } from './source.js';

const maxUnsigned64 = (1n << 64n) - 1n;
/**
 * Deepest parenthesis nesting accepted. Minijail's recursive parser runs into Python's recursion
 * limit (1000 frames, about three per level) at a few hundred levels; we stop earlier than the
 * JavaScript stack would.
 */
const maxParenthesisDepth = 200;
const minSigned64 = -(1n << 63n);

/** An error found in one statement; caught per statement, never escapes the module. */
class StatementError {
  constructor(
    readonly code: ParserDiagnosticCode,
    readonly message: string,
    readonly range: SourceRange,
    readonly suggestion?: string,
    /** Other places in the same file worth showing. */
    readonly related?: readonly { readonly message: string; readonly range: SourceRange }[],
  ) {}
}

function spanning(first: { readonly range: SourceRange }, last: { readonly range: SourceRange }): SourceRange {
  return { start: first.range.start, end: last.range.end };
}

/** Value of `text[start, end)` in `radix` when it has few enough digits for a double. */
function smallMagnitude(text: string, start: number, end: number, radix: number): number {
  let value = 0;
  for (let offset = start; offset < end; offset++) {
    const code = text.charCodeAt(offset);
    value = value * radix + (code <= 57 ? code - 48 : (code | 32) - 87);
  }
  return value;
}

/** Decodes a number token the way Minijail's value parser does (C `strtol` base rules). */
function numberLiteral(token: Token): NumberLiteral | StatementError {
  const text = token.text;
  const negative = text.charCodeAt(0) === 45;
  let start = negative ? 1 : 0;
  let radix: 8 | 10 | 16 = 10;
  // The lexer already checked the digits: hex is `0x` + hex digits, octal is `0` + octal digits
  // (at least one), anything else is decimal (`08` included).
  if (text.charCodeAt(start) === 48 && text.length > start + 1) {
    const second = text.charCodeAt(start + 1) | 32;
    if (second === 120) {
      radix = 16;
      start += 2;
    } else if (second >= 48 && second <= 55) {
      let octal = true;
      for (let offset = start + 1; offset < text.length; offset++) {
        const code = text.charCodeAt(offset);
        if (code < 48 || code > 55) octal = false;
      }
      if (octal) {
        radix = 8;
        start += 1;
      }
    }
  }
  // Leading zeros do not change the value; a long literal is out of range without computing it
  // (which also keeps huge literals from costing quadratic time).
  while (start < text.length - 1 && text.charCodeAt(start) === 48) start++;
  const digits = text.length - start;
  let magnitude: bigint | undefined;
  if (digits <= (radix === 16 ? 13 : radix === 8 ? 17 : 15)) {
    magnitude = BigInt(smallMagnitude(text, start, text.length, radix));
  } else if (digits <= (radix === 16 ? 17 : radix === 8 ? 23 : 21)) {
    const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : '';
    magnitude = BigInt(prefix + text.slice(start));
  }
  if (!negative && (magnitude === undefined || magnitude > maxUnsigned64)) {
    return new StatementError('SC1020', `unsigned overflow: ${abbreviate(text)} is larger than 2^64-1`, token.range);
  }
  if (negative && (magnitude === undefined || -magnitude < minSigned64)) {
    return new StatementError('SC1021', `signed underflow: ${abbreviate(text)} is smaller than -2^63`, token.range);
  }
  const value = negative ? -(magnitude ?? 0n) : (magnitude ?? 0n);
  return { kind: 'number', value, text, radix, range: token.range };
}

/** Shortens `text` for a message and spells out invisible characters (`\u{feff}`). */
function abbreviate(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 20)}…${text.slice(-10)}` : text;
  return short.replace(/[\p{C}\p{Z}]/gu, (char) => (char === ' ' ? char : `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`));
}

const permissiveDefaults = new Set(['allow', 'trace', 'log']);
const defaultActionHint = 'the default action must be one of kill, kill-process, kill-thread, trap, user-notify';

/** Recursive-descent parser over the significant tokens of one statement. */
class StatementParser {
  private index = 0;
  private depth = 0;

  constructor(
    private readonly tokens: readonly Token[],
    /** Where errors without a token point: just after the end of the statement's last line. */
    private readonly endOfLine: SourceRange,
  ) {}

  private fail(
    code: ParserDiagnosticCode,
    token?: Token,
    detail?: string,
    suggestion?: string,
    related?: readonly { readonly message: string; readonly range: SourceRange }[],
  ): never {
    const title: string = parserDiagnosticCodes[code].title;
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- internal control flow, caught per statement
    throw new StatementError(code, detail ? `${title}: ${detail}` : title, token ? token.range : this.endOfLine, suggestion, related);
  }

  /** Reports an unclosed `opening`, pointing also at where its closing character was expected. */
  private unclosed(code: ParserDiagnosticCode, opening: Token, closing: string): never {
    const found = this.peek();
    const where = found ? `expected \`${closing}\` instead of \`${abbreviate(found.text)}\`` : `expected \`${closing}\` before the end of the statement`;
    return this.fail(code, opening, undefined, undefined, [{ message: where, range: found ? found.range : this.endOfLine }]);
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private take(): Token {
    const token = this.tokens[this.index];
    if (token === undefined) return this.fail('SC1012');
    this.index++;
    return token;
  }

  private atEnd(): boolean {
    return this.index >= this.tokens.length;
  }

  private nextIs(kind: Token['kind']): boolean {
    return this.tokens[this.index]?.kind === kind;
  }

  /** Reports leftover tokens as `extra tokens`. */
  expectEnd(): void {
    const token = this.peek();
    if (token) this.fail('SC1012', token);
  }

  /** Tokens left after the statement (frequency files ignore them). */
  rest(): readonly Token[] {
    return this.tokens.slice(this.index);
  }

  statement(layout: StatementLayout): Statement {
    const first = this.take();
    switch (first.kind) {
      case 'include':
      case 'frequency': {
        const isInclude = first.kind === 'include';
        if (this.atEnd()) this.fail(isInclude ? 'SC1022' : 'SC1024');
        const path = this.take();
        if (path.kind !== 'path') {
          this.fail(isInclude ? 'SC1023' : 'SC1025', path, undefined, 'paths must start with `/` or `./`');
        }
        this.expectEnd();
        return withLayout({ kind: first.kind, path: path.text, pathRange: path.range, range: spanning(first, path) }, layout);
      }
      case 'default': {
        if (this.atEnd()) this.fail('SC1026', undefined, undefined, defaultActionHint);
        const token = this.take();
        if (token.kind !== 'action') this.fail('SC1027', token, undefined, defaultActionHint);
        if (permissiveDefaults.has(token.text)) this.fail('SC1028', token, undefined, defaultActionHint);
        this.expectEnd();
        const action = simpleAction(token);
        return withLayout({ kind: 'default', action, range: spanning(first, token) }, layout);
      }
      case 'denylist':
        this.expectEnd();
        return withLayout({ kind: 'denylist', range: first.range }, layout);
      default: {
        this.index--;
        const statement = this.filterStatement(layout);
        this.expectEnd();
        return statement;
      }
    }
  }

  private filterStatement(layout: StatementLayout): FilterStatement {
    const first = this.tokens[this.index] as Token;
    const descriptorsBraced = this.nextIs('lbrace');
    const descriptors: SyscallDescriptor[] = descriptorsBraced ? this.bracedList(() => this.descriptor()) : [this.descriptor()];
    const colon = this.colon();
    const { filters, braced } = this.filterList();
    const last = this.tokens[this.index - 1] as Token;
    return withLayout(
      {
        kind: 'filter-statement',
        descriptors,
        descriptorsBraced,
        colonRange: colon.range,
        filters,
        filtersBraced: braced,
        range: spanning(first, last),
      },
      layout,
    );
  }

  private colon(): Token {
    const token = this.peek();
    if (token === undefined) this.fail('SC1002');
    if (token.kind !== 'colon') this.fail('SC1003', token, `expected \`:\` after the syscall, found \`${abbreviate(token.text)}\``);
    this.index++;
    return token;
  }

  descriptor(): SyscallDescriptor {
    const token = this.take();
    if (token.kind !== 'identifier' && token.text !== 'kill') this.fail('SC1029', token);
    let metadata: Metadata | undefined;
    if (this.nextIs('lbracket')) metadata = this.metadata();
    let name = token.text;
    let group: string | undefined;
    const at = name.indexOf('@');
    if (at >= 0) {
      if (name.indexOf('@', at + 1) >= 0) this.fail('SC1030', token, undefined, 'a group is written `name@namespace`');
      group = name.slice(at + 1);
      name = name.slice(0, at);
    }
    const range = metadata ? { start: token.range.start, end: metadata.range.end } : token.range;
    const descriptor: Mutable<SyscallDescriptor> = { kind: 'descriptor', name, text: token.text, range };
    if (group !== undefined) descriptor.group = group;
    if (metadata !== undefined) descriptor.metadata = metadata;
    return descriptor;
  }

  private metadata(): Metadata {
    const opening = this.take();
    const entries: MetadataEntry[] = [];
    const seen = new Map<string, SourceRange>();
    while (!this.atEnd()) {
      const keyToken = this.tokens[this.index] as Token;
      const entry = this.metadataEntry();
      const earlier = seen.get(entry.key);
      if (earlier) this.fail('SC1037', keyToken, `"${entry.key}"`, 'give each key once, with all its values: `arch=x86_64,arm`', [{ message: 'first given here', range: earlier }]);
      seen.set(entry.key, entry.keyRange);
      entries.push(entry);
      if (!this.nextIs('semicolon')) break;
      this.index++;
    }
    if (!this.nextIs('rbracket')) this.unclosed('SC1036', opening, ']');
    const closing = this.take();
    return { kind: 'metadata', entries, range: spanning(opening, closing) };
  }

  private metadataEntry(): MetadataEntry {
    const key = this.take();
    if (key.kind !== 'identifier') this.fail('SC1031', key);
    const equal = this.peek();
    if (equal === undefined) this.fail('SC1032');
    if (equal.kind !== 'equal') this.fail('SC1033', equal);
    this.index++;
    const values: { value: string; range: SourceRange }[] = [];
    let last = equal;
    for (;;) {
      if (this.atEnd()) this.fail('SC1035');
      const value = this.take();
      if (value.kind !== 'identifier') this.fail('SC1034', value);
      values.push({ value: value.text, range: value.range });
      last = value;
      if (!this.nextIs('comma')) break;
      this.index++;
    }
    return { key: key.text, keyRange: key.range, values, range: spanning(key, last) };
  }

  private filterList(): { filters: Filter[]; braced: boolean } {
    if (this.atEnd()) this.fail('SC1004');
    if (!this.nextIs('lbrace')) return { filters: [this.singleFilter()], braced: false };
    return { filters: this.bracedList(() => this.singleFilter()), braced: true };
  }

  /** `{ item, item, … }` from its opening brace (the next token); a missing `}` is SC1007. */
  private bracedList<T>(item: () => T): T[] {
    const opening = this.take();
    const items: T[] = [];
    while (!this.atEnd()) {
      items.push(item());
      if (!this.nextIs('comma')) break;
      this.index++;
    }
    if (!this.nextIs('rbrace')) this.unclosed('SC1007', opening, '}');
    this.index++;
    return items;
  }

  private singleFilter(): Filter {
    const first = this.peek();
    if (first === undefined) this.fail('SC1004');
    if (first.kind !== 'argument') {
      const action = this.action();
      return { kind: 'filter', action, actionImplicit: false, range: action.range };
    }
    const condition = this.orExpression();
    if (this.nextIs('semicolon')) {
      this.index++;
      const action = this.action();
      return { kind: 'filter', condition, action, actionImplicit: false, range: { start: condition.range.start, end: action.range.end } };
    }
    const action: SimpleAction = { kind: 'action', action: 'allow', text: '', range: { start: condition.range.end, end: condition.range.end } };
    return { kind: 'filter', condition, action, actionImplicit: true, range: condition.range };
  }

  private action(): Action {
    if (this.atEnd()) this.fail('SC1006');
    const token = this.take();
    if (token.kind === 'action') return simpleAction(token);
    if (token.kind === 'number') {
      const literal = this.literal(token);
      if (literal.value === 1n) return { kind: 'action', action: 'allow', text: token.text, range: token.range };
    } else if (token.kind === 'return') {
      if (this.atEnd()) this.fail('SC1008');
      const value = this.singleConstant(this.take());
      return { kind: 'return', value, range: { start: token.range.start, end: value.range.end } };
    }
    return this.fail('SC1005', token, undefined, 'an action is one of allow, kill, kill-process, kill-thread, trap, trace, log, user-notify or `return ERRNO`');
  }

  private literal(token: Token): NumberLiteral {
    const result = numberLiteral(token);
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- internal control flow, caught per statement
    if (result instanceof StatementError) throw result;
    return result;
  }

  private singleConstant(token: Token): NumberLiteral | ConstantRef {
    if (token.kind === 'identifier') return { kind: 'constant', name: token.text, range: token.range };
    if (token.kind === 'number') return this.literal(token);
    return this.fail('SC1009', token, `expected a number or a constant name, found \`${abbreviate(token.text)}\``);
  }

  private constant(): ValueExpr {
    const first = this.tokens[this.index] as Token;
    let complemented = false;
    if (first.kind === 'tilde') {
      complemented = true;
      this.index++;
      const next = this.peek();
      if (next === undefined) this.fail('SC1014');
      if (next.kind === 'tilde') this.fail('SC1013', next);
    }
    let operand: ValueExpr;
    const token = this.take();
    if (token.kind === 'lparen') {
      if (++this.depth > maxParenthesisDepth) this.fail('SC1042', token, `parentheses nested more than ${maxParenthesisDepth} deep`);
      const expression = this.value();
      this.depth--;
      if (!this.nextIs('rparen')) this.unclosed('SC1011', token, ')');
      const closing = this.take();
      operand = { kind: 'paren', expression, range: spanning(token, closing) };
    } else {
      operand = this.singleConstant(token);
    }
    if (!complemented) return operand;
    return { kind: 'complement', operand, range: { start: first.range.start, end: operand.range.end } };
  }

  /**
   * One or more items separated by `separator` tokens (`a | b`, `a && b`, `a || b`); `emptyCode`
   * when the statement ends where an item must start.
   */
  private separated<T>(emptyCode: ParserDiagnosticCode, item: () => T, separator: Token['kind']): [T, ...T[]] {
    const items: T[] = [];
    for (;;) {
      if (this.atEnd()) this.fail(emptyCode);
      items.push(item());
      if (!this.nextIs(separator)) break;
      this.index++;
    }
    return items as [T, ...T[]];
  }

  private value(): ValueExpr {
    const operands = this.separated('SC1010', () => this.constant(), 'bitwise-or');
    if (operands.length === 1) return operands[0];
    return { kind: 'bit-or', operands, range: spanning(operands[0], operands[operands.length - 1] as ValueExpr) };
  }

  private comparison(): Comparison {
    const argument = this.take();
    if (argument.kind !== 'argument') this.fail('SC1015', argument, undefined, 'an argument is written arg0 … arg5');
    const operator = this.peek();
    if (operator === undefined) this.fail('SC1017');
    if (operator.kind !== 'operator') {
      this.fail('SC1016', operator, undefined, 'operators are ==, !=, <, <=, >, >=, & and in');
    }
    this.index++;
    const value = this.value();
    const argIndex = Number.parseInt(argument.text.slice(3), 10);
    if (!(argIndex >= 0 && argIndex <= 6)) {
      this.fail('SC1015', argument, `${argument.text} is out of range`, 'syscalls take at most 6 arguments, arg0 … arg5');
    }
    return {
      kind: 'comparison',
      argIndex,
      argRange: argument.range,
      operator: operator.text as ComparisonOperator,
      operatorRange: operator.range,
      value,
      range: { start: argument.range.start, end: value.range.end },
    };
  }

  private clause(): AndClause {
    const atoms = this.separated('SC1019', () => this.comparison(), 'and');
    return { kind: 'and', atoms, range: spanning(atoms[0], atoms[atoms.length - 1] as Comparison) };
  }

  private orExpression(): OrExpression {
    const clauses = this.separated('SC1018', () => this.clause(), 'or');
    return { kind: 'or', clauses, range: spanning(clauses[0], clauses[clauses.length - 1] as AndClause) };
  }

  /** `descriptor : count` of a frequency file. */
  frequencyEntry(): FrequencyEntry {
    const descriptor = this.descriptor();
    this.colon();
    if (this.atEnd()) this.fail('SC1038');
    const token = this.take();
    if (token.kind !== 'number') this.fail('SC1039', token, `expected a count, found \`${abbreviate(token.text)}\``);
    const count = frequencyCount(token);
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- internal control flow, caught per statement
    if (count instanceof StatementError) throw count;
    return {
      kind: 'frequency-entry',
      descriptor,
      count,
      countRange: token.range,
      range: { start: descriptor.range.start, end: token.range.end },
    };
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Adds the layout fields to a statement (no object spread: this runs once per statement). */
function withLayout<T extends object>(statement: T, layout: StatementLayout): T & StatementLayout {
  const full = statement as T & Mutable<StatementLayout>;
  full.tokens = layout.tokens;
  full.firstLine = layout.firstLine;
  full.lastLine = layout.lastLine;
  if (layout.trailingComment) full.trailingComment = layout.trailingComment;
  return full;
}

function simpleAction(token: Token): SimpleAction {
  return { kind: 'action', action: token.text as SimpleAction['action'], text: token.text, range: token.range };
}

/**
 * Decodes a frequency count. Minijail reads it with Python's base-0 integer rules, under which
 * decimals with leading zeros (`010`) are not numbers; negatives are rejected explicitly.
 */
function frequencyCount(token: Token): bigint | StatementError {
  const text = token.text;
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  const isHex = digits.length > 2 && (digits[1] === 'x' || digits[1] === 'X');
  if (!isHex && digits.length > 1 && digits.startsWith('0') && !/^0+$/.test(digits)) {
    return new StatementError('SC1039', `invalid number: \`${abbreviate(text)}\` has a leading zero`, token.range, 'write counts in decimal without leading zeros, or in hex');
  }
  const significant = (isHex ? digits.slice(2) : digits).replace(/^0+/, '');
  if (significant.length > (isHex ? 16 : 20)) {
    return new StatementError('SC1020', `unsigned overflow: count ${abbreviate(text)} is larger than 2^64-1`, token.range);
  }
  const magnitude = significant === '' ? 0n : BigInt((isHex ? '0x' : '') + significant);
  if (magnitude > maxUnsigned64) {
    return new StatementError('SC1020', `unsigned overflow: count ${abbreviate(text)} is larger than 2^64-1`, token.range);
  }
  if (negative && magnitude !== 0n) {
    return new StatementError('SC1039', `invalid number: counts cannot be negative`, token.range);
  }
  return magnitude;
}

/** Lexed statement: its layout plus the tokens that carry syntax. */
interface LexedStatement {
  readonly layout: StatementLayout;
  readonly significant: readonly Token[];
  readonly invalid: Token | undefined;
  readonly group: LineGroup;
  readonly endOfLine: SourceRange;
}

/**
 * The statements of a text one at a time: each is parsed before the next is lexed, so the
 * lexer's working objects (significant-token lists, line groups) of a large file never all live
 * at once, and peak memory stays proportional to the parsed result.
 */
function* lexStatements(text: string, comments: SourceRange[]): Generator<LexedStatement> {
  const lines = splitLines(text);
  for (const group of groupLines(text, lines)) {
    const tokens: Token[] = [];
    for (const line of group.lines) lexLine(text, line, tokens);
    const significant: Token[] = [];
    let invalid: Token | undefined;
    let trailingComment: SourceRange | undefined;
    for (const token of tokens) {
      if (token.kind === 'comment') {
        comments.push(token.range);
        trailingComment = token.range;
      } else if (!isTrivia(token.kind)) {
        if (token.kind === 'invalid') invalid ??= token;
        significant.push(token);
      }
    }
    if (significant.length === 0) continue;
    const lastLine = group.lines[group.lines.length - 1] as PhysicalLine;
    const firstLine = group.lines[0] as PhysicalLine;
    // Only a comment on the last line, after the statement's last token, trails it.
    const lastSignificant = significant[significant.length - 1] as Token;
    if (trailingComment && (trailingComment.start.line !== lastLine.number || trailingComment.start.offset < lastSignificant.range.end.offset)) {
      trailingComment = undefined;
    }
    const endPosition = { line: lastLine.number, column: lastLine.end - lastLine.start + 1, offset: lastLine.end };
    // A copy of exactly the tokens' length: the array grown by push has spare capacity, which a
    // file of many short statements would keep for every one of them.
    const layout: Mutable<StatementLayout> = { tokens: tokens.slice(), firstLine: firstLine.number, lastLine: lastLine.number };
    if (trailingComment) layout.trailingComment = trailingComment;
    yield { layout, significant, group, endOfLine: { start: endPosition, end: endPosition }, invalid };
  }
}

function toDiagnostic(error: StatementError, file: string): Diagnostic {
  const info = parserDiagnosticCodes[error.code];
  return {
    code: error.code,
    severity: info.severity,
    message: error.message,
    file,
    range: error.range,
    ...(error.related ? { related: error.related.map((related) => ({ message: related.message, file, range: related.range })) } : {}),
    ...(error.suggestion ? { suggestion: error.suggestion } : {}),
  };
}

/** Likely intentions behind common invalid tokens. */
const invalidTokenHints: readonly (readonly [RegExp, string])[] = [
  [/^\uFEFF/, 'the file starts with a byte order mark, which Minijail rejects; save it as UTF-8 without BOM'],
  [/^\\$/, 'a line continuation `\\` must be the last character of its line (no spaces after it)'],
  [/^!$/, 'negation is not supported; compare with `!=`, or use `in` with a complemented mask'],
  [/^\.\.?$/, 'relative paths must start with `./`; `../` is not accepted'],
];

/** Checks shared by both file kinds; returns a diagnostic when the statement cannot be parsed. */
function precheck(statement: LexedStatement, file: string): Diagnostic | undefined {
  const invalid = statement.invalid;
  if (invalid) {
    const hint = invalidTokenHints.find(([pattern]) => pattern.test(invalid.text))?.[1];
    return toDiagnostic(new StatementError('SC1001', `invalid token \`${abbreviate(invalid.text)}\``, invalid.range, hint), file);
  }
  if (statement.group.unterminated) {
    const lastToken = statement.layout.tokens[statement.layout.tokens.length - 1] as Token;
    return toDiagnostic(
      new StatementError(
        'SC1040',
        'continuation at end of file: Minijail ignores a statement that the file ends in the middle of',
        lastToken.range,
        'remove the trailing backslash',
      ),
      file,
    );
  }
  return undefined;
}

function runStatement<T>(statement: LexedStatement, file: string, diagnostics: Diagnostic[], body: (parser: StatementParser) => T): T | undefined {
  const parser = new StatementParser(statement.significant, statement.endOfLine);
  try {
    return body(parser);
  } catch (error) {
    if (error instanceof StatementError) {
      diagnostics.push(toDiagnostic(error, file));
      return undefined;
    }
    // Only stack exhaustion can get here (the nesting limit should prevent it); it must not escape.
    diagnostics.push({
      code: 'SC1042',
      severity: 'error',
      message: `recursion limit exceeded: ${error instanceof Error ? error.message : 'unknown error'}`,
      file,
      range: { start: statement.significant[0]?.range.start ?? statement.endOfLine.start, end: statement.endOfLine.end },
    });
    return undefined;
  }
}

/**
 * Parses a policy file (the Python compiler's dialect). Never throws: problems are returned as
 * diagnostics, one per faulty statement, and faulty statements are left out of `statements`.
 *
 * @param text - the file's contents
 * @param file - the file name to put in diagnostics, as the caller wants it shown
 */
export function parsePolicy(text: string, file: string): PolicyFile {
  const comments: SourceRange[] = [];
  const diagnostics: Diagnostic[] = [];
  const statements: Statement[] = [];
  for (const lexed of lexStatements(text, comments)) {
    const problem = precheck(lexed, file);
    if (problem) {
      diagnostics.push(problem);
      continue;
    }
    const statement = runStatement(lexed, file, diagnostics, (parser) => parser.statement(lexed.layout));
    if (statement) statements.push(statement);
  }
  return { kind: 'policy-file', file, text, statements, comments, diagnostics };
}

/**
 * Parses a `.frequency` file: lines `descriptor : count`. Never throws. Tokens after the count
 * are ignored by Minijail; they are reported as a warning.
 *
 * @param text - the file's contents
 * @param file - the file name to put in diagnostics
 */
export function parseFrequencyFile(text: string, file: string): FrequencyFile {
  const diagnostics: Diagnostic[] = [];
  const entries: FrequencyEntry[] = [];
  for (const lexed of lexStatements(text, [])) {
    const problem = precheck(lexed, file);
    if (problem) {
      diagnostics.push(problem);
      continue;
    }
    const entry = runStatement(lexed, file, diagnostics, (parser) => {
      const parsed = parser.frequencyEntry();
      const rest = parser.rest();
      const first = rest[0];
      const last = rest[rest.length - 1];
      if (first && last) {
        diagnostics.push(
          toDiagnostic(new StatementError('SC1041', 'ignored extra tokens: Minijail reads nothing after the count', spanning(first, last), 'remove them'), file),
        );
      }
      return parsed;
    });
    if (entry) entries.push(entry);
  }
  return { kind: 'frequency-file', file, text, entries, diagnostics };
}
