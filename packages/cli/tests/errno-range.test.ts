// An errno outside 1..4095 is an error with file:line:col (SC4022) or a usage error for
// `--default-action`, never silently masked to 16 bits (issue 20 item 4, issue 22 item 5).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'syscage-errno-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});
writeFileSync(join(scratch, 'ok.policy'), 'read: allow\nexit_group: allow\n');

describe('errno range', () => {
  it.each([
    ['70000', 'read: return 70000\n', '1:14'],
    ['5000 after a condition', 'read: arg0 == 0; return 5000\n', '1:25'],
    ['-1', 'write: return -1\n', '1:15'],
    ['0', 'read: return 0\n', '1:14'],
  ])('compile refuses `return %s` with SC4022 at its value', async (_name, text, position) => {
    writeFileSync(join(scratch, 'bad.policy'), text);
    const result = await runInProcess(['compile', '--arch', 'x86_64', '-o', join(scratch, 'bad.bpf'), 'bad.policy'], scratch);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`bad.policy:${position}: error[SC4022]`);
    expect(result.stderr).toContain('from 1 to 4095');
  });

  it.each(['return 99999', 'return 4096', 'return 0'])('compile refuses --default-action %s as a usage error', async (action) => {
    const result = await runInProcess(['compile', '--arch', 'x86_64', '--default-action', action, '-o', join(scratch, 'ok.bpf'), 'ok.policy'], scratch);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--default-action');
  });

  it('accepts errno 4095', async () => {
    const result = await runInProcess(['compile', '--arch', 'x86_64', '--default-action', 'return 4095', '-o', join(scratch, 'ok.bpf'), 'ok.policy'], scratch);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
