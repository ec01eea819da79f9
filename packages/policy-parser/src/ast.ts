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
  /** What kind of token this is. */
  readonly kind: TokenKind;
  /** The exact source text of the token. */
  readonly text: string;
  /** Where the token is; tokens never span lines. */
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
  /** Discriminant: always `number`. */
  readonly kind: 'number';
  /** The value as written, signed (`-1` is `-1n`); lowering applies two's complement per word size. */
  readonly value: bigint;
  /** The text as written in the source. */
  readonly text: string;
  /** The base it was written in: `0x…` is 16, `0` followed by octal digits is 8, anything else 10 (so `08` is decimal). */
  readonly radix: 8 | 10 | 16;
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** A named constant such as `O_RDONLY`; resolved to a number per architecture later. */
export interface ConstantRef {
  /** Discriminant: always `constant`. */
  readonly kind: 'constant';
  /** The constant's name, e.g. `O_RDONLY`; unknown names are reported by lowering. */
  readonly name: string;
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** `~operand`: complement within the architecture's word size. */
export interface ComplementExpr {
  /** Discriminant: always `complement`. */
  readonly kind: 'complement';
  /** The complemented value (a literal, a constant or a parenthesised expression). */
  readonly operand: ValueExpr;
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** `a | b | c`: bitwise OR of two or more operands. */
export interface BitOrExpr {
  /** Discriminant: always `bit-or`. */
  readonly kind: 'bit-or';
  /** The ORed values, in source order (at least two). */
  readonly operands: readonly ValueExpr[];
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** `( expression )`. */
export interface ParenExpr {
  /** Discriminant: always `paren`. */
  readonly kind: 'paren';
  /** The value inside the parentheses. */
  readonly expression: ValueExpr;
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** A value on the right of a comparison. */
export type ValueExpr = NumberLiteral | ConstantRef | ComplementExpr | BitOrExpr | ParenExpr;

/** `argN OP value`. */
export interface Comparison {
  /** Discriminant: always `comparison`. */
  readonly kind: 'comparison';
  /** N of `argN` (0..6 accepted by the parser; lowering rejects 6 as the kernel does). */
  readonly argIndex: number;
  /** Where `argN` is. */
  readonly argRange: SourceRange;
  /** The comparison; `&` is true when any bit is shared, `in` when the argument has no bit outside the mask. */
  readonly operator: ComparisonOperator;
  /** Where the operator is. */
  readonly operatorRange: SourceRange;
  /** The value compared against. */
  readonly value: ValueExpr;
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** `atom && atom && …`. */
export interface AndClause {
  /** Discriminant: always `and`. */
  readonly kind: 'and';
  /** The comparisons that must all hold (at least one). */
  readonly atoms: readonly Comparison[];
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** `clause || clause || …` (disjunctive normal form, as Minijail defines it). */
export interface OrExpression {
  /** Discriminant: always `or`. */
  readonly kind: 'or';
  /** The clauses of which one must hold (at least one). */
  readonly clauses: readonly AndClause[];
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** A simple action word, or the numeric allow `1`. */
export interface SimpleAction {
  /** Discriminant: always `action`. */
  readonly kind: 'action';
  /** Which action; `1` is `allow`. */
  readonly action: ActionWord;
  /** The text as written (`allow`, `1`, `kill`, …). */
  readonly text: string;
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** `return N`: fail the syscall with errno N (the compiler accepts 1..4095, the kernel's MAX_ERRNO). */
export interface ReturnAction {
  /** Discriminant: always `return`. */
  readonly kind: 'return';
  /** The errno, a literal or a named constant such as `EPERM`. */
  readonly value: NumberLiteral | ConstantRef;
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** What a filter does when it matches. */
export type Action = SimpleAction | ReturnAction;

/** One filter: an optional condition and its action. */
export interface Filter {
  /** Discriminant: always `filter`. */
  readonly kind: 'filter';
  /** The condition; absent for an unconditional filter such as `allow`. */
  readonly condition?: OrExpression;
  /** What happens when the condition holds (or always, without a condition). */
  readonly action: Action;
  /** True when the action was not written (`arg0 == 1` alone means allow). */
  readonly actionImplicit: boolean;
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** One `key=value,value` entry of `[...]` metadata. */
export interface MetadataEntry {
  /** The key; only `arch` is interpreted, by the include resolver. */
  readonly key: string;
  /** Where the key is. */
  readonly keyRange: SourceRange;
  /** The comma-separated values, in source order. */
  readonly values: readonly { readonly value: string; readonly range: SourceRange }[];
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** `[arch=x86_64,arm; other=...]`. */
export interface Metadata {
  /** Discriminant: always `metadata`. */
  readonly kind: 'metadata';
  /** The `key=values` entries, in source order. */
  readonly entries: readonly MetadataEntry[];
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** A syscall name or `name@group`, with optional metadata. */
export interface SyscallDescriptor {
  /** Discriminant: always `descriptor`. */
  readonly kind: 'descriptor';
  /** The syscall name, or for `name@group` the part before `@`. */
  readonly name: string;
  /** For `name@group`, the group namespace after `@`. */
  readonly group?: string;
  /** The full text as written, e.g. `io@libc`. */
  readonly text: string;
  /** The `[...]` metadata that follows the name, if any. */
  readonly metadata?: Metadata;
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** Raw layout facts shared by every statement, for dialect checks. */
export interface StatementLayout {
  /** Tokens of the statement in order, whitespace, comments and continuations included. */
  readonly tokens: readonly Token[];
  /** First physical line of the statement (1-based); a statement continued with `\` spans several. */
  readonly firstLine: number;
  /** Last physical line of the statement (1-based). */
  readonly lastLine: number;
  /** The trailing `# …` comment on the statement's last line, if any. */
  readonly trailingComment?: SourceRange;
}

/** `@include PATH`. */
export interface IncludeStatement extends StatementLayout {
  /** Discriminant: always `include`. */
  readonly kind: 'include';
  /** The path as written (`/abs/x` or `./rel/x`); resolved by the include resolver. */
  readonly path: string;
  /** Where the path is. */
  readonly pathRange: SourceRange;
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** `@frequency PATH`. */
export interface FrequencyStatement extends StatementLayout {
  /** Discriminant: always `frequency`. */
  readonly kind: 'frequency';
  /** The path as written (`/abs/x` or `./rel/x`); resolved by the include resolver. */
  readonly path: string;
  /** Where the path is. */
  readonly pathRange: SourceRange;
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** `@default ACTION`. */
export interface DefaultStatement extends StatementLayout {
  /** Discriminant: always `default`. */
  readonly kind: 'default';
  /** The default action: `kill`, `kill-process`, `kill-thread`, `trap` or `user-notify`. */
  readonly action: Action;
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** `@denylist`. */
export interface DenylistStatement extends StatementLayout {
  /** Discriminant: always `denylist`. */
  readonly kind: 'denylist';
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** `descriptor(s) : filter(s)`. */
export interface FilterStatement extends StatementLayout {
  /** Discriminant: always `filter-statement`. */
  readonly kind: 'filter-statement';
  /** The syscalls (or groups) the filters apply to, in source order. */
  readonly descriptors: readonly SyscallDescriptor[];
  /** True for `{a, b}: …`. */
  readonly descriptorsBraced: boolean;
  /** Where the `:` is; Minijail reports duplicate-rule conflicts here. */
  readonly colonRange: SourceRange;
  /** The filters, evaluated in order; the first that matches decides. */
  readonly filters: readonly Filter[];
  /** True for `…: {f1, f2}`. */
  readonly filtersBraced: boolean;
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** Any statement of a policy file. */
export type Statement =
  | IncludeStatement
  | FrequencyStatement
  | DefaultStatement
  | DenylistStatement
  | FilterStatement;

/** What every parsed file has: its kind, its name and text, and the problems found in it. */
export interface ParsedFile<Kind extends string> {
  /** Discriminant: `policy-file` or `frequency-file`. */
  readonly kind: Kind;
  /** The file name given to the parser. */
  readonly file: string;
  /** The source text that was parsed. */
  readonly text: string;
  /** Every problem found, in file order. */
  readonly diagnostics: readonly Diagnostic[];
}

/** A parsed policy file. Statements with errors are left out; their diagnostics are kept. */
export interface PolicyFile extends ParsedFile<'policy-file'> {
  /** The statements that parsed, in file order. */
  readonly statements: readonly Statement[];
  /** Every comment in the file, whole-line and trailing. */
  readonly comments: readonly SourceRange[];
}

/** One `descriptor : count` line of a frequency file. */
export interface FrequencyEntry {
  /** Discriminant: always `frequency-entry`. */
  readonly kind: 'frequency-entry';
  /** The syscall the count is for. */
  readonly descriptor: SyscallDescriptor;
  /** How often the syscall is expected to be made, relative to the others. */
  readonly count: bigint;
  /** Where the count is. */
  readonly countRange: SourceRange;
  /** Where the node is in the source (end exclusive). */
  readonly range: SourceRange;
}

/** A parsed `.frequency` file. */
export interface FrequencyFile extends ParsedFile<'frequency-file'> {
  /** The entries that parsed, in file order. */
  readonly entries: readonly FrequencyEntry[];
}
