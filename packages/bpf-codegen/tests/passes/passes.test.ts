// Golden tests of the optimisation passes: tests/passes/<pass>/<case>/ holds input.policy and
// case.json ({arch, options}); on.txt is the disassembly with every pass on, off.txt with only
// this pass off. Both programs must decide every probe like the reference semantics, and the
// two must differ (a pass that changes nothing on its own golden test is not tested by it).
// SYSCAGE_UPDATE_FIXTURES=1 rewrites on.txt and off.txt after reviewing a change.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { GenerateOptions } from '../../src/compile.js';
import { disassemble, formatDisassembly } from '../../src/disasm.js';
import { type PassName, optimizationPasses } from '../../src/passes.js';
import { evaluatePolicy } from '../../src/reference.js';
import type { BpfProgram } from '../../src/types.js';
import { compileText, decide, describeAction, tableNamed } from '../compile/helpers.js';
import { expectFixtureText } from '../../../../tools/fixtures/index.js';

interface PassCase {
  readonly arch: string;
  readonly options?: GenerateOptions;
}

const root = fileURLToPath(new URL('./', import.meta.url));

function folders(path: string): string[] {
  if (!existsSync(path)) return [];
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

const cases = optimizationPasses.flatMap((pass) => folders(join(root, pass.name)).map((name) => [`${pass.name}/${name}`, pass.name, name] as const));

/** Argument values worth probing: every number the policy names, its neighbours, and a high word. */
function probeValues(text: string): bigint[] {
  const numbers = [...text.matchAll(/\b(0x[0-9a-fA-F]+|\d+)\b/g)].map((match) => BigInt(match[1] ?? '0'));
  const values = new Set<bigint>([0n, 1n << 32n]);
  for (const value of numbers) for (const near of [value - 1n, value, value + 1n]) if (near >= 0n) values.add(near);
  return [...values];
}

describe('optimisation pass golden tests', () => {
  it.each(optimizationPasses.map((pass) => [pass.name]))('%s has a golden test', (name) => {
    expect(folders(join(root, name)).length).toBeGreaterThan(0);
  });

  it.each(cases)('%s', (_label, pass: PassName, name) => {
    const dir = join(root, pass, name);
    const text = readFileSync(join(dir, 'input.policy'), 'utf8');
    const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as PassCase;
    const table = tableNamed(spec.arch);
    const compile = (passOn: boolean): { program: BpfProgram; listing: string } => {
      const options = spec.options ?? {};
      const { resolved, result } = compileText(text, table, { ...options, passes: { ...options.passes, [pass]: passOn } });
      expect(resolved.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
      expect(result.diagnostics).toEqual([]);
      const program = result.program ?? [];
      const lowered = result.lowered;
      if (lowered === undefined) throw new Error('not lowered');
      const values = probeValues(text);
      for (const syscall of lowered.syscalls) {
        for (const value of values) {
          for (const position of [0, 1, 2]) {
            const args = [0n, 0n, 0n, 0n, 0n, 0n];
            args[position] = value;
            const want = describeAction(evaluatePolicy(lowered, { nr: syscall.number, arch: table.auditArch, args }).action);
            expect(decide(program, table.auditArch, syscall.number, args), `${syscall.name} arg${position}=${value}`).toBe(want);
          }
        }
      }
      return { program, listing: formatDisassembly(disassemble(program, { arch: table })) };
    };
    const on = compile(true);
    const off = compile(false);
    expect(on.listing).not.toBe(off.listing);
    expectFixtureText(join(dir, 'on.txt'), on.listing);
    expectFixtureText(join(dir, 'off.txt'), off.listing);
  });
});
