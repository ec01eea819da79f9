/**
 * Diagnostic codes of `syscage build` (SC95xx, within the command line's SC9xxx range). A code is
 * never reused for another meaning.
 */
import { type DiagnosticBuilder, createDiagnosticBuilder, defineCodes } from '@syscage/policy-parser';
import codes from './codes.json';

/** Every code `syscage build` reports itself, with its meaning: the rows of `codes.json` (one line a code), checked as they load. */
export const buildDiagnosticCodes = defineCodes(codes);

/** A code reported by `syscage build`. */
export type BuildDiagnosticCode = keyof typeof buildDiagnosticCodes;

/** Builds a diagnostic with the code's severity. */
export const buildDiagnostic: DiagnosticBuilder<BuildDiagnosticCode> = createDiagnosticBuilder(buildDiagnosticCodes);
