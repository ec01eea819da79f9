/**
 * Stable diagnostic codes of this package: SC6xxx for architecture descriptions read from files
 * (Minijail's `constants.json`). A code is never reused for another meaning.
 */
import { type DiagnosticBuilder, createDiagnosticBuilder, defineCodes } from '@syscage/policy-parser';
import codes from './codes.json';

/** Every code this package reports, with its meaning: the rows of `codes.json` (one line a code), checked as they load. */
export const archDiagnosticCodes = defineCodes(codes);

/** One of the codes in {@link archDiagnosticCodes}. */
export type ArchDiagnosticCode = keyof typeof archDiagnosticCodes;

/** Builds a diagnostic with the code's severity. */
export const archDiagnostic: DiagnosticBuilder<ArchDiagnosticCode> = createDiagnosticBuilder(archDiagnosticCodes);
