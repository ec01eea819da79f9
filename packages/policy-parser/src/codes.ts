/**
 * The parser's diagnostic codes. Each code stands for one distinct error of Minijail's Python
 * policy compiler (the message it prints is the `title`), plus a few Syscage-only warnings for
 * input that Minijail silently ignores. Codes are stable: a code is never reused for another
 * meaning, and new codes are only appended.
 */
import type { Severity } from './diagnostic.js';
import { type DiagnosticCode, defineCodes } from './diagnostic-codes.js';

/** What one parser diagnostic code means: the shared {@link DiagnosticCode} shape plus Minijail's message. */
export interface ParserDiagnosticCodeInfo extends DiagnosticCode {
  /** Short title; for errors it is Minijail's own message for the same problem. */
  readonly title: string;
  /** Severity every diagnostic with this code has. */
  readonly severity: Severity;
  /** Where the problem occurs: policy files, frequency files, or both. */
  readonly appliesTo: 'policy' | 'frequency' | 'both';
}

/** Every code the parser can report, code → meaning. */
export const parserDiagnosticCodes = defineCodes({
  SC1001: { name: 'invalid-token', title: 'invalid token', summary: 'Invalid token.', severity: 'error', appliesTo: 'both' },
  SC1002: { name: 'missing-colon', title: 'missing colon', summary: 'Missing colon.', severity: 'error', appliesTo: 'both' },
  SC1003: { name: 'invalid-colon', title: 'invalid colon', summary: 'Invalid colon.', severity: 'error', appliesTo: 'both' },
  SC1004: { name: 'missing-filter', title: 'missing filter', summary: 'Missing filter.', severity: 'error', appliesTo: 'policy' },
  SC1005: { name: 'invalid-action', title: 'invalid action', summary: 'Invalid action.', severity: 'error', appliesTo: 'policy' },
  SC1006: { name: 'missing-action', title: 'missing action', summary: 'Missing action.', severity: 'error', appliesTo: 'policy' },
  SC1007: { name: 'unclosed-brace', title: 'unclosed brace', summary: 'Unclosed brace.', severity: 'error', appliesTo: 'policy' },
  SC1008: { name: 'missing-return-value', title: 'missing return value', summary: 'Missing return value.', severity: 'error', appliesTo: 'policy' },
  SC1009: { name: 'invalid-constant', title: 'invalid constant', summary: 'Invalid constant.', severity: 'error', appliesTo: 'policy' },
  SC1010: { name: 'empty-constant', title: 'empty constant', summary: 'Empty constant.', severity: 'error', appliesTo: 'policy' },
  SC1011: { name: 'unclosed-parenthesis', title: 'unclosed parenthesis', summary: 'Unclosed parenthesis.', severity: 'error', appliesTo: 'policy' },
  SC1012: { name: 'extra-tokens', title: 'extra tokens', summary: 'Extra tokens.', severity: 'error', appliesTo: 'policy' },
  SC1013: { name: 'invalid-double-complement', title: 'invalid double complement', summary: 'Invalid double complement.', severity: 'error', appliesTo: 'policy' },
  SC1014: { name: 'empty-complement', title: 'empty complement', summary: 'Empty complement.', severity: 'error', appliesTo: 'policy' },
  SC1015: { name: 'invalid-argument', title: 'invalid argument', summary: 'Invalid argument.', severity: 'error', appliesTo: 'policy' },
  SC1016: { name: 'invalid-operator', title: 'invalid operator', summary: 'Invalid operator.', severity: 'error', appliesTo: 'policy' },
  SC1017: { name: 'missing-operator', title: 'missing operator', summary: 'Missing operator.', severity: 'error', appliesTo: 'policy' },
  SC1018: { name: 'empty-argument-expression', title: 'empty argument expression', summary: 'Empty argument expression.', severity: 'error', appliesTo: 'policy' },
  SC1019: { name: 'empty-clause', title: 'empty clause', summary: 'Empty clause.', severity: 'error', appliesTo: 'policy' },
  SC1020: { name: 'unsigned-overflow', title: 'unsigned overflow', summary: 'Unsigned overflow.', severity: 'error', appliesTo: 'both' },
  SC1021: { name: 'signed-underflow', title: 'signed underflow', summary: 'Signed underflow.', severity: 'error', appliesTo: 'policy' },
  SC1022: { name: 'empty-include-path', title: 'empty include path', summary: 'Empty include path.', severity: 'error', appliesTo: 'policy' },
  SC1023: { name: 'invalid-include-path', title: 'invalid include path', summary: 'Invalid include path.', severity: 'error', appliesTo: 'policy' },
  SC1024: { name: 'empty-frequency-path', title: 'empty frequency path', summary: 'Empty frequency path.', severity: 'error', appliesTo: 'policy' },
  SC1025: { name: 'invalid-frequency-path', title: 'invalid frequency path', summary: 'Invalid frequency path.', severity: 'error', appliesTo: 'policy' },
  SC1026: { name: 'empty-action', title: 'empty action', summary: 'Empty action.', severity: 'error', appliesTo: 'policy' },
  SC1027: { name: 'invalid-default-action', title: 'invalid default action', summary: 'Invalid default action.', severity: 'error', appliesTo: 'policy' },
  SC1028: { name: 'invalid-permissive-default-action', title: 'invalid permissive default action', summary: 'Invalid permissive default action.', severity: 'error', appliesTo: 'policy' },
  SC1029: { name: 'invalid-syscall-descriptor', title: 'invalid syscall descriptor', summary: 'Invalid syscall descriptor.', severity: 'error', appliesTo: 'both' },
  SC1030: { name: 'invalid-syscall-group-name', title: 'invalid syscall group name', summary: 'Invalid syscall group name.', severity: 'error', appliesTo: 'both' },
  SC1031: { name: 'invalid-key', title: 'invalid key', summary: 'Invalid key.', severity: 'error', appliesTo: 'both' },
  SC1032: { name: 'missing-equal', title: 'missing equal', summary: 'Missing equal.', severity: 'error', appliesTo: 'both' },
  SC1033: { name: 'invalid-equal', title: 'invalid equal', summary: 'Invalid equal.', severity: 'error', appliesTo: 'both' },
  SC1034: { name: 'invalid-value', title: 'invalid value', summary: 'Invalid value.', severity: 'error', appliesTo: 'both' },
  SC1035: { name: 'empty-value', title: 'empty value', summary: 'Empty value.', severity: 'error', appliesTo: 'both' },
  SC1036: { name: 'unclosed-bracket', title: 'unclosed bracket', summary: 'Unclosed bracket.', severity: 'error', appliesTo: 'both' },
  SC1037: { name: 'duplicate-metadata-key', title: 'duplicate metadata key', summary: 'Duplicate metadata key.', severity: 'error', appliesTo: 'both' },
  SC1038: { name: 'missing-number', title: 'missing number', summary: 'Missing number.', severity: 'error', appliesTo: 'frequency' },
  SC1039: { name: 'invalid-number', title: 'invalid number', summary: 'Invalid number.', severity: 'error', appliesTo: 'frequency' },
  SC1040: { name: 'continuation-at-end-of-file', title: 'continuation at end of file', summary: 'Continuation at end of file.', severity: 'warning', appliesTo: 'both' },
  SC1041: { name: 'ignored-extra-tokens', title: 'ignored extra tokens', summary: 'Ignored extra tokens.', severity: 'warning', appliesTo: 'frequency' },
  SC1042: { name: 'recursion-limit-exceeded', title: 'recursion limit exceeded', summary: 'Recursion limit exceeded.', severity: 'error', appliesTo: 'policy' },
} as const satisfies Record<string, ParserDiagnosticCodeInfo>);

/** A code the parser can report, e.g. `SC1003`. */
export type ParserDiagnosticCode = keyof typeof parserDiagnosticCodes;
