// `syscage check --format sarif` output is valid SARIF 2.1.0 (schema vendored in tests/vendor).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from '../../../tools/shared-data/index.js';
import { itWithShared } from '../../../tools/shared-data/vitest.js';
import { runInProcess } from './helpers.js';

const schema = JSON.parse(
  readFileSync(fileURLToPath(new URL('./vendor/sarif-2.1.0-rtm.5.json', import.meta.url)), 'utf8'),
) as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

const crosvm = sharedData('corpus/crosvm-2022-06');

let folder = '';
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'syscage-sarif-'));
  writeFileSync(join(folder, 'main.policy'), '@include ./lib.policy\nread: allow\nread: arg0 == 1\n');
  writeFileSync(join(folder, 'lib.policy'), 'write arg0\nopen: arg0 == 0; return EPERM\nopen: arg0 == 0\n');
});
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

interface SarifResult {
  ruleId: string;
  level: string;
  locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }[];
  relatedLocations?: unknown[];
}

describe('syscage check --format sarif', () => {
  it('rejects a log that breaks the schema (the validator is live)', () => {
    expect(validate({ version: '2.1.0', runs: [{ tool: {} }] })).toBe(false);
    expect(validate({ version: '2.0.0', runs: [] })).toBe(false);
  });

  it('emits a valid log with errors, warnings, rules and related locations', async () => {
    const result = await runInProcess(['check', 'main.policy', '--format', 'sarif'], folder);
    expect(result.code).toBe(1);
    const log = JSON.parse(result.stdout) as { runs: { results: SarifResult[]; tool: { driver: { rules: { id: string }[] } } }[] };
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const run = log.runs[0];
    const summary = run?.results.map((r) => [r.ruleId, r.level, r.locations[0]?.physicalLocation.artifactLocation.uri, r.locations[0]?.physicalLocation.region.startLine]);
    expect(summary).toEqual([
      ['SC1003', 'error', 'lib.policy', 1],
      ['SC2012', 'warning', 'lib.policy', 3],
      ['SC2010', 'error', 'main.policy', 3],
      ['SC2051', 'warning', 'lib.policy', 3],
    ]);
    expect(run?.tool.driver.rules.map((rule) => rule.id)).toEqual(['SC1003', 'SC2010', 'SC2012', 'SC2051']);
    expect(run?.results[2]?.relatedLocations).toHaveLength(1);
  });

  itWithShared('emits a valid log for the whole crosvm tree', [crosvm], async () => {
    const result = await runInProcess(['check', crosvm.path, '--lint', 'warn', '--format', 'sarif'], folder);
    expect(result.code).toBe(0);
    const log = JSON.parse(result.stdout) as { runs: { results: SarifResult[] }[] };
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(log.runs[0]?.results.length).toBeGreaterThan(80);
  });

  // Rules come from one registry of every package's codes: before it, an SC4xxx finding (or
  // any code outside SC1–SC3) had a rule with no name and no description.
  it('describes a rule of every range, the architecture checks included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syscage-sarif-arch-'));
    try {
      writeFileSync(join(dir, 'opnat.policy'), 'opnat: 1\nread: arg0 == NO_SUCH_CONSTANT\n');
      const result = await runInProcess(['check', '--arch', 'x86_64', '--format', 'sarif', 'opnat.policy'], dir);
      const log = JSON.parse(result.stdout) as { runs: { tool: { driver: { rules: { id: string; name?: string; shortDescription?: { text: string } }[] } } }[] };
      const rules = log.runs[0]?.tool.driver.rules ?? [];
      expect(rules.map((rule) => [rule.id, rule.name])).toEqual([
        ['SC4001', 'unknown-syscall'],
        ['SC4002', 'unknown-constant'],
      ]);
      expect(rules.every((rule) => (rule.shortDescription?.text ?? '') !== '')).toBe(true);
      expect(validate(log)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the registry of diagnostic codes', () => {
  it('holds each package table once, every code with a summary', async () => {
    const { allDiagnosticCodes } = await import('../src/codes.js');
    const codes = allDiagnosticCodes();
    for (const code of ['SC1001', 'SC2001', 'SC3001', 'SC4001', 'SC4601', 'SC5001', 'SC6001', 'SC7030', 'SC9501']) expect(codes.has(code), code).toBe(true);
    for (const [code, description] of codes) {
      expect(code).toMatch(/^SC\d{4}$/);
      expect(description.summary).not.toBe('');
    }
  });
});
