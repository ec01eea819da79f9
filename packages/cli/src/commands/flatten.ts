/**
 * `syscage flatten POLICY... [--arch A] [-o OUT] [--default-action ACTION] [--kill-thread]
 * [--include-map FROM=TO]...`: each loaded policy written as one self-contained file that
 * libminijail's run-time C parser accepts (no includes, one line per syscall with its merged
 * conditions), with the decisions of the program `compile` writes for the same options. crosvm
 * hands text policies to that parser with `--seccomp-log-failures`, and the parser refuses trees
 * in which one syscall gets rules from several files. What the C dialect cannot express is an
 * error diagnostic and nothing is written; with one policy and no -o the file goes to stdout.
 */

import { basename, join, resolve } from 'node:path';
import { type FlattenOptions, flattenPolicy } from '@syscage/bpf-codegen';
import type { Diagnostic } from '@syscage/policy-parser';
import { flattenComment } from '../build/flatten.js';
import { CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { inputFromFlags, loadPolicies } from '../input.js';
import { type PolicyInputOptions, addPolicyInputOptions, archOption, compileDefaults } from '../options.js';
import { printDiagnostics, showPath, writeOutputFile } from '../output.js';
import type { RegisterCommand } from '../program.js';

interface FlattenCommandOptions extends PolicyInputOptions {
  readonly arch?: string;
  readonly output?: string;
}

/** Registers `syscage flatten`. */
export const registerFlatten: RegisterCommand = (program, ctx, setExit) => {
  addPolicyInputOptions(
    program
      .command('flatten')
      .description('write each policy as one self-contained file for libminijail’s run-time parser (no includes, one line per syscall)')
      .argument('<policies...>', 'loaded policy files')
      .addOption(archOption('target architecture (default: the policy’s folder name)'))
      .option('-o, --output <path>', 'output file (one policy; default stdout) or folder (several policies: OUT/<arch>/<name>.policy)'),
  ).action(async (policies: string[], options: FlattenCommandOptions) => {
    const flattenOptions: FlattenOptions = compileDefaults(options);
    const input = await loadPolicies({
      paths: policies,
      ...inputFromFlags(ctx.cwd, options),
      trees: false,
    });
    if (input.policies.length > 1 && options.output === undefined) throw new CliError('flatten: several policies need -o FOLDER', ExitCode.usage);
    const show = (path: string): string => showPath(ctx, path);
    const sources = new Map([...input.sources].map(([path, text]) => [show(path), text]));
    const diagnostics: Diagnostic[] = [...input.diagnostics];
    const outputs: { file: string; arch: string; text: string }[] = [];
    for (const { file, table, resolved } of input.policies) {
      if (table === undefined) continue;
      diagnostics.push(...resolved.diagnostics);
      if (resolved.diagnostics.some((diagnostic) => diagnostic.severity === 'error')) continue;
      const result = flattenPolicy(resolved, table, { ...flattenOptions, comment: flattenComment(show(file), table.name) });
      diagnostics.push(...result.diagnostics);
      if (result.text !== undefined) outputs.push({ file, arch: table.name, text: result.text });
    }
    const shown = diagnostics.map((diagnostic) => ({
      ...diagnostic,
      file: show(diagnostic.file),
      ...(diagnostic.related === undefined ? {} : { related: diagnostic.related.map((related) => ({ ...related, file: show(related.file) })) }),
    }));
    const errors = printDiagnostics(ctx, shown, sources);
    if (errors > 0 || outputs.length !== input.policies.length) {
      ctx.stderr('nothing written\n');
      setExit(ExitCode.policyError);
      return;
    }
    const only = outputs[0];
    if (options.output === undefined) {
      if (only !== undefined) ctx.stdout(only.text);
      return;
    }
    const output = resolve(ctx.cwd, options.output);
    for (const entry of outputs) {
      const target = outputs.length > 1 ? join(output, entry.arch, basename(entry.file)) : output;
      writeOutputFile(target, entry.text, show, { makeFolder: true });
      ctx.stdout(`${show(entry.file)} (${entry.arch}) → ${show(target)}\n`);
    }
  });
};
