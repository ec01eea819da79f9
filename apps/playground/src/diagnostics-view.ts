/**
 * Turns toolchain diagnostics into what the page shows: the CLI's own text (`formatDiagnostic`,
 * code frame included) for the list, and offset ranges per file for the editor's underlines.
 */
import { formatDiagnostic, type Diagnostic } from '@syscage/policy-parser';
import type { EditorMark } from './ui/editor.js';

/** A diagnostic with the text the CLI would print for it. */
export interface ShownDiagnostic {
  readonly diagnostic: Diagnostic;
  /** `formatDiagnostic` output: `file:line:col: severity[CODE]: message` plus the code frame. */
  readonly text: string;
}

const severityOrder = { error: 0, warning: 1, info: 2 } as const;

/**
 * The diagnostics in the order the list shows them (by file, then position, errors first on a
 * tie), each with its CLI text rendered against `sources`.
 */
export function showDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, string>,
): ShownDiagnostic[] {
  return [...diagnostics]
    .sort(
      (left, right) =>
        left.file.localeCompare(right.file) ||
        left.range.start.offset - right.range.start.offset ||
        severityOrder[left.severity] - severityOrder[right.severity],
    )
    .map((diagnostic) => ({ diagnostic, text: formatDiagnostic(diagnostic, sources) }));
}

/** Editor underlines per file. An empty range is widened to one character so it stays visible. */
export function editorMarks(diagnostics: readonly Diagnostic[]): Map<string, EditorMark[]> {
  const marks = new Map<string, EditorMark[]>();
  for (const diagnostic of diagnostics) {
    const from = diagnostic.range.start.offset;
    const to = Math.max(diagnostic.range.end.offset, from + 1);
    const list = marks.get(diagnostic.file) ?? [];
    list.push({
      from,
      to,
      severity: diagnostic.severity,
      message: diagnostic.suggestion === undefined ? diagnostic.message : `${diagnostic.message}\nhelp: ${diagnostic.suggestion}`,
      source: diagnostic.code,
    });
    marks.set(diagnostic.file, list);
  }
  return marks;
}

/** Error and warning counts. */
export function countBySeverity(diagnostics: readonly Diagnostic[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const diagnostic of diagnostics) {
    if (diagnostic.severity === 'error') errors++;
    else if (diagnostic.severity === 'warning') warnings++;
  }
  return { errors, warnings };
}
