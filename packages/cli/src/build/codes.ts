/**
 * Diagnostic codes of `syscage build` (SC95xx, within the command line's SC9xxx range). A code is
 * never reused for another meaning.
 */
import { type DiagnosticBuilder, createDiagnosticBuilder, defineCodes } from '@syscage/policy-parser';

/** Every code `syscage build` reports itself, with its meaning. */
export const buildDiagnosticCodes = defineCodes({
  SC9501: { name: 'unknown-arch-folder', severity: 'error', summary: 'A folder of the tree is not named after an architecture Syscage has a table for.' },
  SC9502: { name: 'arch-table-unavailable', severity: 'error', summary: "The architecture's table package cannot be loaded." },
  SC9503: { name: 'nothing-to-build', severity: 'error', summary: 'The tree holds no loaded policy for the selected architectures.' },
  SC9504: { name: 'filter-not-proved', severity: 'error', summary: 'A compiled program is not proved to do what its policy says (a compiler bug); it is not written.' },
  SC9505: { name: 'flattened-rejected', severity: 'error', summary: "With --flatten, a flattened policy Syscage wrote would be rejected by libminijail's run-time parser (a bug in Syscage); nothing is written for the policy." },
  SC9506: { name: 'flattened-not-proved', severity: 'error', summary: "With --flatten, a flattened policy's decisions are not proved equal to the compiled program's (a bug in Syscage); nothing is written for the policy." },
} as const);

/** A code reported by `syscage build`. */
export type BuildDiagnosticCode = keyof typeof buildDiagnosticCodes;

/** Builds a diagnostic with the code's severity. */
export const buildDiagnostic: DiagnosticBuilder<BuildDiagnosticCode> = createDiagnosticBuilder(buildDiagnosticCodes);
