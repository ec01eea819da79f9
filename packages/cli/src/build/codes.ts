/**
 * Diagnostic codes of `syscage build` (SC95xx, within the command line's SC9xxx range). A code is
 * never reused for another meaning.
 */
import type { Diagnostic, RelatedLocation, Severity, SourceRange } from '@syscage/policy-parser';

/** Every code `syscage build` reports itself, with its meaning. */
export const buildDiagnosticCodes = {
  SC9501: { name: 'unknown-arch-folder', severity: 'error', summary: 'A folder of the tree is not named after an architecture Syscage has a table for.' },
  SC9502: { name: 'arch-table-unavailable', severity: 'error', summary: "The architecture's table package cannot be loaded." },
  SC9503: { name: 'nothing-to-build', severity: 'error', summary: 'The tree holds no loaded policy for the selected architectures.' },
  SC9504: { name: 'filter-not-proved', severity: 'error', summary: 'A compiled program is not proved to do what its policy says (a compiler bug); it is not written.' },
} as const satisfies Record<string, { readonly name: string; readonly severity: Severity; readonly summary: string }>;

/** A code reported by `syscage build`. */
export type BuildDiagnosticCode = keyof typeof buildDiagnosticCodes;

/** An empty range at the start of a file, for problems about a file or folder as a whole. */
export const wholeFile: SourceRange = {
  start: { line: 1, column: 1, offset: 0 },
  end: { line: 1, column: 1, offset: 0 },
};

/** Builds a diagnostic with the code's severity. */
export function buildDiagnostic(
  code: BuildDiagnosticCode,
  message: string,
  file: string,
  related: readonly RelatedLocation[] = [],
): Diagnostic {
  const base = { code, severity: buildDiagnosticCodes[code].severity, message, file, range: wholeFile };
  return related.length > 0 ? { ...base, related } : base;
}
