// One runner for the program fixtures: tests/fixtures/programs/<case>/program.txt holds a
// program as `{ code, jt, jf, k },` lines (the `tcpdump -dd` / `bpf_asm -c` form, `#` starts a
// comment); next to it, expected-validate.json lists the validator's {code, pc} findings and
// expected-disasm.txt (optional) the disassembly against tests/disasm-arch.ts's x86_64 table.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectFixtureJson, expectFixtureText } from '../../../tools/fixtures/index.js';
import { disassemble, formatDisassembly } from '../src/disasm.js';
import { validateProgram } from '../src/validate.js';
import { miniX86_64 } from './disasm-arch.js';
import { parseProgramText } from './disasm-fixture-parse.js';

const root = fileURLToPath(new URL('./fixtures/programs/', import.meta.url));
const cases = readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe('program fixtures', () => {
  it('has fixtures', () => {
    expect(cases.length).toBeGreaterThan(10);
  });

  it.each(cases)('%s', (name) => {
    const dir = join(root, name);
    const program = parseProgramText(readFileSync(join(dir, 'program.txt'), 'utf8'));
    const found = validateProgram(program).map((d) => (d.pc === undefined ? { code: d.code } : { code: d.code, pc: d.pc }));
    expectFixtureJson(join(dir, 'expected-validate.json'), found);
    const disasmPath = join(dir, 'expected-disasm.txt');
    if (existsSync(disasmPath)) expectFixtureText(disasmPath, formatDisassembly(disassemble(program, { arch: miniX86_64 })));
  });
});
