// Fixture runner: every folder under tests/fixtures holds `input.policy` or `input.frequency`
// and `expected.txt` (the rendered diagnostics, then an outline of the parsed AST). Folders
// under `_error_/` must produce at least one error; the others none.
// `UPDATE_FIXTURES=1 pnpm exec vitest run tests/fixtures.test.ts` rewrites expected.txt files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectFixtureText } from '../../../tools/fixtures/index.js';
import { formatDiagnostic, parseFrequencyFile, parsePolicy } from '../src/index.js';
import type { Action, Diagnostic, Filter, Statement, SyscallDescriptor, ValueExpr } from '../src/index.js';

const fixturesRoot = fileURLToPath(new URL('fixtures', import.meta.url));

function findCases(folder: string, prefix: string): { name: string; folder: string }[] {
  const cases: { name: string; folder: string }[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(folder, entry.name);
    if (entry.name === '_error_') cases.push(...findCases(path, `${prefix}_error_/`));
    else cases.push({ name: `${prefix}${entry.name}`, folder: path });
  }
  return cases.sort((a, b) => a.name.localeCompare(b.name));
}

function value(expr: ValueExpr): string {
  switch (expr.kind) {
    case 'number':
      return `${expr.text}=${expr.value}`;
    case 'constant':
      return expr.name;
    case 'complement':
      return `~${value(expr.operand)}`;
    case 'paren':
      return `(${value(expr.expression)})`;
    case 'bit-or':
      return expr.operands.map(value).join('|');
  }
}

function action(act: Action): string {
  return act.kind === 'return' ? `return ${value(act.value)}` : `${act.action}${act.text === act.action ? '' : ` (as ${act.text || 'implicit'})`}`;
}

function filter(f: Filter): string {
  const condition = f.condition?.clauses.map((clause) => clause.atoms.map((atom) => `arg${atom.argIndex} ${atom.operator} ${value(atom.value)}`).join(' && ')).join(' || ');
  return condition === undefined ? action(f.action) : `${condition} ; ${action(f.action)}`;
}

function descriptor(d: SyscallDescriptor): string {
  const metadata = d.metadata ? `[${d.metadata.entries.map((e) => `${e.key}=${e.values.map((v) => v.value).join(',')}`).join(';')}]` : '';
  return `${d.name}${d.group === undefined ? '' : `@${d.group}`}${metadata}`;
}

function statement(s: Statement): string {
  const where = s.firstLine === s.lastLine ? `${s.firstLine}` : `${s.firstLine}-${s.lastLine}`;
  const comment = s.trailingComment ? ' (trailing comment)' : '';
  switch (s.kind) {
    case 'include':
    case 'frequency':
      return `${where} @${s.kind} ${s.path}${comment}`;
    case 'default':
      return `${where} @default ${action(s.action)}${comment}`;
    case 'denylist':
      return `${where} @denylist${comment}`;
    case 'filter-statement': {
      const names = s.descriptors.map(descriptor).join(', ');
      const filters = s.filters.map(filter).join(', ');
      return `${where} ${s.descriptorsBraced ? `{${names}}` : names}: ${s.filtersBraced ? `{${filters}}` : filters}${comment}`;
    }
  }
}

function render(name: string, text: string): { output: string; diagnostics: readonly Diagnostic[] } {
  const sources = new Map([[name, text]]);
  if (name.endsWith('.frequency')) {
    const parsed = parseFrequencyFile(text, name);
    const lines = [
      ...parsed.diagnostics.map((d) => formatDiagnostic(d, sources)),
      '--- entries',
      ...parsed.entries.map((e) => `${e.range.start.line} ${descriptor(e.descriptor)} = ${e.count}`),
    ];
    return { output: `${lines.join('\n')}\n`, diagnostics: parsed.diagnostics };
  }
  const parsed = parsePolicy(text, name);
  const lines = [...parsed.diagnostics.map((d) => formatDiagnostic(d, sources)), '--- statements', ...parsed.statements.map(statement)];
  return { output: `${lines.join('\n')}\n`, diagnostics: parsed.diagnostics };
}

describe('fixtures', () => {
  it.each(findCases(fixturesRoot, ''))('$name', ({ name, folder }) => {
    const inputName = existsSync(join(folder, 'input.frequency')) ? 'input.frequency' : 'input.policy';
    const text = readFileSync(join(folder, inputName), 'utf8');
    const { output, diagnostics } = render(inputName, text);
    const expectedPath = join(folder, 'expected.txt');
    expect(diagnostics.some((d) => d.severity === 'error')).toBe(name.includes('_error_/'));
    expectFixtureText(expectedPath, output);
  });
});
