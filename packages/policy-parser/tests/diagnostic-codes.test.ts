import { describe, expect, it } from 'vitest';
import { createDiagnosticBuilder, defineCodes, fileStartRange } from '../src/index.js';

describe('defineCodes', () => {
  it.each([
    ['a TypeScript table', { SC0001: { name: 'one', severity: 'error', summary: 'One.' } } as const],
    ['a table read as data (codes.json)', JSON.parse('{"SC0001": {"name": "one", "severity": "warning", "summary": "One."}}') as Record<string, { name: string; severity: string; summary: string }>],
  ])('returns %s as given', (_what, table) => {
    expect(defineCodes(table)).toBe(table);
  });

  it.each([
    ['a key not of the form SCnnnn', { SC01: { name: 'short', severity: 'error', summary: 'Short.' } }, 'diagnostic code SC01 is not of the form SCnnnn'],
    ['a severity that is not error, warning or info', { SC0002: { name: 'loud', severity: 'fatal', summary: 'Loud.' } }, 'diagnostic code SC0002 has the severity fatal, not error, warning or info'],
  ])('throws on %s', (_what, table, message) => {
    expect(() => defineCodes(table)).toThrow(message);
  });
});

describe('createDiagnosticBuilder', () => {
  const build = createDiagnosticBuilder(defineCodes(JSON.parse('{"SC0003": {"name": "three", "severity": "warning", "summary": "Three."}}') as { SC0003: { name: string; severity: string; summary: string } }));

  it("gives a data table's code its severity and the start of the file", () => {
    expect(build('SC0003', 'three things', 'a.policy')).toEqual({ code: 'SC0003', severity: 'warning', message: 'three things', file: 'a.policy', range: fileStartRange });
  });
});
