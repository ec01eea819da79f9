// Differential test of the lexer against Python's `re` running the same token table
// (tests/oracle/python_tokens.py), on generated inputs. Skipped, with a message, when python3
// is not installed.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenize } from '../src/index.js';

const script = fileURLToPath(new URL('oracle/python_tokens.py', import.meta.url));
const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const available = python.status === 0;
if (!available) console.warn('lexer oracle test skipped: python3 is not installed');

const pieces = fc.constantFrom(
  ...['read', 'kill', 'kill-process', 'kill-thread', 'kill-', 'allow', 'user-notify', 'user-', 'arg0', 'arg12', 'arg', 'return', 'in', 'int', 'trap', 'trace', 'log'],
  ...['@default', '@include', '@frequency', '@denylist', '@', '0', '08', '0755', '0x1f', '0x', '-1', '-', '12abc', 'a@b', 'x-y'],
  ...[':', ';', ',', '~', '(', ')', '{', '}', '[', ']', '|', '||', '&', '&&', '==', '!=', '<', '<=', '=', '>', '>=', '!', '#', '\\', '.', '/', './x', '../y'],
  ...[' ', '\t', '\n', '\r', '\r\n', '\u00a0', '\u3000', '\u001c', '\u0085', '\u2028', '\ufeff', 'é', '٣', '𝔘', '\u0000', '$', '%'],
);
const generated = fc.oneof(
  fc.array(pieces, { maxLength: 40 }).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

function ours(text: string): [string, string, number][] {
  return tokenize(text).map((token) => [token.kind, token.text, token.range.start.line]);
}

describe.skipIf(!available)('lexer agrees with Python re on the spec token table', () => {
  it('on 3000 generated inputs', () => {
    const inputs = [...fc.sample(generated, { numRuns: 3000, seed: 20260728 }), 'read: \\', '\r\n\r', ''];
    const result = spawnSync('python3', [script], { input: JSON.stringify(inputs), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(result.status, result.stderr).toBe(0);
    const expected = JSON.parse(result.stdout) as [string, string, number][][];
    const mismatches = inputs.map((text, index) => ({ text, ours: ours(text), python: expected[index] })).filter((entry) => JSON.stringify(entry.ours) !== JSON.stringify(entry.python));
    expect(mismatches.slice(0, 3)).toEqual([]);
  });
});
