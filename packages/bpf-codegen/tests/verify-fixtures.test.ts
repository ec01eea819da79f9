// Hand-written programs against small policies (tests/fixtures/verify/<case>/): main.policy,
// program.txt (the `{ code, jt, jf, k }` form) and expected.json (the verdict and, for a
// counterexample, its input and both actions; for undecided, the pc and part of the reason).
// Every counterexample is also replayed: the emulator and the reference must give its actions.
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { emulate } from '../src/emulate.js';
import { lowerPolicy } from '../src/lower.js';
import { actionReturnValue, type DefaultActionOption } from '../src/options.js';
import { evaluatePolicy } from '../src/reference.js';
import { normalizeReturnValue, verifyProgram } from '../src/verify.js';
import { tableNamed } from './compile/helpers.js';
import { parseProgramText } from './disasm-fixture-parse.js';

interface Expected {
  readonly arch: string;
  readonly defaultAction: DefaultActionOption;
  readonly result: 'proved' | 'counterexample' | 'undecided';
  readonly counterexample?: {
    readonly nr: number | string;
    readonly arch: string;
    readonly args: readonly string[];
    readonly ip: string;
    readonly filter: string;
    readonly policy: string;
    readonly rule: string | null;
  };
  readonly pc?: number;
  readonly reason?: string;
}

const root = new URL('./fixtures/verify/', import.meta.url).pathname;
const cases = readdirSync(root).sort();
const hex = (value: bigint | number): string => `0x${value.toString(16)}`;

describe('verify: hand-written programs', () => {
  it.each(cases)('%s', (name) => {
    const dir = `${root}${name}/`;
    const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as Expected;
    const table = tableNamed(expected.arch);
    const resolved = resolvePolicy(`${dir}main.policy`, { host: createNodeHost(), arch: table.name });
    const { policy } = lowerPolicy(resolved, table, { defaultAction: expected.defaultAction });
    if (policy === undefined) throw new Error('the fixture policy does not lower');
    const program = parseProgramText(readFileSync(`${dir}program.txt`, 'utf8'));
    const verdict = verifyProgram(policy, program);
    expect(verdict.result).toBe(expected.result);
    if (verdict.result === 'undecided') {
      expect(verdict.pc).toBe(expected.pc);
      expect(verdict.reason).toContain(expected.reason ?? '');
    }
    if (verdict.result !== 'counterexample') return;
    const { input, expected: policySide, actual: filterSide } = verdict.counterexample;
    const rule = policySide.rule === undefined ? null : `${basename(policySide.rule.file)}:${policySide.rule.line}`;
    expect({
      nr: input.nr,
      arch: hex(input.arch),
      args: input.args.map(hex),
      ip: hex(input.instructionPointer),
      filter: filterSide.action,
      policy: policySide.action,
      rule,
    }).toEqual({ ...expected.counterexample, nr: Number(expected.counterexample?.nr) });
    // Replayed concretely: the program and the policy really disagree there.
    const ran = emulate(program, input, { recordPath: false });
    if (!ran.ok) throw new Error(ran.error.message);
    expect(normalizeReturnValue(ran.returnValue)).toBe(filterSide.returnValue);
    expect(normalizeReturnValue(actionReturnValue(evaluatePolicy(policy, input).action))).toBe(policySide.returnValue);
    expect(filterSide.returnValue).not.toBe(policySide.returnValue);
  });
});
