import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { encodeProgram } from '@syscage/bpf-codegen';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../tools/shared-data/index.js';
import { describeWithShared } from '../../../tools/shared-data/vitest.js';
import { runInProcess } from './helpers.js';
import { allowlistProgram } from './simulate-fixture.js';

const corpus = sharedData('corpus');
const shared = corpus.path;

/** A policy folder with a crosvm-style ioctl rule, a tight policy, and two .bpf programs. */
function makeInputs(): string {
  const root = mkdtempSync(join(tmpdir(), 'syscage-audit-'));
  mkdirSync(join(root, 'x86_64'));
  writeFileSync(join(root, 'x86_64', 'common.policy'), 'read: 1\nwrite: 1\nexit_group: 1\n');
  writeFileSync(join(root, 'x86_64', 'gpu_device.policy'), '@include ./common.policy\n# GPU ioctls\nioctl: arg1 == FIONBIO || arg1 & 0x6400\nmmap: arg2 in ~PROT_EXEC\n');
  writeFileSync(join(root, 'x86_64', 'tight_device.policy'), '@include ./common.policy\nioctl: arg1 == FIONBIO\nmmap: arg2 in ~PROT_EXEC\n');
  writeFileSync(join(root, 'checked.bpf'), encodeProgram(allowlistProgram));
  // ld nr; jeq read → allow; kill: no architecture check at all.
  writeFileSync(join(root, 'unchecked.bpf'), encodeProgram([{ code: 0x20, jt: 0, jf: 0, k: 0 }, { code: 0x15, jt: 0, jf: 1, k: 0 }, { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 }, { code: 0x06, jt: 0, jf: 0, k: 0x80000000 }]));
  return root;
}

const root = makeInputs();

describe('syscage audit', () => {
  it('names the TIOCSTI hole of an `arg1 & 0x6400` rule at its file and line, and exits 1', async () => {
    const result = await runInProcess(['audit', 'x86_64/gpu_device.policy'], root);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('x86_64/gpu_device.policy:3:1: high[SC7030]: ioctl is allowed for TIOCSTI (0x5412) and TIOCLINUX (0x541c)');
    expect(result.stdout).toContain('3 | ioctl: arg1 == FIONBIO || arg1 & 0x6400');
    expect(result.stdout).toContain('= example: ioctl(0x0, 0x5412, 0x0, 0x0, 0x0, 0x0) with arch 0xc000003e is allowed');
    expect(result.stdout).toMatch(/x86_64\/gpu_device\.policy \(x86_64, device\): 3 findings \(1 high, 0 medium, 0 low, 2 info\)/);
  });

  it('exits 0 on a tight policy, and obeys --fail-on', async () => {
    expect((await runInProcess(['audit', 'x86_64/tight_device.policy'], root)).code).toBe(0);
    expect((await runInProcess(['audit', 'x86_64/tight_device.policy', '--fail-on', 'info'], root)).code).toBe(1);
    expect((await runInProcess(['audit', 'x86_64/gpu_device.policy', '--fail-on', 'none'], root)).code).toBe(0);
  });

  it('prints JSON with severity, code, syscall, example and location', async () => {
    const result = await runInProcess(['audit', 'x86_64/gpu_device.policy', '--format', 'json'], root);
    const parsed = JSON.parse(result.stdout) as { counts: Record<string, number>; findings: { code: string; name: string; severity: string; syscall: { name: string } | null; example: { args: string[] } | null; location: { file: string; line: number } | null }[] };
    expect(parsed.counts).toEqual({ high: 1, medium: 0, low: 0, info: 2 });
    expect(parsed.findings[0]).toMatchObject({ code: 'SC7030', name: 'terminal-injection-ioctl', severity: 'high', syscall: { name: 'ioctl' }, location: { file: 'x86_64/gpu_device.policy', line: 3 } });
    expect(parsed.findings[0]?.example?.args[1]).toBe('0x5412');
    expect(parsed.findings.slice(1).map((f) => [f.code, f.syscall?.name])).toEqual([['SC7040', 'uretprobe'], ['SC7040', 'uprobe']]);
  });

  it('prints SARIF with the audit codes as rules', async () => {
    const result = await runInProcess(['audit', 'x86_64/gpu_device.policy', '--format', 'sarif'], root);
    const log = JSON.parse(result.stdout) as { runs: { tool: { driver: { rules: { id: string; name?: string }[] } }; results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    const run = log.runs[0];
    expect(run?.tool.driver.rules.map((rule) => [rule.id, rule.name])).toEqual([['SC7030', 'terminal-injection-ioctl'], ['SC7040', 'kernel-unfiltered']]);
    expect(run?.results[0]).toMatchObject({ ruleId: 'SC7030', level: 'error' });
    expect(run?.results[0]?.locations[0]?.physicalLocation).toMatchObject({ artifactLocation: { uri: 'x86_64/gpu_device.policy' }, region: { startLine: 3 } });
  });

  it('audits raw .bpf programs written by other compilers', async () => {
    const checked = await runInProcess(['audit', 'checked.bpf', '--arch', 'x86_64'], root);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain('checked.bpf (x86_64): 2 findings (0 high, 0 medium, 0 low, 2 info)');
    expect(checked.stdout).toContain('checked.bpf:1:1: info[SC7040]: uretprobe (335) is not filtered by the kernel (Linux ≥ 6.14): the filter denies it');
    const unchecked = await runInProcess(['audit', 'unchecked.bpf', '--arch', 'x86_64'], root);
    expect(unchecked.code).toBe(1);
    expect(unchecked.stdout).toContain('unchecked.bpf:1:1: high[SC7001]: 1 syscall number (such as read) reach allow with seccomp_data.arch = 0x0');
  });

  it('takes a .bpf’s architecture from its check, and needs --arch when it has none', async () => {
    const checked = await runInProcess(['audit', 'checked.bpf'], root);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain('checked.bpf (x86_64): 2 findings');
    const unchecked = await runInProcess(['audit', 'unchecked.bpf'], root);
    expect(unchecked.code).toBe(2);
    expect(unchecked.stderr).toContain('pass --arch');
  });

  it('counts execve as an escape in a device policy unless told otherwise', async () => {
    writeFileSync(join(root, 'x86_64', 'runner_device.policy'), '@include ./common.policy\nexecve: 1\n');
    const device = await runInProcess(['audit', 'x86_64/runner_device.policy', '--format', 'json'], root);
    expect((JSON.parse(device.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code)).toContain('SC7010');
    const process = await runInProcess(['audit', 'x86_64/runner_device.policy', '--no-device', '--format', 'json'], root);
    expect((JSON.parse(process.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code)).toContain('SC7011');
  });
});

/** Every loaded-or-not policy file of a corpus tree, with its architecture folder. */
function corpusPolicies(tree: string): string[] {
  const base = join(shared, tree);
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((arch) => readdirSync(join(base, arch.name)).filter((file) => file.endsWith('.policy')).map((file) => join(tree, arch.name, file)))
    .sort();
}

describeWithShared('syscage audit on the shared corpora', [corpus], () => {
  it('names the TIOCSTI hole of crosvm’s 2026 gpu policy', async () => {
    const result = await runInProcess(['audit', 'crosvm-2026-08/x86_64/gpu_device.policy', '--default-action', 'trap'], shared);
    expect(result.stdout).toMatch(/crosvm-2026-08\/x86_64\/gpu_common\.policy:79:1: high\[SC7030\]: ioctl is allowed for TIOCSTI \(0x5412\)/);
  });

  it.each([...corpusPolicies('crosvm-2022-06'), ...corpusPolicies('crosvm-2026-08')])('%s: audited without a crash', async (file) => {
    // Resolver warnings about the policy (SC2011, …) may go to stderr; a crash would exit 70.
    const result = await runInProcess(['audit', file, '--default-action', 'trap', '--format', 'json', '--fail-on', 'none'], shared);
    expect(result.code, result.stderr).toBe(0);
    const parsed = JSON.parse(result.stdout) as { findings: { code: string }[] };
    expect(Array.isArray(parsed.findings)).toBe(true);
  }, 60_000);
});

describe('syscage audit of the repository tree', () => {
  const repo = join(import.meta.dirname, '..', '..', '..');

  it('passes --fail-on high on the jail warden, whose namespace and mount findings its policy acknowledges with reasons', async () => {
    const result = await runInProcess(['audit', 'policies/x86_64/jail_warden_process.policy', '--fail-on', 'medium'], repo);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/high\[SC7010\]: mount is allowed for every argument[^]*= acknowledged on line \d+: building each device's jail/);
    expect(result.stdout).toMatch(/: \d+ findings \(6 high, 1 medium, \d+ low, \d+ info\), 7 acknowledged\n$/);
    const json = await runInProcess(['audit', 'policies/x86_64/jail_warden_process.policy', '--format', 'json'], repo);
    const parsed = JSON.parse(json.stdout) as { findings: { code: string; severity: string; acknowledged: { line: number; reason: string } | null }[] };
    expect(parsed.findings.filter((finding) => finding.severity === 'high').every((finding) => finding.acknowledged !== null)).toBe(true);
  });

  it.each(['examples/echo_server.policy', 'examples/block_device.policy'])('finds nothing at high or medium in %s (its clone rule admits threads only, no namespaces)', async (policy) => {
    const result = await runInProcess(['audit', '--arch', 'x86_64', '--fail-on', 'medium', policy], repo);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).not.toContain('SC7031');
  });

  it('still fails --fail-on on a finding nothing acknowledges', async () => {
    const result = await runInProcess(['audit', 'policies/x86_64/jail_warden_process.policy', '--fail-on', 'low'], repo);
    expect(result.code).toBe(1);
  });
});

describe('syscage build --audit', () => {
  const tree = mkdtempSync(join(tmpdir(), 'syscage-audit-tree-'));
  mkdirSync(join(tree, 'policies', 'x86_64'), { recursive: true });
  writeFileSync(join(tree, 'policies', 'x86_64', 'common_device.policy'), 'read: 1\nwrite: 1\nexit_group: 1\n');
  writeFileSync(join(tree, 'policies', 'x86_64', 'net.policy'), '# Terminal requests, crosvm-style.\nioctl: arg1 & 0x6400\n');
  writeFileSync(join(tree, 'policies', 'x86_64', 'net_device.policy'), '@include ./common_device.policy\n@include ./net.policy\n');
  writeFileSync(join(tree, 'policies', 'x86_64', 'block.policy'), '# Block requests.\nioctl: arg1 & 0x6400\n');
  writeFileSync(join(tree, 'policies', 'x86_64', 'block_device.policy'), '@include ./common_device.policy\n@include ./block.policy\n');

  it('fails on findings at or above the level, each printed once at its rule', async () => {
    const result = await runInProcess(['build', '--audit', 'high', '-o', 'out-high', 'policies'], tree);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('policies/x86_64/net.policy:2:1: error[SC7030]: high: ioctl is allowed for TIOCSTI (0x5412) and TIOCLINUX (0x541c)');
    expect(result.stderr).toContain('policies/x86_64/block.policy:2:1: error[SC7030]');
    expect(result.stderr.match(/SC7030/g)).toHaveLength(2);
    expect(result.stderr).toContain('audit: 2 findings at or above high');
  });

  it('audits at high by default, and builds without the audit with --no-audit', async () => {
    const audited = await runInProcess(['build', '-o', 'out-default', 'policies'], tree);
    expect(audited.code).toBe(1);
    expect(audited.stderr).toContain('audit: 2 findings at or above high');
    const result = await runInProcess(['build', '--no-audit', '-o', 'out-plain', 'policies'], tree);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('SC7030');
  });

  it('reports a finding acknowledged by `# audit-ack CODE: reason` above its rule as a note with the reason, and does not fail on it', async () => {
    const acked = mkdtempSync(join(tmpdir(), 'syscage-audit-ack-'));
    mkdirSync(join(acked, 'x86_64'), { recursive: true });
    writeFileSync(join(acked, 'x86_64', 'common_device.policy'), 'read: 1\nwrite: 1\nexit_group: 1\n');
    writeFileSync(join(acked, 'x86_64', 'net.policy'), '# Terminal requests, crosvm-style.\n# audit-ack SC7030: a test of the acknowledgement\nioctl: arg1 & 0x6400\n');
    writeFileSync(join(acked, 'x86_64', 'net_device.policy'), '@include ./common_device.policy\n@include ./net.policy\n');
    writeFileSync(join(acked, 'x86_64', 'block.policy'), '# Block requests; the acknowledgement is for another code.\n# audit-ack SC7010: not this finding\nioctl: arg1 & 0x6400\n');
    writeFileSync(join(acked, 'x86_64', 'block_device.policy'), '@include ./common_device.policy\n@include ./block.policy\n');
    const result = await runInProcess(['build', '-o', join(acked, '..', `${basename(acked)}-out`), acked], tree);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/net\.policy:3:1: info\[SC7030\]: high, acknowledged on line 2: ioctl is allowed for TIOCSTI .*; reason: a test of the acknowledgement/);
    expect(result.stderr).toMatch(/block\.policy:3:1: error\[SC7030\]: high: ioctl is allowed for TIOCSTI/);
    expect(result.stderr).toContain('audit: 1 finding at or above high, 1 more acknowledged in the policies');
    rmSync(join(acked, 'x86_64', 'block_device.policy'));
    rmSync(join(acked, 'x86_64', 'block.policy'));
    const clean = await runInProcess(['build', '-o', join(acked, '..', `${basename(acked)}-out2`), acked], tree);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stderr).toContain('audit: 0 findings at or above high, 1 more acknowledged in the policies');
  });
});

describe("syscage build runs the reviewer's lint", () => {
  const tree = mkdtempSync(join(tmpdir(), 'syscage-review-tree-'));
  mkdirSync(join(tree, 'x86_64'), { recursive: true });
  writeFileSync(join(tree, 'x86_64', 'common_device.policy'), 'read: 1\nwrite: 1\nexit_group: 1\nfcntl: arg1 == F_GETFL\n');
  writeFileSync(join(tree, 'x86_64', 'net.policy'), 'kill: 1\nfcntl: arg1 == F_SETFL\n');
  writeFileSync(join(tree, 'x86_64', 'net_device.policy'), '@include ./common_device.policy\n@include ./net.policy\n');

  it('warns about an uncommented dangerous syscall (SC2050) and conditional rules on two lines (SC2051), quiet with --no-review-lint', async () => {
    const result = await runInProcess(['build', '-o', `${tree}-out`, tree], tree);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('net.policy:1:1: warning[SC2050]: kill needs a stated reason');
    expect(result.stderr).toContain('net.policy:2:1: warning[SC2051]: fcntl gets conditional rules here and on another line');
    const quiet = await runInProcess(['build', '--no-review-lint', '-o', `${tree}-out2`, tree], tree);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toMatch(/SC205[01]/);
  });
});
