/**
 * `syscage verify POLICY FILTER.bpf... [--arch A] [--format text|json] [policy options]`: proves
 * that a filter (or a stack of filters, in installation order) gives the policy's action for every
 * input, or prints a counterexample; `--within WIDER NARROWER...` proves that everything the
 * narrower side lets run the wider side lets run too. Each side is a `.policy` or `.bpf`; with
 * `--pid PID` the filter side is the stack installed in a running process (read with ptrace).
 *
 * Exit status: 0 proved, 1 counterexample (or inputs with errors), 4 undecided (the filter does
 * something the procedure does not decide exactly; see `ExitCode.undecided`).
 */
import { resolve } from 'node:path';
import type { ArchTable } from '@syscage/arch-tables';
import {
  type Counterexample,
  type DecisionSource,
  type SideOutcome,
  type Verification,
  auditArchName,
  lowerArch,
  lowerPolicy,
  verifyEquivalent,
  verifyWithin,
} from '@syscage/bpf-codegen';
import { readInstalledFilters } from '@syscage/jail-runner';
import type { CliContext } from '../context.js';
import { CliError } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { loadPolicies } from '../input.js';
import {
  type PolicyInputOptions,
  addPolicyInputOptions,
  archOption,
  compileDefaults,
  formatOption,
  parseIncludeMap,
  refusePolicyOptionsWithoutPolicy,
} from '../options.js';
import { printDiagnostics, printJson, showPath } from '../output.js';
import type { RegisterCommand } from '../program.js';
import { describeInput, describeNumber } from '../proof.js';
import { hex, loadArch, readProgramInput } from './simulate-input.js';

interface VerifyCommandOptions extends PolicyInputOptions {
  readonly arch?: string;
  readonly format: 'text' | 'json';
  readonly within?: boolean;
  readonly logFailures?: boolean;
  readonly denylist?: boolean;
  readonly maxNodes?: string;
  readonly pid?: string;
}

/** One side of a verification as read from the command line. */
interface Side {
  readonly shown: string;
  readonly source: DecisionSource;
  /** Texts of the policy files read (absolute path → text), to quote a deciding rule. */
  readonly sources: ReadonlyMap<string, string>;
}

/** Reads a `.policy` (lowered, not compiled: its reference semantics is the side) or `.bpf` files (a stack). */
async function readSide(
  ctx: CliContext,
  paths: readonly string[],
  table: ArchTable,
  options: VerifyCommandOptions,
  setExit: (code: number) => void,
): Promise<Side | undefined> {
  const [first] = paths;
  if (first === undefined) return undefined;
  if (first.endsWith('.policy')) {
    if (paths.length > 1) throw new CliError(`${paths.join(', ')}: one policy per side (several .bpf files make a stack)`, ExitCode.usage);
    const loaded = await loadPolicies({
      paths: [first],
      cwd: ctx.cwd,
      arch: table.name,
      includeMap: parseIncludeMap(ctx.cwd, options.includeMap),
      denylist: options.denylist === true,
      allowIncludesOutside: options.allowOutsideIncludes === true,
      trees: false,
    });
    const resolved = loaded.policies[0]?.resolved;
    if (resolved === undefined) return undefined;
    const resolverFailed = resolved.diagnostics.some((diagnostic) => diagnostic.severity === 'error');
    const lowered = resolverFailed
      ? undefined
      : lowerPolicy(resolved, table, { ...compileDefaults(options), logFailures: options.logFailures === true, denylist: options.denylist === true });
    const shownSources = new Map<string, string>();
    for (const [path, text] of loaded.sources) shownSources.set(showPath(ctx, path), text);
    const diagnostics = [...resolved.diagnostics, ...(lowered?.diagnostics ?? [])].map((diagnostic) => ({ ...diagnostic, file: showPath(ctx, diagnostic.file) }));
    const errors = printDiagnostics(ctx, diagnostics, shownSources);
    if (errors > 0 || lowered?.policy === undefined) {
      setExit(ExitCode.policyError);
      return undefined;
    }
    return { shown: showPath(ctx, resolve(ctx.cwd, first)), source: { kind: 'policy', policy: lowered.policy }, sources: loaded.sources };
  }
  const programs = [];
  for (const path of paths) {
    if (path.endsWith('.policy')) throw new CliError(`${path}: a side is one .policy or one or more .bpf files, not both`, ExitCode.usage);
    const input = await readProgramInput(ctx, path, table, options, setExit);
    if (input === undefined) return undefined;
    programs.push(input.program);
  }
  return { shown: paths.map((path) => showPath(ctx, resolve(ctx.cwd, path))).join(' + '), source: { kind: 'filter', programs }, sources: new Map() };
}

/** Why a policy side decided as it did, in words. */
function describeDecision(ctx: CliContext, side: Side, outcome: SideOutcome, table: ArchTable, name: string): string {
  const decision = outcome.decision;
  if (decision === undefined) return outcome.action;
  switch (decision.kind) {
    case 'arch-mismatch':
      return `${outcome.action}, the architecture check (not ${auditArchName(table.auditArch) ?? hex(table.auditArch)})`;
    case 'invalid-number':
      return `${outcome.action}, for a number that is no syscall of ${table.name}`;
    case 'default':
      return `${outcome.action}, the default action (the policy does not list ${name})`;
    case 'fallback-default':
      return `${outcome.action}, the default action (no rule of ${decision.syscall} matched)`;
    case 'rule': {
      const rule = outcome.rule;
      if (rule === undefined) return outcome.action;
      const text = side.sources.get(rule.file)?.split('\n')[rule.line - 1]?.trim();
      return `${outcome.action}, rule ${showPath(ctx, rule.file)}:${rule.line}${text === undefined ? '' : `: ${text}`}`;
    }
  }
}

/** The counterexample as the JSON output spells it. */
function counterexampleJson(ctx: CliContext, counterexample: Counterexample, policyIsSecond: boolean): Record<string, unknown> {
  const { input } = counterexample;
  // "policy" is the policy side (the first side when both or neither are policies).
  const [policy, filter] = policyIsSecond ? [counterexample.actual, counterexample.expected] : [counterexample.expected, counterexample.actual];
  return {
    nr: input.nr,
    arch: hex(input.arch),
    args: input.args.map((value) => hex(value)),
    ip: hex(input.instructionPointer),
    filter: filter.action,
    policy: policy.action,
    rule: policy.rule === undefined ? null : `${showPath(ctx, policy.rule.file)}:${policy.rule.line}`,
  };
}

function printText(ctx: CliContext, verdict: Verification, wider: Side, narrower: Side, table: ArchTable, within: boolean): void {
  const what = within ? `everything ${narrower.shown} lets run, ${wider.shown} lets run too` : `${narrower.shown} does what ${wider.shown} says`;
  if (verdict.result === 'proved') {
    ctx.stdout(`proved: ${what}, for every input on ${table.name} (${verdict.stats.nodes} diagram nodes)\n`);
    return;
  }
  if (verdict.result === 'undecided') {
    const where = verdict.pc === undefined ? '' : ` (instruction ${verdict.pc}${verdict.program === undefined ? '' : ` of filter ${verdict.program + 1}`})`;
    ctx.stdout(`undecided: ${verdict.reason}${where}; nothing is claimed about ${narrower.shown}\n`);
    return;
  }
  const { counterexample } = verdict;
  const name = describeNumber(table, counterexample.input.nr);
  ctx.stdout(`counterexample: ${within ? `${narrower.shown} lets run what ${wider.shown} denies` : `${narrower.shown} and ${wider.shown} differ`}\n`);
  ctx.stdout(`  input:  ${describeInput(table, counterexample)}\n`);
  ctx.stdout(`  ${narrower.shown}: ${describeDecision(ctx, narrower, counterexample.actual, table, name)}\n`);
  ctx.stdout(`  ${wider.shown}: ${describeDecision(ctx, wider, counterexample.expected, table, name)}\n`);
}

/**
 * The filters a running process has (`--pid`), as a stack side. A process without filters runs
 * every call: that side is a single `ret ALLOW`, so a policy that denies anything gets a
 * counterexample rather than a proof about nothing.
 */
function readProcessSide(pidText: string): Side {
  const pid = /^\d+$/.test(pidText.trim()) ? Number(pidText) : Number.NaN;
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new CliError(`--pid ${pidText}: expected a process id`, ExitCode.usage);
  if (process.platform !== 'linux') throw new CliError('--pid reads filters with ptrace(2): Linux only', ExitCode.usage);
  const read = readInstalledFilters(pid);
  if (!read.ok) throw new CliError(`--pid ${pid}: ${read.message}`, ExitCode.io);
  const count = read.programs.length;
  const shown = count === 0 ? `process ${pid} (no seccomp filter: every call runs)` : `process ${pid} (${count} filter${count === 1 ? '' : 's'})`;
  const programs = count === 0 ? [[{ code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 }]] : read.programs;
  return { shown, source: { kind: 'filter', programs }, sources: new Map() };
}

function parseMaxNodes(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const nodes = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(nodes) || nodes < 16) throw new CliError(`--max-nodes ${value}: expected a whole number of at least 16`, ExitCode.usage);
  return nodes;
}

/** Registers `syscage verify`. */
export const registerVerify: RegisterCommand = (program, ctx, setExit) => {
  const command = program
    .command('verify')
    .description('prove that a .bpf filter gives a policy’s action for every input, or show an input where it does not')
    .argument('<policy>', 'the policy (.policy, or a .bpf to compare with); with --within, the wider side')
    .argument('[filters...]', 'the filter (.bpf; several are a stack, in installation order, or one .policy); with --within, the narrower side; none with --pid')
    .addOption(archOption('architecture (default for a policy: its folder name; required for .bpf only)'))
    .addOption(formatOption(['text', 'json']))
    .option('--within', 'prove instead that every input the filters let run (allow or log), the first side lets run too')
    .option('--log-failures', 'for .policy inputs: the kill action and every `return N` become LOG, as compile --log-failures')
    .option('--denylist', 'for .policy inputs: a @denylist policy (unlisted syscalls are allowed)')
    .option('--max-nodes <n>', 'decision-diagram nodes before giving up as undecided (default 4000000)')
    .option('--pid <pid>', 'verify instead the filters installed in a running process (read with ptrace; needs CAP_SYS_ADMIN) against the policy');
  addPolicyInputOptions(command).action(async (first: string, rest: string[], options: VerifyCommandOptions) => {
    refusePolicyOptionsWithoutPolicy(options, [first, ...rest]);
    const maxNodes = parseMaxNodes(options.maxNodes);
    const table = await loadArch(ctx, options.arch, [first, ...rest].find((path) => path.endsWith('.policy')));
    if (options.pid !== undefined && rest.length > 0) throw new CliError(`--pid reads the filters from the process: give only the policy, not ${rest.join(', ')}`, ExitCode.usage);
    if (options.pid === undefined && rest.length === 0) throw new CliError('missing the filter to verify (a .bpf, several for a stack, or --pid PID)', ExitCode.usage);
    const wider = await readSide(ctx, [first], table, options, setExit);
    const narrower = options.pid === undefined ? await readSide(ctx, rest, table, options, setExit) : readProcessSide(options.pid);
    if (wider === undefined || narrower === undefined) return;
    const lowered = lowerArch(table);
    const verifyOptions = maxNodes === undefined ? {} : { maxNodes };
    const verdict =
      options.within === true
        ? verifyWithin(wider.source, narrower.source, lowered, verifyOptions)
        : verifyEquivalent(wider.source, narrower.source, lowered, verifyOptions);
    if (options.format === 'json') {
      printJson(ctx, {
        result: verdict.result,
        ...(verdict.result === 'counterexample' ? { counterexample: counterexampleJson(ctx, verdict.counterexample, wider.source.kind !== 'policy' && narrower.source.kind === 'policy') } : {}),
        ...(verdict.result === 'undecided'
          ? { reason: verdict.reason, ...(verdict.pc === undefined ? {} : { pc: verdict.pc }), ...(verdict.program === undefined ? {} : { program: verdict.program }) }
          : {}),
      });
    } else printText(ctx, verdict, wider, narrower, table, options.within === true);
    if (verdict.result === 'counterexample') setExit(ExitCode.policyError);
    if (verdict.result === 'undecided') setExit(ExitCode.undecided);
  });
};

