/**
 * The parser's diagnostic codes. Each code stands for one distinct error of Minijail's Python
 * policy compiler (the message it prints is the `title`), plus a few Syscage-only warnings for
 * input that Minijail silently ignores. Codes are stable: a code is never reused for another
 * meaning, and new codes are only appended.
 */
import type { Severity } from './diagnostic.js';

/** What one parser diagnostic code means. */
export interface DiagnosticCodeInfo {
  /** Short title; for errors it is Minijail's own message for the same problem. */
  readonly title: string;
  /** Severity every diagnostic with this code has. */
  readonly severity: Severity;
  /** Where the problem occurs: policy files, frequency files, or both. */
  readonly appliesTo: 'policy' | 'frequency' | 'both';
}

/** Every code the parser can report, code → meaning. */
export const parserDiagnosticCodes = {
  SC1001: { title: 'invalid token', severity: 'error', appliesTo: 'both' },
  SC1002: { title: 'missing colon', severity: 'error', appliesTo: 'both' },
  SC1003: { title: 'invalid colon', severity: 'error', appliesTo: 'both' },
  SC1004: { title: 'missing filter', severity: 'error', appliesTo: 'policy' },
  SC1005: { title: 'invalid action', severity: 'error', appliesTo: 'policy' },
  SC1006: { title: 'missing action', severity: 'error', appliesTo: 'policy' },
  SC1007: { title: 'unclosed brace', severity: 'error', appliesTo: 'policy' },
  SC1008: { title: 'missing return value', severity: 'error', appliesTo: 'policy' },
  SC1009: { title: 'invalid constant', severity: 'error', appliesTo: 'policy' },
  SC1010: { title: 'empty constant', severity: 'error', appliesTo: 'policy' },
  SC1011: { title: 'unclosed parenthesis', severity: 'error', appliesTo: 'policy' },
  SC1012: { title: 'extra tokens', severity: 'error', appliesTo: 'policy' },
  SC1013: { title: 'invalid double complement', severity: 'error', appliesTo: 'policy' },
  SC1014: { title: 'empty complement', severity: 'error', appliesTo: 'policy' },
  SC1015: { title: 'invalid argument', severity: 'error', appliesTo: 'policy' },
  SC1016: { title: 'invalid operator', severity: 'error', appliesTo: 'policy' },
  SC1017: { title: 'missing operator', severity: 'error', appliesTo: 'policy' },
  SC1018: { title: 'empty argument expression', severity: 'error', appliesTo: 'policy' },
  SC1019: { title: 'empty clause', severity: 'error', appliesTo: 'policy' },
  SC1020: { title: 'unsigned overflow', severity: 'error', appliesTo: 'both' },
  SC1021: { title: 'signed underflow', severity: 'error', appliesTo: 'policy' },
  SC1022: { title: 'empty include path', severity: 'error', appliesTo: 'policy' },
  SC1023: { title: 'invalid include path', severity: 'error', appliesTo: 'policy' },
  SC1024: { title: 'empty frequency path', severity: 'error', appliesTo: 'policy' },
  SC1025: { title: 'invalid frequency path', severity: 'error', appliesTo: 'policy' },
  SC1026: { title: 'empty action', severity: 'error', appliesTo: 'policy' },
  SC1027: { title: 'invalid default action', severity: 'error', appliesTo: 'policy' },
  SC1028: { title: 'invalid permissive default action', severity: 'error', appliesTo: 'policy' },
  SC1029: { title: 'invalid syscall descriptor', severity: 'error', appliesTo: 'both' },
  SC1030: { title: 'invalid syscall group name', severity: 'error', appliesTo: 'both' },
  SC1031: { title: 'invalid key', severity: 'error', appliesTo: 'both' },
  SC1032: { title: 'missing equal', severity: 'error', appliesTo: 'both' },
  SC1033: { title: 'invalid equal', severity: 'error', appliesTo: 'both' },
  SC1034: { title: 'invalid value', severity: 'error', appliesTo: 'both' },
  SC1035: { title: 'empty value', severity: 'error', appliesTo: 'both' },
  SC1036: { title: 'unclosed bracket', severity: 'error', appliesTo: 'both' },
  SC1037: { title: 'duplicate metadata key', severity: 'error', appliesTo: 'both' },
  SC1038: { title: 'missing number', severity: 'error', appliesTo: 'frequency' },
  SC1039: { title: 'invalid number', severity: 'error', appliesTo: 'frequency' },
  SC1040: { title: 'continuation at end of file', severity: 'warning', appliesTo: 'both' },
  SC1041: { title: 'ignored extra tokens', severity: 'warning', appliesTo: 'frequency' },
  SC1042: { title: 'recursion limit exceeded', severity: 'error', appliesTo: 'policy' },
} as const satisfies Record<string, DiagnosticCodeInfo>;

/** A code the parser can report, e.g. `SC1003`. */
export type ParserDiagnosticCode = keyof typeof parserDiagnosticCodes;
