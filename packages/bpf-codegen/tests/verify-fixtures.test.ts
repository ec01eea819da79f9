// Hand-written programs against small policies (tests/fixtures/verify/<case>/): main.policy,
// program.txt (the `{ code, jt, jf, k }` form), case.json (the architecture and default action)
// and expected.json (the verdict and, for a counterexample, its input and both actions; for
// undecided, the pc and the reason). Every counterexample is also replayed: the emulator and the
// reference must give its actions. SYSCAGE_UPDATE_FIXTURES=1 rewrites expected.json.
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
import { expectFixtureJson } from '../../../tools/fixtures/index.js';

interface Case {
  readonly arch: string;
  readonly defaultAction: DefaultActionOption;
}

const root = new URL('./fixtures/verify/', import.meta.url).pathname;
const cases = readdirSync(root).sort();
const hex = (value: bigint | number): string => `0x${value.toString(16)}`;

describe('verify: hand-written programs', () => {
  it.each(cases)('%s', (name) => {
    const dir = `${root}${name}/`;
    const fixture = JSON.parse(readFileSync(`${dir}case.json`, 'utf8')) as Case;
    const table = tableNamed(fixture.arch);
    const resolved = resolvePolicy(`${dir}main.policy`, { host: createNodeHost(), arch: table.name });
    const { policy } = lowerPolicy(resolved, table, { defaultAction: fixture.defaultAction });
    if (policy === undefined) throw new Error('the fixture policy does not lower');
    const program = parseProgramText(readFileSync(`${dir}program.txt`, 'utf8'));
    const verdict = verifyProgram(policy, program);
    if (verdict.result !== 'counterexample') {
      expectFixtureJson(`${dir}expected.json`, verdict.result === 'undecided' ? { result: verdict.result, pc: verdict.pc, reason: verdict.reason } : { result: verdict.result });
      return;
    }
    const { input, expected: policySide, actual: filterSide } = verdict.counterexample;
    const rule = policySide.rule === undefined ? null : `${basename(policySide.rule.file)}:${policySide.rule.line}`;
    expectFixtureJson(`${dir}expected.json`, {
      result: verdict.result,
      counterexample: {
        nr: input.nr,
        arch: hex(input.arch),
        args: input.args.map(hex),
        ip: hex(input.instructionPointer),
        filter: filterSide.action,
        policy: policySide.action,
        rule,
      },
    });
    // Replayed concretely: the program and the policy really disagree there.
    const ran = emulate(program, input, { recordPath: false });
    if (!ran.ok) throw new Error(ran.error.message);
    expect(normalizeReturnValue(ran.returnValue)).toBe(filterSide.returnValue);
    expect(normalizeReturnValue(actionReturnValue(evaluatePolicy(policy, input).action))).toBe(policySide.returnValue);
    expect(filterSide.returnValue).not.toBe(policySide.returnValue);
  });
});
