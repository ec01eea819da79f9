/**
 * The diagnostics toolkit every package uses: one shape for a table of codes, one way to build
 * a diagnostic from a code of such a table, and the one empty start-of-file range. A package
 * defines its codes with {@link defineCodes} and gets its builder from
 * {@link createDiagnosticBuilder}; the severity comes from the table, so a code always has the
 * severity its table gives it unless the caller says otherwise on purpose.
 */
import type { Diagnostic, RelatedLocation, Severity, SourceRange } from './diagnostic.js';

/** What one diagnostic code means: the shape of every entry of every code table. */
export interface DiagnosticCode {
  /** Short kebab-case name, stable like the code (SARIF rule name, documentation anchor). */
  readonly name: string;
  /** The severity diagnostics with this code are reported at. */
  readonly severity: Severity;
  /** One line: what the code means. */
  readonly summary: string;
}

/** A table of codes: `SCnnnn` → meaning (entries may carry more fields of their own). */
export type DiagnosticCodeTable = Readonly<Record<string, DiagnosticCode>>;

/**
 * One row of a code table read as data (a package's `codes.json`): the {@link DiagnosticCode}
 * fields with the severity as a plain string, which {@link defineCodes} checks.
 */
export interface DiagnosticCodeData {
  /** Short kebab-case name. */
  readonly name: string;
  /** `error`, `warning` or `info`. */
  readonly severity: string;
  /** One line: what the code means. */
  readonly summary: string;
}

const severities: ReadonlySet<string> = new Set(['error', 'warning', 'info'] satisfies Severity[]);

/**
 * Declares a table of codes: written in TypeScript (returned as given, with its literal types)
 * or read from a package's `codes.json` (returned with each row typed as a
 * {@link DiagnosticCode}). Checks that every key is a code of the form `SCnnnn` and every
 * severity is a {@link Severity}; a malformed table is a programming error and throws when the
 * module loads, so no test run can miss it.
 */
export function defineCodes<const T extends DiagnosticCodeTable>(table: T): T;
export function defineCodes<const T extends Readonly<Record<string, DiagnosticCodeData>>>(table: T): { readonly [Code in keyof T]: DiagnosticCode };
export function defineCodes(table: Readonly<Record<string, DiagnosticCodeData>>): DiagnosticCodeTable {
  for (const [code, entry] of Object.entries(table)) {
    if (!/^SC\d{4}$/.test(code)) throw new Error(`diagnostic code ${code} is not of the form SCnnnn`);
    if (!severities.has(entry.severity)) throw new Error(`diagnostic code ${code} has the severity ${entry.severity}, not error, warning or info`);
  }
  return table as DiagnosticCodeTable;
}

/** An empty range at the start of a file, for problems about a file or folder as a whole. */
export const fileStartRange: SourceRange = {
  start: { line: 1, column: 1, offset: 0 },
  end: { line: 1, column: 1, offset: 0 },
};

/** Optional parts of a diagnostic built by a {@link DiagnosticBuilder}. */
export interface DiagnosticExtras {
  /** Further places worth showing (omitted from the diagnostic when empty). */
  readonly related?: readonly RelatedLocation[];
  /** A fix to offer. */
  readonly suggestion?: string;
  /** A severity other than the table's, for codes whose weight the user configures (lint levels). */
  readonly severity?: Severity;
}

/** Builds a diagnostic of one code of a table; the range defaults to {@link fileStartRange}. */
export type DiagnosticBuilder<Code extends string> = (
  code: Code,
  message: string,
  file: string,
  range?: SourceRange,
  extras?: DiagnosticExtras,
) => Diagnostic;

/** The builder of diagnostics for the codes of `table`. */
export function createDiagnosticBuilder<const T extends DiagnosticCodeTable>(table: T): DiagnosticBuilder<keyof T & string> {
  return (code, message, file, range = fileStartRange, extras = {}) => {
    const entry = table[code];
    if (entry === undefined) throw new Error(`diagnostic code ${code} is not in its table`);
    return {
      code,
      severity: extras.severity ?? entry.severity,
      message,
      file,
      range,
      ...(extras.related === undefined || extras.related.length === 0 ? {} : { related: extras.related }),
      ...(extras.suggestion === undefined ? {} : { suggestion: extras.suggestion }),
    };
  };
}
