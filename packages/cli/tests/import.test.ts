// `syscage import` and OCI profiles as inputs of audit, explain and diff, run in-process.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';

let folder = '';

const profile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrno: 'EPERM',
  syscalls: [
    { names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW', comment: 'basics' },
    { names: ['openat'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 3, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
    { names: ['unshare'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['execve'], action: 'SCMP_ACT_ALLOW' },
  ],
};

const files: Record<string, string> = {
  'x86_64/service.json': JSON.stringify(profile, null, 2),
  'x86_64/service.policy': 'read: 1\nwrite: 1\nexit_group: 1\nopenat: arg2 in ~3\nexecve: 1\n',
  'x86_64/bad.json': '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 7, "value": 0, "op": "SCMP_CMP_EQ"}]}]\n}\n',
};

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'syscage-import-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, name)), { recursive: true });
    writeFileSync(join(folder, name), text);
  }
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('syscage import', () => {
  it('prints the policy with each rule’s origin, the architecture from the folder', async () => {
    const result = await runInProcess(['import', 'x86_64/service.json'], folder);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines).toContain('# $.syscalls[0]: basics');
    expect(lines).toContain('{read, write, exit_group}: allow');
    expect(lines).toContain('openat: arg2 in 0xfffffffffffffffc');
    expect(lines.some((line) => line.startsWith('unshare'))).toBe(false);
    expect(lines[1]).toContain('compile with --default-action "return 1"');
  });

  it('evaluates includes for --caps and writes -o FILE', async () => {
    const result = await runInProcess(['import', '--arch', 'x86_64', '--caps', 'sys_admin', '-o', 'admin.policy', 'x86_64/service.json'], folder);
    expect(result.code).toBe(0);
    expect(readFileSync(join(folder, 'admin.policy'), 'utf8')).toContain('\nunshare: allow\n');
  });

  it('reports a bad profile with its JSON path and line, and writes nothing', async () => {
    const result = await runInProcess(['import', '-o', 'bad.policy', 'x86_64/bad.json'], folder);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('x86_64/bad.json:3:');
    expect(result.stderr).toContain('error[SC4042]: $.syscalls[0].args[0].index');
    expect(result.stderr).toContain('nothing written');
    expect(existsSync(join(folder, 'bad.policy'))).toBe(false);
  });

  it('refuses bad options and writing over the profile', async () => {
    expect((await runInProcess(['import', '--kernel', 'six', 'x86_64/service.json'], folder)).code).toBe(2);
    expect((await runInProcess(['import', '--caps', 'CAP-X', 'x86_64/service.json'], folder)).code).toBe(2);
    const over = await runInProcess(['import', '-o', 'x86_64/service.json', 'x86_64/service.json'], folder);
    expect(over.code).toBe(2);
    expect(JSON.parse(readFileSync(join(folder, 'x86_64/service.json'), 'utf8'))).toEqual(profile);
  });
});

describe('OCI profiles as inputs of audit, explain and diff', () => {
  it('explain says which entry decides a call', async () => {
    const result = await runInProcess(['explain', '--syscall', 'openat', '--args', '0,0,2', 'x86_64/service.json'], folder);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('openat(0x0, 0x0, 0x2=O_RDWR, 0x0, 0x0, 0x0) on x86_64: errno 1');
    const allowed = await runInProcess(['explain', '--syscall', 'read', 'x86_64/service.json'], folder);
    expect(allowed.stdout).toContain('x86_64/service.json.policy:');
    // …and the profile entry behind that rule: the first object of "syscalls".
    const text = files['x86_64/service.json'] ?? '';
    const line = text.slice(0, text.indexOf('"read"')).split('\n').length - 2;
    expect(allowed.stdout).toContain(`from the profile entry at x86_64/service.json:${String(line)}:`);
  });

  it('diff compares a profile with the policy it came from', async () => {
    const result = await runInProcess(['diff', '--default-action', 'return 1', 'x86_64/service.policy', 'x86_64/service.json'], folder);
    expect(result.stdout).toContain('no difference');
    expect(result.code).toBe(0);
  });

  it('audit reviews a profile', async () => {
    const result = await runInProcess(['audit', '--format', 'json', '--fail-on', 'none', 'x86_64/service.json'], folder);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { input: string; findings: { code: string; syscall: { name: string } | null }[] };
    expect(report.input).toBe('x86_64/service.json');
    expect(report.findings.some((finding) => finding.syscall?.name === 'execve')).toBe(true);
  });

  it('audit points a finding at the entry of the profile that gives it', async () => {
    const result = await runInProcess(['audit', '--format', 'json', '--fail-on', 'none', 'x86_64/service.json'], folder);
    const report = JSON.parse(result.stdout) as { findings: { syscall: { name: string } | null; location: { file: string; line: number; column: number } | null }[] };
    const execve = report.findings.find((finding) => finding.syscall?.name === 'execve' && finding.location !== null);
    // The entry naming execve is the fourth object of "syscalls" in the pretty-printed profile.
    const text = files['x86_64/service.json'] ?? '';
    const line = text.slice(0, text.indexOf('"execve"')).split('\n').length;
    expect(execve?.location?.file).toBe('x86_64/service.json');
    expect(execve?.location?.line).toBeGreaterThan(line - 4);
    expect(execve?.location?.line).toBeLessThanOrEqual(line);
  });
});
