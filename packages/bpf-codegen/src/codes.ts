/**
 * Stable diagnostic codes of lowering and code generation (SC4xxx). A code is never reused for
 * another meaning: SC4021 (a filter too deep) stays in the table though no longer raised, as
 * filters are compiled without recursion and no policy is too deep.
 */
import { type DiagnosticBuilder, createDiagnosticBuilder, defineCodes, fileStartRange } from '@syscage/policy-parser';
import codes from './codes.json';

/** Every code lowering and code generation report, with its meaning: the rows of `codes.json` (one line a code), checked as they load. */
export const codegenDiagnosticCodes = defineCodes(codes);

/** A code reported by this package's compiler. */
export type CodegenDiagnosticCode = keyof typeof codegenDiagnosticCodes;

/** An empty range at the start of a file (the toolchain's one definition, from policy-parser). */
export const fileStart = fileStartRange;

/** Builds a diagnostic with the code's severity. */
export const codegenDiagnostic: DiagnosticBuilder<CodegenDiagnosticCode> = createDiagnosticBuilder(codegenDiagnosticCodes);
