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
    ]);
    expect(run?.tool.driver.rules.map((rule) => rule.id)).toEqual(['SC1003', 'SC2010', 'SC2012']);
    expect(run?.results[2]?.relatedLocations).toHaveLength(1);
  });

  itWithShared('emits a valid log for the whole crosvm tree', [crosvm], async () => {
    const result = await runInProcess(['check', crosvm.path, '--lint', 'warn', '--format', 'sarif'], folder);
    expect(result.code).toBe(0);
    const log = JSON.parse(result.stdout) as { runs: { results: SarifResult[] }[] };
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(log.runs[0]?.results.length).toBeGreaterThan(80);
  });
});
