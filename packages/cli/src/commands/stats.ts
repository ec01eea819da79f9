/**
 * `syscage stats POLICY|FILE.bpf --arch A [--frequency F] [--json]`: size, unreachable code,
 * how many syscalls the filter always allows, allows conditionally or denies, the kernel cache's
 * coverage and the run-time cost (instructions per allowed syscall: uniform, frequency-weighted,
 * with the kernel cache, and the maximum), as `@syscage/bpf-codegen`'s `analyzeProgram`
 * defines them (the benchmark's definitions).
 */
import { analyzeProgram } from '@syscage/bpf-codegen';
import { parseFrequencyFile } from '@syscage/policy-parser';
import { printDiagnostics, printJson, readInputFile } from '../output.js';
import { addPolicyInputOptions, archOption, refusePolicyOptionsWithoutPolicy } from '../options.js';
import type { RegisterCommand } from '../program.js';
import { kernelNote, kernelNoteJson } from '../kernel-note.js';
import { loadArch, readProgramInput } from './simulate-input.js';

interface StatsOptions {
  readonly arch?: string;
  readonly frequency?: string;
  readonly json?: boolean;
  readonly defaultAction?: string;
  readonly includeMap: string[];
}

const fixed = (value: number | undefined, digits = 2): string => (value === undefined ? '-' : value.toFixed(digits));

/** Registers `syscage stats`. */
export const registerStats: RegisterCommand = (program, ctx, setExit) => {
  addPolicyInputOptions(
    program
    .command('stats')
    .description('size, verdicts, kernel cache coverage and run-time cost of a filter')
    .argument('<input>', 'a .policy file (compiled first) or a raw .bpf file')
    .addOption(archOption('architecture (default for a .policy: its parent folder name)'))
    .option('--frequency <file>', 'a frequency file (`name: count` lines) weighting the costs')
    .option('--json', 'print JSON')
  ).action(async (file: string, options: StatsOptions) => {
      refusePolicyOptionsWithoutPolicy(options, [file]);
      const arch = await loadArch(ctx, options.arch, file);
      let frequencies: Map<string, bigint> | undefined;
      if (options.frequency !== undefined) {
        const read = readInputFile(ctx, options.frequency);
        const parsed = parseFrequencyFile(read.text, options.frequency);
        if (printDiagnostics(ctx, parsed.diagnostics, new Map([[options.frequency, read.text]])) > 0) {
          setExit(1);
          return;
        }
        frequencies = new Map();
        for (const entry of parsed.entries) frequencies.set(entry.descriptor.name, (frequencies.get(entry.descriptor.name) ?? 0n) + entry.count);
      }
      const input = await readProgramInput(ctx, file, arch, options, setExit);
      if (input === undefined) return;
      const analysis = analyzeProgram(input.program, { arch, ...(frequencies === undefined ? {} : { frequencies }) });
      const allowed = analysis.syscalls.filter((s) => s.verdict !== 'denied');
      // Syscalls the kernel runs without the filter: their verdict is the filter's, not the outcome.
      const unfiltered = analysis.syscalls.filter((s) => kernelNote(arch.name, s.nr) !== undefined);
      if (options.json === true) {
        printJson(ctx, {
          input: input.shown,
          arch: arch.name,
          instructions: analysis.instructions,
          unreachable: analysis.unreachable,
          alwaysAllowed: analysis.alwaysAllowed,
          conditional: analysis.conditional,
          denied: analysis.denied,
          cacheCoverage: analysis.cacheCoverage ?? null,
          costUniform: analysis.costUniform ?? null,
          costFrequency: analysis.costFrequency ?? null,
          costCache: analysis.costCache ?? null,
          maxCost: analysis.maxCost ?? null,
          allowed: allowed.map((s) => ({ nr: s.nr, name: s.name ?? null, verdict: s.verdict, exact: s.exact, cacheable: s.cacheable, cost: s.cost ?? null, weight: s.weight, ...kernelNoteJson(arch.name, s.nr) })),
          kernelUnfiltered: unfiltered.map((s) => ({ nr: s.nr, name: s.name ?? null, verdict: s.verdict, ...kernelNoteJson(arch.name, s.nr) })),
        });
        return;
      }
      const label = (s: (typeof allowed)[number]): string => s.name ?? `#${s.nr}`;
      const conditional = allowed.filter((s) => s.verdict === 'conditional');
      const uncached = allowed.filter((s) => s.verdict === 'always-allowed' && !s.cacheable);
      const out = [
        `${input.shown} (${arch.name})`,
        `  instructions:        ${analysis.instructions}${analysis.unreachable.length > 0 ? ` (${analysis.unreachable.length} unreachable: ${analysis.unreachable.join(', ')})` : ''}`,
        `  always allowed:      ${analysis.alwaysAllowed}`,
        `  conditional:         ${analysis.conditional}${conditional.length > 0 ? ` (${conditional.map(label).join(', ')})` : ''}`,
        `  cache coverage:      ${analysis.cacheCoverage === undefined ? '-' : `${fixed(analysis.cacheCoverage * 100, 1)}%`}${uncached.length > 0 ? ` (not cached: ${uncached.map(label).join(', ')})` : ''}`,
        `  cost uniform:        ${fixed(analysis.costUniform)}`,
        `  cost frequency:      ${fixed(analysis.costFrequency)}${frequencies === undefined ? ' (no --frequency: every syscall weighs 1)' : ''}`,
        `  cost with cache:     ${fixed(analysis.costCache)}`,
        `  max cost:            ${fixed(analysis.maxCost)}`,
      ];
      if (unfiltered.length > 0) out.push(`  kernel unfiltered:   ${unfiltered.map((s) => `${label(s)} (${s.verdict} by the filter; ${kernelNote(arch.name, s.nr) ?? ''})`).join(', ')}`);
      if (allowed.some((s) => !s.exact)) out.push(`  note: ${allowed.filter((s) => !s.exact).map(label).join(', ')} had too many paths; their verdicts come from sampling`);
      ctx.stdout(`${out.join('\n')}\n`);
    });
};
