// Every policy and frequency file of the shared corpus parses without any diagnostic.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeWithShared } from '../../../tools/shared-data/vitest.js';
import { parseFrequencyFile, parsePolicy } from '../src/index.js';
import { corpus, corpusFiles } from './corpus-files.js';

const files = corpusFiles();

describeWithShared('corpus', [corpus], () => {
  it('holds the crosvm tree (82 policies and a frequency file)', () => {
    expect(files.filter((file) => file.name.endsWith('.policy')).length).toBeGreaterThanOrEqual(82);
    expect(files.some((file) => file.name.endsWith('.frequency'))).toBe(true);
  });

  it.each(files.map((file) => [file.name, file] as const))('%s parses with no diagnostics', (_name, file) => {
    if (file.name.endsWith('.frequency')) {
      const parsed = parseFrequencyFile(file.text, file.name);
      expect(parsed.diagnostics).toEqual([]);
      expect(parsed.entries.length).toBeGreaterThan(0);
      return;
    }
    const parsed = parsePolicy(file.text, file.name);
    expect(parsed.diagnostics).toEqual([]);
    // Every non-blank, non-comment line belongs to exactly one statement.
    const covered = new Set<number>();
    for (const statement of parsed.statements) {
      for (let line = statement.firstLine; line <= statement.lastLine; line++) covered.add(line);
    }
    const contentLines = file.text
      .split(/\r\n|\r|\n/)
      .map((line, index) => [line.trim(), index + 1] as const)
      .filter(([line]) => line !== '' && !line.startsWith('#'))
      .map(([, number]) => number);
    expect(contentLines.filter((line) => !covered.has(line))).toEqual([]);
  });
});

describe('the repository examples', () => {
  const examplesRoot = fileURLToPath(new URL('../../../examples', import.meta.url));
  const examples = existsSync(examplesRoot)
    ? readdirSync(examplesRoot)
        .filter((name) => name.endsWith('.policy') || name.endsWith('.frequency'))
        .sort()
    : [];

  it('exist (the README runs `syscage parse examples/*.policy`)', () => {
    expect(examples.filter((name) => name.endsWith('.policy')).length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples)('examples/%s parses with no diagnostics', (name) => {
    const text = readFileSync(join(examplesRoot, name), 'utf8');
    const parsed = name.endsWith('.frequency') ? parseFrequencyFile(text, name) : parsePolicy(text, name);
    expect(parsed.diagnostics).toEqual([]);
  });
});
