/**
 * AST of the Minijail policy language (the Python compiler's dialect, which is a superset of the
 * C runtime parser's). Every node carries its exact source range. Statements also keep their raw
 * tokens and line layout so later passes can tell what Minijail's C parser would reject.
 */
import type { Diagnostic, SourceRange } from './diagnostic.js';

/** Kinds of raw token, named after Minijail's lexer categories. */
export type TokenKind =
  | 'comment'
  | 'whitespace'
  | 'continuation'
  | 'default'
  | 'include'
  | 'frequency'
  | 'denylist'
  | 'path'
  | 'number'
  | 'colon'
  | 'semicolon'
  | 'comma'
  | 'tilde'
  | 'lparen'
  | 'rparen'
  | 'lbrace'
  | 'rbrace'
  | 'lbracket'
  | 'rbracket'
  | 'or'
  | 'and'
  | 'bitwise-or'
  | 'operator'
  | 'equal'
  | 'argument'
  | 'return'
  | 'action'
  | 'identifier'
  | 'invalid';

/** One lexed token with its text and range (whitespace and comments included). */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly range: SourceRange;
}

/** Comparison operators of an argument test. */
export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | '&' | 'in';

/** Action words; `kill` means "the compiler's configured kill action". */
export type ActionWord =
  | 'allow'
  | 'kill'
  | 'kill-process'
  | 'kill-thread'
  | 'trap'
  | 'trace'
  | 'log'
  | 'user-notify';

/** A numeric literal, kept as written (`value` is signed: `-1` is `-1n`). */
export interface NumberLiteral {
  readonly kind: 'number';
  readonly value: bigint;
  readonly text: string;
  readonly radix: 8 | 10 | 16;
  readonly range: SourceRange;
}

/** A named constant such as `O_RDONLY`; resolved to a number per architecture later. */
export interface ConstantRef {
  readonly kind: 'constant';
  readonly name: string;
  readonly range: SourceRange;
}

/** `~operand`: complement within the architecture's word size. */
export interface ComplementExpr {
  readonly kind: 'complement';
  readonly operand: ValueExpr;
  readonly range: SourceRange;
}

/** `a | b | c`: bitwise OR of two or more operands. */
export interface BitOrExpr {
  readonly kind: 'bit-or';
  readonly operands: readonly ValueExpr[];
  readonly range: SourceRange;
}

/** `( expression )`. */
export interface ParenExpr {
  readonly kind: 'paren';
  readonly expression: ValueExpr;
  readonly range: SourceRange;
}

/** A value on the right of a comparison. */
export type ValueExpr = NumberLiteral | ConstantRef | ComplementExpr | BitOrExpr | ParenExpr;

/** `argN OP value`. */
export interface Comparison {
  readonly kind: 'comparison';
  /** N of `argN` (0..6 accepted by the parser; lowering rejects 6 as the kernel does). */
  readonly argIndex: number;
  readonly argRange: SourceRange;
  readonly operator: ComparisonOperator;
  readonly operatorRange: SourceRange;
  readonly value: ValueExpr;
  readonly range: SourceRange;
}

/** `atom && atom && …`. */
export interface AndClause {
  readonly kind: 'and';
  readonly atoms: readonly Comparison[];
  readonly range: SourceRange;
}

/** `clause || clause || …` (disjunctive normal form, as Minijail defines it). */
export interface OrExpression {
  readonly kind: 'or';
  readonly clauses: readonly AndClause[];
  readonly range: SourceRange;
}

/** A simple action word, or the numeric allow `1`. */
export interface SimpleAction {
  readonly kind: 'action';
  readonly action: ActionWord;
  /** The text as written (`allow`, `1`, `kill`, …). */
  readonly text: string;
  readonly range: SourceRange;
}

/** `return N`: fail the syscall with errno N (masked to 16 bits by the compiler). */
export interface ReturnAction {
  readonly kind: 'return';
  readonly value: NumberLiteral | ConstantRef;
  readonly range: SourceRange;
}

/** What a filter does when it matches. */
export type Action = SimpleAction | ReturnAction;

/** One filter: an optional condition and its action. */
export interface Filter {
  readonly kind: 'filter';
  /** The condition; absent for an unconditional filter such as `allow`. */
  readonly condition?: OrExpression;
  readonly action: Action;
  /** True when the action was not written (`arg0 == 1` alone means allow). */
  readonly actionImplicit: boolean;
  readonly range: SourceRange;
}

/** One `key=value,value` entry of `[...]` metadata. */
export interface MetadataEntry {
  readonly key: string;
  readonly keyRange: SourceRange;
  readonly values: readonly { readonly value: string; readonly range: SourceRange }[];
  readonly range: SourceRange;
}

/** `[arch=x86_64,arm; other=...]`. */
export interface Metadata {
  readonly kind: 'metadata';
  readonly entries: readonly MetadataEntry[];
  readonly range: SourceRange;
}

/** A syscall name or `name@group`, with optional metadata. */
export interface SyscallDescriptor {
  readonly kind: 'descriptor';
  /** The syscall name, or for `name@group` the part before `@`. */
  readonly name: string;
  /** For `name@group`, the group namespace after `@`. */
  readonly group?: string;
  /** The full text as written, e.g. `io@libc`. */
  readonly text: string;
  readonly metadata?: Metadata;
  readonly range: SourceRange;
}

/** Raw layout facts shared by every statement, for dialect checks. */
export interface StatementLayout {
  /** Tokens of the statement in order, whitespace, comments and continuations included. */
  readonly tokens: readonly Token[];
  /** Physical lines the statement spans (1-based, inclusive). */
  readonly firstLine: number;
  readonly lastLine: number;
  /** The trailing `# …` comment on the statement's last line, if any. */
  readonly trailingComment?: SourceRange;
}

/** `@include PATH`. */
export interface IncludeStatement extends StatementLayout {
  readonly kind: 'include';
  readonly path: string;
  readonly pathRange: SourceRange;
  readonly range: SourceRange;
}

/** `@frequency PATH`. */
export interface FrequencyStatement extends StatementLayout {
  readonly kind: 'frequency';
  readonly path: string;
  readonly pathRange: SourceRange;
  readonly range: SourceRange;
}

/** `@default ACTION`. */
export interface DefaultStatement extends StatementLayout {
  readonly kind: 'default';
  readonly action: Action;
  readonly range: SourceRange;
}

/** `@denylist`. */
export interface DenylistStatement extends StatementLayout {
  readonly kind: 'denylist';
  readonly range: SourceRange;
}

/** `descriptor(s) : filter(s)`. */
export interface FilterStatement extends StatementLayout {
  readonly kind: 'filter-statement';
  readonly descriptors: readonly SyscallDescriptor[];
  /** True for `{a, b}: …`. */
  readonly descriptorsBraced: boolean;
  readonly colonRange: SourceRange;
  readonly filters: readonly Filter[];
  /** True for `…: {f1, f2}`. */
  readonly filtersBraced: boolean;
  readonly range: SourceRange;
}

/** Any statement of a policy file. */
export type Statement =
  | IncludeStatement
  | FrequencyStatement
  | DefaultStatement
  | DenylistStatement
  | FilterStatement;

/** A parsed policy file. Statements with errors are left out; their diagnostics are kept. */
export interface PolicyFile {
  readonly kind: 'policy-file';
  readonly file: string;
  readonly text: string;
  readonly statements: readonly Statement[];
  /** Every comment in the file, whole-line and trailing. */
  readonly comments: readonly SourceRange[];
  readonly diagnostics: readonly Diagnostic[];
}

/** One `descriptor : count` line of a frequency file. */
export interface FrequencyEntry {
  readonly kind: 'frequency-entry';
  readonly descriptor: SyscallDescriptor;
  readonly count: bigint;
  readonly countRange: SourceRange;
  readonly range: SourceRange;
}

/** A parsed `.frequency` file. */
export interface FrequencyFile {
  readonly kind: 'frequency-file';
  readonly file: string;
  readonly text: string;
  readonly entries: readonly FrequencyEntry[];
  readonly diagnostics: readonly Diagnostic[];
}
