/**
 * `syscage parse FILE... [--format text|json]`: parses policy files (and `.frequency` files,
 * chosen by extension) and reports syntax errors. It does not follow includes or look up
 * syscall names; `syscage check` does that.
 */
import {
  type Diagnostic,
  type FrequencyFile,
  type PolicyFile,
  type Statement,
  parseFrequencyFile,
  parsePolicy,
} from '@syscage/policy-parser';
import { CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { printDiagnostics, printJson, readInputFile } from '../output.js';
import { formatOption } from '../options.js';
import type { RegisterCommand } from '../program.js';

type ParsedFile = { readonly kind: 'policy'; readonly result: PolicyFile } | { readonly kind: 'frequency'; readonly result: FrequencyFile };

/** Parses one file's text with the parser its extension calls for. */
function parseByExtension(name: string, text: string): ParsedFile {
  return name.endsWith('.frequency')
    ? { kind: 'frequency', result: parseFrequencyFile(text, name) }
    : { kind: 'policy', result: parsePolicy(text, name) };
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function countSeverity(diagnostics: readonly Diagnostic[], severity: Diagnostic['severity']): number {
  return diagnostics.filter((diagnostic) => diagnostic.severity === severity).length;
}

/** A statement without its raw tokens, which would bury the AST in lexer output. */
function withoutTokens(statement: Statement): Record<string, unknown> {
  return Object.fromEntries(Object.entries(statement).filter(([key]) => key !== 'tokens'));
}

/** The JSON shape of one parsed file: the AST without raw tokens and source text. */
function jsonFile(parsed: ParsedFile): Record<string, unknown> {
  if (parsed.kind === 'frequency') {
    const { file, entries, diagnostics } = parsed.result;
    return { file, kind: 'frequency', entries, diagnostics };
  }
  const { file, statements, comments, diagnostics } = parsed.result;
  return {
    file,
    kind: 'policy',
    statements: statements.map((statement) => withoutTokens(statement)),
    comments,
    diagnostics,
  };
}

/** Registers `syscage parse`. */
export const registerParse: RegisterCommand = (program, ctx, setExit) => {
  program
    .command('parse')
    .description('parse policy files (and .frequency files) and report syntax errors')
    .argument('<files...>', 'policy or .frequency files to parse')
    .addOption(formatOption(['text', 'json']))
    .action((files: string[], options: { format: 'text' | 'json' }) => {
      const parsedFiles: ParsedFile[] = [];
      const sources = new Map<string, string>();
      for (const name of files) {
        let text: string;
        try {
          text = readInputFile(ctx, name).text;
        } catch (error) {
          if (!(error instanceof CliError)) throw error;
          ctx.stderr(`syscage: ${error.message}\n`);
          setExit(error.exitCode);
          continue;
        }
        sources.set(name, text);
        parsedFiles.push(parseByExtension(name, text));
      }
      let errors = 0;
      for (const parsed of parsedFiles) errors += countSeverity(parsed.result.diagnostics, 'error');
      if (options.format === 'json') {
        printJson(ctx, { files: parsedFiles.map(jsonFile) });
      } else {
        printDiagnostics(
          ctx,
          parsedFiles.flatMap((parsed) => parsed.result.diagnostics),
          sources,
        );
        for (const parsed of parsedFiles) {
          const { file, diagnostics } = parsed.result;
          const count =
            parsed.kind === 'policy'
              ? plural(parsed.result.statements.length, 'statement')
              : `${parsed.result.entries.length} ${parsed.result.entries.length === 1 ? 'entry' : 'entries'}`;
          const problems = `${plural(countSeverity(diagnostics, 'error'), 'error')}, ${plural(countSeverity(diagnostics, 'warning'), 'warning')}`;
          ctx.stdout(`${file}: ${count}, ${problems}\n`);
        }
      }
      if (errors > 0) setExit(ExitCode.policyError);
    });
};
