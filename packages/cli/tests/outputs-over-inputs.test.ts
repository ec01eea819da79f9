// No command writes over its own input: an output that is the policy or a file it includes
// (same device and inode, so links count) is a usage error and nothing is written (issue 22 item 4).
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'syscage-over-inputs-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});
const folder = join(scratch, 'x86_64');
const mainText = '@include ./common.policy\nread: allow\n';
const commonText = 'exit_group: allow\n';
beforeEach(() => {
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'main.policy'), mainText);
  writeFileSync(join(folder, 'common.policy'), commonText);
  symlinkSync(join(folder, 'main.policy'), join(folder, 'link.bpf'));
  linkSync(join(folder, 'common.policy'), join(folder, 'hard.bpf'));
});

function unchanged(): void {
  expect(readFileSync(join(folder, 'main.policy'), 'utf8')).toBe(mainText);
  expect(readFileSync(join(folder, 'common.policy'), 'utf8')).toBe(commonText);
}

describe('compile', () => {
  it.each([
    ['the policy itself', 'main.policy', 'main.policy'],
    ['a file it includes', 'common.policy', 'common.policy'],
    ['a symbolic link to the policy', 'link.bpf', 'main.policy'],
    ['a hard link to an included file', 'hard.bpf', 'common.policy'],
  ])('refuses -o %s', async (_name, output, input) => {
    const result = await runInProcess(['compile', '-o', output, 'main.policy'], folder);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${output} is the input ${input}`);
    unchanged();
  });

  it('refuses an output folder that holds the policy as an output name', async () => {
    writeFileSync(join(folder, 'other.policy'), 'read: allow\n');
    mkdirSync(join(scratch, 'out', 'x86_64'), { recursive: true });
    symlinkSync(join(folder, 'main.policy'), join(scratch, 'out', 'x86_64', 'main.bpf'));
    const result = await runInProcess(['compile', '-o', '../out', 'main.policy', 'other.policy'], folder);
    expect(result.code).toBe(2);
    unchanged();
  });

  it('writes a new file as before', async () => {
    const result = await runInProcess(['compile', '-o', 'main.bpf', 'main.policy'], folder);
    expect(result.code).toBe(0);
    unchanged();
  });
});

describe('learn', () => {
  it('refuses -o the starting policy before running anything', async () => {
    const result = await runInProcess(['learn', '--policy', 'main.policy', '-o', 'main.policy', '--', '/bin/true'], folder);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('main.policy is the input main.policy');
    unchanged();
  });

  it('refuses -o a file the starting policy includes', async () => {
    const result = await runInProcess(['learn', '--policy', 'main.policy', '-o', 'hard.bpf', '--', '/bin/true'], folder);
    expect(result.code).toBe(2);
    unchanged();
  });
});

describe('build', () => {
  it('refuses an output that an include map makes an input', async () => {
    const tree = join(scratch, 'tree');
    const out = join(scratch, 'build-out');
    mkdirSync(join(tree, 'x86_64'), { recursive: true });
    mkdirSync(join(out, 'x86_64'), { recursive: true });
    const included = 'read: allow\nexit_group: allow\n';
    writeFileSync(join(out, 'x86_64', 'echo_device.bpf'), included);
    writeFileSync(join(tree, 'x86_64', 'echo_device.policy'), '@include /etc/vmm/echo_device.bpf\n');
    const result = await runInProcess(
      ['build', tree, '--out', out, '--lint', 'off', '--include-map', `/etc/vmm=${join(out, 'x86_64')}`],
      scratch,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('echo_device.bpf is the input');
    expect(readFileSync(join(out, 'x86_64', 'echo_device.bpf'), 'utf8')).toBe(included);
  });
});
