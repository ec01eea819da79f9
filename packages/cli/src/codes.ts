/**
 * One registry of every diagnostic code the toolchain reports, read from each package's own
 * table (the single place that gives a code its meaning). The CLI uses it for the rule metadata
 * of SARIF logs, so a finding of any range, not only the parser's and resolver's, is described.
 */
import { archDiagnosticCodes } from '@syscage/arch-tables';
import { ProgramDiagnosticCode, auditDiagnosticSeverity, auditFindingCodes, codegenDiagnosticCodes } from '@syscage/bpf-codegen';
import { resolverDiagnosticCodes } from '@syscage/include-resolver';
import { jailStepCodes, learnLogCodes } from '@syscage/jail-runner';
import { type DiagnosticCodeTable, type Severity, parserDiagnosticCodes } from '@syscage/policy-parser';
import { buildDiagnosticCodes } from './build/codes.js';

/** What the registry knows of one code. */
export interface CodeDescription {
  /** Short kebab-case name, where the code's table has one. */
  readonly name?: string;
  /** One line: what the code means. */
  readonly summary: string;
  /** The severity the code is reported with, where it is fixed. */
  readonly severity?: Severity;
}

function words(identifier: string): string {
  return identifier.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/-/g, ' ').toLowerCase();
}

function build(): ReadonlyMap<string, CodeDescription> {
  const registry = new Map<string, CodeDescription>();
  const add = (code: string, description: CodeDescription): void => {
    // A code has one meaning: two tables claiming one code is a bug the tests catch.
    if (registry.has(code)) throw new Error(`diagnostic code ${code} is defined twice`);
    registry.set(code, description);
  };
  const tables: readonly DiagnosticCodeTable[] = [
    parserDiagnosticCodes,
    resolverDiagnosticCodes,
    codegenDiagnosticCodes,
    archDiagnosticCodes,
    buildDiagnosticCodes,
    learnLogCodes,
  ];
  for (const table of tables) {
    for (const [code, info] of Object.entries(table)) add(code, { name: info.name, summary: info.summary, severity: info.severity });
  }
  // Audit findings have their own severities (high … info); SARIF levels use the mapped ones.
  for (const [code, info] of Object.entries(auditFindingCodes)) add(code, { name: info.name, summary: info.summary, severity: auditDiagnosticSeverity[info.severity] });
  for (const [key, code] of Object.entries(ProgramDiagnosticCode)) add(code, { name: words(key).replace(/ /g, '-'), summary: `BPF program check: ${words(key)}` });
  for (const [step, code] of Object.entries(jailStepCodes)) add(code, { name: `${step}-failed`, summary: `the runner's ${step} step failed`, severity: 'error' });
  return registry;
}

let registry: ReadonlyMap<string, CodeDescription> | undefined;

/** Every code of every package's table, code → description (built on first use). */
export function allDiagnosticCodes(): ReadonlyMap<string, CodeDescription> {
  registry ??= build();
  return registry;
}
