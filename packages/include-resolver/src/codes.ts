/**
 * Stable diagnostic codes of this package: SC2xxx for resolution, merging and dialect checks,
 * SC3xxx for the policy-tree naming convention. A code is never reused for another meaning.
 */
import { type DiagnosticBuilder, createDiagnosticBuilder, defineCodes, fileStartRange } from '@syscage/policy-parser';
import codes from './codes.json';

/** Every code this package reports, with its meaning: the rows of `codes.json` (one line a code), checked as they load. */
export const resolverDiagnosticCodes = defineCodes(codes);

/** A code reported by this package. */
export type ResolverDiagnosticCode = keyof typeof resolverDiagnosticCodes;

/** An empty range at the start of a file (the toolchain's one definition, from policy-parser). */
export { fileStartRange };

/** Builds a diagnostic with the code's severity unless one is given (lint levels). */
export const makeDiagnostic: DiagnosticBuilder<ResolverDiagnosticCode> = createDiagnosticBuilder(resolverDiagnosticCodes);
