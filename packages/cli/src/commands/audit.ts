/**
 * `syscage audit POLICY|FILE.bpf [--arch A] [--format text|json|sarif] [--fail-on LEVEL]
 * [--device | --no-device]`: a security review of a compiled filter by path analysis of the
 * program itself (`@syscage/bpf-codegen`'s `auditProgram`), so it works on filters Minijail or
 * libseccomp wrote as well as ours. For a `.policy` input the program is compiled first and each
 * finding points at the rule that decides it. Exit 1 when a finding is at or above `--fail-on`.
 */
import { Option } from 'commander';
import { type AuditFinding, type AuditReport, type AuditSeverity, acknowledgeAuditFindings, auditDiagnosticSeverity, auditFindingCodes, auditProgram, auditSeverities, auditSeverityAtLeast } from '@syscage/bpf-codegen';
import { isDevicePolicyName, type RuleOrigin } from '@syscage/include-resolver';
import { type Diagnostic, formatDiagnostic } from '@syscage/policy-parser';
import { createColors } from 'picocolors';
import { pathToFileURL } from 'node:url';
import { sep } from 'node:path';
import { ExitCode } from '../exit-codes.js';
import { printJson, showPath } from '../output.js';
import { atProfileEntry } from '../oci-input.js';
import { type PolicyInputOptions, addPolicyInputOptions, archOption, formatOption, refusePolicyOptionsWithoutPolicy } from '../options.js';
import type { RegisterCommand } from '../program.js';
import { toSarifLog } from './check.js';
import { hex, loadArch, readProgramInput } from './simulate-input.js';

interface AuditCommandOptions extends PolicyInputOptions {
  readonly arch?: string;
  readonly format: 'text' | 'json' | 'sarif';
  readonly failOn: AuditSeverity | 'none';
  readonly device?: boolean;
}

const wholeFile = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };

/**
 * A finding as a toolchain diagnostic: at its rule for a policy, at the start of `file` (the
 * audited input, as shown) otherwise. `show` turns a rule's absolute path into the shown one.
 */
export function findingDiagnostic(finding: AuditFinding, file: string, show: (path: string) => string): Diagnostic {
  const origin: RuleOrigin | undefined = finding.origin;
  return {
    code: finding.code,
    severity: auditDiagnosticSeverity[finding.severity],
    message: finding.message,
    file: origin === undefined ? file : show(origin.file),
    range: origin === undefined ? wholeFile : { start: origin.range.start, end: origin.range.start.line === origin.range.end.line ? origin.range.end : origin.range.start },
  };
}

function exampleText(finding: AuditFinding, names: ReadonlyMap<number, string>): string | undefined {
  const example = finding.example;
  if (example === undefined) return undefined;
  const name = names.get(example.nr) ?? `syscall ${hex(example.nr)}`;
  return `${name}(${example.args.map(hex).join(', ')}) with arch ${hex(example.arch)} is allowed`;
}

function counts(report: AuditReport): Record<AuditSeverity, number> {
  const result: Record<AuditSeverity, number> = { high: 0, medium: 0, low: 0, info: 0 };
  for (const finding of report.findings) result[finding.severity]++;
  return result;
}

/** Registers `syscage audit`. */
export const registerAudit: RegisterCommand = (program, ctx, setExit) => {
  addPolicyInputOptions(
    program
      .command('audit')
      .description('security review of a compiled filter (ours, Minijail’s, libseccomp’s) or of a policy’s program')
      .argument('<input>', 'a .policy file (compiled first), an OCI seccomp profile (.json, imported and compiled) or a raw .bpf file')
      .addOption(archOption('architecture (default: a .policy’s parent folder name, or the one a .bpf checks for)'))
      .addOption(formatOption(['text', 'json', 'sarif']))
      .addOption(new Option('--fail-on <level>', 'exit 1 when a finding is at or above this severity').choices([...auditSeverities, 'none']).default('high'))
      .option('--device', 'audit as a device process (execve is an escape); default: when the file name has `_device`')
      .option('--no-device', 'audit as a process that may run programs'),
  ).action(async (file: string, options: AuditCommandOptions) => {
      refusePolicyOptionsWithoutPolicy(options, [file]);
      const arch = await loadArch(ctx, options.arch, file);
      const input = await readProgramInput(ctx, file, arch, options, setExit);
      if (input === undefined) return;
      const device = options.device ?? isDevicePolicyName(input.file);
      const defaultOrigin = input.resolved?.defaultAction?.origin;
      const report = auditProgram(input.program, {
        arch,
        device,
        ...(input.lowered === undefined ? {} : { policy: input.lowered }),
        ...(defaultOrigin === undefined ? {} : { defaultOrigin }),
      });
      const names = new Map<number, string>();
      for (const [name, nr] of Object.entries(arch.syscalls)) if (!names.has(nr)) names.set(nr, name);
      // A profile's findings point at the entry behind the imported policy's rule.
      const policyShown = showPath(ctx, `${input.file}.policy`);
      const diagnostics = report.findings.map((finding) => atProfileEntry(findingDiagnostic(finding, input.shown, (path) => showPath(ctx, path)), policyShown, input.shown, input.entryAt));
      // `# audit-ack SC7xxx: reason` above a rule: reported with its reason, never failing --fail-on.
      const acks = acknowledgeAuditFindings(report.findings, (path) => input.sources.get(showPath(ctx, path))).map((item) => item.acknowledged);
      const tally = counts(report);
      if (options.format === 'json') {
        printJson(ctx, {
          input: input.shown,
          arch: arch.name,
          device,
          counts: tally,
          findings: report.findings.map((finding, index) => {
            const diagnostic = diagnostics[index];
            return {
              code: finding.code,
              name: auditFindingCodes[finding.code].name,
              severity: finding.severity,
              message: finding.message,
              syscall: finding.syscall === undefined ? null : { nr: finding.syscall.nr, name: finding.syscall.name ?? null },
              example: finding.example === undefined ? null : { nr: finding.example.nr, arch: hex(finding.example.arch), args: finding.example.args.map(hex) },
              location: finding.origin === undefined || diagnostic === undefined ? null : { file: diagnostic.file, line: diagnostic.range.start.line, column: diagnostic.range.start.column },
              acknowledged: acks[index] === undefined ? null : { line: acks[index].line, reason: acks[index].reason },
            };
          }),
        });
      } else if (options.format === 'sarif') {
        printJson(ctx, toSarifLog(diagnostics, (path) => (path.startsWith('/') ? pathToFileURL(path).href : path.split(sep).map(encodeURIComponent).join('/')), ctx.cwd));
      } else {
        const colors = ctx.color ? { colors: createColors(true) } : {};
        const out: string[] = [];
        report.findings.forEach((finding, index) => {
          const diagnostic = diagnostics[index];
          if (diagnostic === undefined) return;
          // The frame shows the rule; the label shows the audit's severity, not the diagnostic's.
          const framed = formatDiagnostic(diagnostic, finding.origin === undefined ? new Map() : input.sources, colors);
          const lines = [framed.replace(`${diagnostic.severity}[${finding.code}]`, `${finding.severity}[${finding.code}]`)];
          const example = exampleText(finding, names);
          if (example !== undefined) lines.push(`  = example: ${example}`);
          const ack = acks[index];
          if (ack !== undefined) lines.push(`  = acknowledged on line ${String(ack.line)}: ${ack.reason}`);
          out.push(lines.join('\n'));
        });
        const acked = acks.filter((ack) => ack !== undefined).length;
        const summary = `${input.shown} (${arch.name}${device ? ', device' : ''}): ${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} (${auditSeverities.map((severity) => `${tally[severity]} ${severity}`).join(', ')})${acked > 0 ? `, ${String(acked)} acknowledged` : ''}`;
        ctx.stdout(`${[...out, summary].join('\n\n')}\n`);
      }
      const threshold = options.failOn;
      if (threshold !== 'none' && report.findings.some((finding, index) => acks[index] === undefined && auditSeverityAtLeast(finding.severity, threshold))) setExit(ExitCode.policyError);
    });
};
