/**
 * Public API of `@syscage/policy-parser`: the Minijail policy language's lexer, parser, AST and
 * frequency-file parser, the toolchain's Diagnostic type, and code-frame rendering.
 */
export type { Diagnostic, Position, RelatedLocation, Severity, SourceRange } from './diagnostic.js';
export type {
  Action,
  ActionWord,
  AndClause,
  BitOrExpr,
  Comparison,
  ComparisonOperator,
  ComplementExpr,
  ConstantRef,
  DefaultStatement,
  DenylistStatement,
  Filter,
  FilterStatement,
  FrequencyEntry,
  FrequencyFile,
  FrequencyStatement,
  IncludeStatement,
  Metadata,
  MetadataEntry,
  NumberLiteral,
  OrExpression,
  ParenExpr,
  ParsedFile,
  PolicyFile,
  ReturnAction,
  SimpleAction,
  Statement,
  StatementLayout,
  SyscallDescriptor,
  Token,
  TokenKind,
  ValueExpr,
} from './ast.js';
export type { ParserDiagnosticCode, ParserDiagnosticCodeInfo } from './codes.js';
export { createDiagnosticBuilder, defineCodes, fileStartRange } from './diagnostic-codes.js';
export type { DiagnosticBuilder, DiagnosticCode, DiagnosticCodeData, DiagnosticCodeTable, DiagnosticExtras } from './diagnostic-codes.js';
export { parserDiagnosticCodes } from './codes.js';
export { parsePolicy, parseFrequencyFile } from './parser.js';
export { tokenize } from './lexer.js';
export type { DiagnosticPalette, FormatOptions } from './format.js';
export { formatDiagnostic } from './format.js';
