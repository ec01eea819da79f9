// The README's code table documents every diagnostic code with its current severity and title.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parserDiagnosticCodes } from '../src/index.js';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const rows = new Map(
  [...readme.matchAll(/^\| (SC\d{4}) \| (\w+) \| ([^|]+?) \|/gm)].map((match) => [match[1] ?? '', { severity: match[2], title: match[3] }]),
);

describe('README code table', () => {
  it.each(Object.entries(parserDiagnosticCodes))('documents %s', (code, info) => {
    expect(rows.get(code)).toEqual({ severity: info.severity, title: info.title });
  });

  it('lists no code the parser does not have', () => {
    expect([...rows.keys()].filter((code) => !(code in parserDiagnosticCodes))).toEqual([]);
  });
});
