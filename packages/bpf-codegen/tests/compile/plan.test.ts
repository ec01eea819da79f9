// Planning follows the call counts: syscalls that are made often, allowed or denied, are decided
// after fewer dispatch tests. Counts come from @frequency, the option, or the typical profile.
import { describe, expect, it } from 'vitest';
import { emulate } from '../../src/emulate.js';
import type { GenerateOptions } from '../../src/compile.js';
import { compileText, numberOf, tableNamed } from './helpers.js';

// A narrow policy like crosvm's serial.policy: read and write are denied but still made often.
const narrow = 'prctl: arg0 == 15\nbind: allow\nconnect: allow\nsocket: allow\nlisten: allow\nopenat: return 2\n';

function executed(text: string, archName: string, syscall: string, options: GenerateOptions, files: Record<string, string> = {}): { action: string; count: number } {
  const table = tableNamed(archName);
  const { result } = compileText(text, table, { defaultAction: 'trap', ...options }, files);
  if (result.program === undefined) throw new Error('no program');
  const run = emulate(result.program, { nr: numberOf(table, syscall), arch: table.auditArch, instructionPointer: 0n, args: [15n, 0n, 0n, 0n, 0n, 0n] }, { byteOrder: table.endianness });
  if (!run.ok) throw new Error('emulation failed');
  return { action: run.action, count: run.instructionsExecuted };
}

describe('dispatch follows call counts', () => {
  // arch load + test, nr load, one dispatch test, ret: the least a denial can execute.
  it.each([
    ['x86_64', 'read'],
    ['x86_64', 'write'],
    ['arm', 'read'],
    ['arm', 'write'],
  ])('%s: a denied %s the typical profile counts is refused after one dispatch test', (archName, syscall) => {
    expect(executed(narrow, archName, syscall, {})).toEqual({ action: 'trap', count: 5 });
    // Without counts the plan minimises the allowed syscalls' tests instead.
    expect(executed(narrow, archName, syscall, { typicalFrequencies: false }).count).toBeGreaterThan(5);
  });

  it.each([
    ['@frequency file', {}, { '/p/main.frequency': 'listen: 1000\n' }, '@frequency ./main.frequency\n', 'listen', 'prctl'],
    ['frequencies option', { frequencies: new Map([['socket', 1000n]]) }, {}, '', 'socket', 'prctl'],
  ] as const)('%s: the counted syscall is decided before the others', (_name, options, files, header, counted, other) => {
    const text = `${header}${narrow}`;
    const hot = executed(text, 'x86_64', counted, options, files);
    const cold = executed(text, 'x86_64', other, options, files);
    expect(hot.count).toBeLessThan(cold.count);
    // Without the count the same syscall is further down.
    expect(executed(narrow, 'x86_64', counted, {}).count).toBeGreaterThan(hot.count);
  });
});
