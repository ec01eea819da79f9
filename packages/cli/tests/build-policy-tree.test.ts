// policies/ is generated from tools/policy-tree/description.ts: render it in memory and compare
// with the files on disk, and check that the generator refuses descriptions that would give a
// tree Minijail rejects or silently changes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { treeDescription } from '../../../tools/policy-tree/description.js';
import { compareWithDisk, defaultTreeDir, writeTree } from '../../../tools/policy-tree/generate.js';
import type { DeviceSpec, TreeDescription } from '../../../tools/policy-tree/model.js';
import { checkDescription, generatedMarker, renderPolicyTree } from '../../../tools/policy-tree/render.js';

const policies = fileURLToPath(new URL('../../../policies', import.meta.url));
// Whole-tree builds take a few seconds of CPU each, and ten times that in wall time on the shared
// 2-core machine under load (building policies/ took 37-54 s at load 25): the timeouts catch a
// hang only.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });
const scratch = mkdtempSync(join(tmpdir(), 'syscage-policy-tree-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function withDevice(device: DeviceSpec): TreeDescription {
  return { ...treeDescription, devices: [...treeDescription.devices, device] };
}

describe('the generated policy tree', () => {
  it('is up to date with its description (regenerate: pnpm exec tsx tools/policy-tree/generate.ts)', () => {
    expect(defaultTreeDir).toBe(policies);
    expect(compareWithDisk(policies)).toEqual([]);
  });

  it('starts every generated file with the marker naming the regenerating command', () => {
    for (const [path, text] of renderPolicyTree()) {
      expect(text.split('\n', 1)[0], path).toBe(generatedMarker);
      expect(readFileSync(join(policies, path), 'utf8').split('\n', 1)[0]).toBe(generatedMarker);
    }
    expect(generatedMarker).toContain('pnpm exec tsx tools/policy-tree/generate.ts');
  });

  it('reports stale, missing and orphaned files', () => {
    const copy = join(scratch, 'copy');
    writeTree(copy);
    expect(compareWithDisk(copy)).toEqual([]);
    writeFileSync(join(copy, 'x86_64/block.policy'), `${generatedMarker}\nread: allow\n`);
    rmSync(join(copy, 'arm/net_device.policy'));
    writeFileSync(join(copy, 'riscv64/old_device.policy'), `${generatedMarker}\n`);
    writeFileSync(join(copy, 'riscv64/notes.policy'), '# hand-written, not ours to judge\n');
    expect(compareWithDisk(copy)).toEqual([
      'missing: arm/net_device.policy',
      'stale: x86_64/block.policy',
      'no longer generated: riscv64/old_device.policy',
    ]);
    writeTree(copy);
    expect(compareWithDisk(copy)).toEqual([]);
    expect(readFileSync(join(copy, 'riscv64/notes.policy'), 'utf8')).toContain('hand-written');
  });

  it('has a description without problems', () => {
    expect(checkDescription()).toEqual([]);
  });

  it.each<[string, DeviceSpec, string]>([
    [
      'a risky syscall without a comment',
      { name: 'quiet', title: 'q', summary: 's', transports: ['device'], rules: [{ call: 'socket', filter: 'arg0 == AF_UNIX' }] },
      'quiet: the rule for socket needs a `why` comment',
    ],
    [
      'an unconditional rule meeting a conditional one from common_device',
      { name: 'wide', title: 'w', summary: 's', transports: ['device'], rules: [{ call: 'fcntl', filter: 'allow', why: 'w' }] },
      'x86_64/wide_device: fcntl has an unconditional rule and other rules (common_device, wide)',
    ],
    [
      'two unconditional rules after the arm name mapping',
      {
        name: 'twice',
        title: 't',
        summary: 's',
        transports: ['device', 'vvu'],
        rules: [{ call: ['lseek', '_llseek'], filter: 'allow', arches: ['arm'] }],
      },
      'arm/twice_device: _llseek has an unconditional rule and other rules (common_device, twice, twice)',
    ],
    [
      'a device without its plain variant',
      { name: 'remote', title: 'r', summary: 's', transports: ['vhost_user'], rules: [] },
      'remote: every device has the plain device variant',
    ],
    [
      'two different errnos for the remaining calls',
      {
        name: 'twoErrnos',
        title: 't',
        summary: 's',
        transports: ['device'],
        rules: [
          { call: 'ioctl', filter: 'arg1 == FIONREAD', why: 'w' },
          { call: 'ioctl', filter: 'return ENOTTY', why: 'w' },
          { call: 'ioctl', filter: 'return EPERM', why: 'w' },
        ],
      },
      'x86_64/twoErrnos_device: ioctl answers the remaining calls with different errnos (common_device, twoErrnos, twoErrnos, twoErrnos)',
    ],
    [
      'an errno on a condition, which libminijail reads the other way round',
      { name: 'inverse', title: 'i', summary: 's', transports: ['device'], rules: [{ call: 'kcmp', filter: 'arg2 == 0; return EPERM' }] },
      "inverse: the rule for kcmp gives an action on a condition (arg2 == 0; return EPERM); libminijail's run-time parser reads `; return` the other way round, so allow on the condition and answer the remaining calls with an unconditional errno",
    ],
  ])('refuses %s', (_name, device, problem) => {
    const description = withDevice(device);
    expect(checkDescription(description)).toContain(problem);
    expect(() => renderPolicyTree(description)).toThrow(problem);
  });

  it('merges a syscall that several blocks give rules into one line per loaded policy, with its errno for the rest', () => {
    // ioctl: common_device, vhost_user and the device give conditions, so each loaded policy
    // decides it; the errno written before a condition still answers only the calls no
    // condition allows.
    const device: DeviceSpec = {
      name: 'late',
      title: 'l',
      summary: 's',
      transports: ['device', 'vhost_user'],
      rules: [
        { call: 'ioctl', filter: 'return ENOTTY', why: 'rest' },
        { call: 'ioctl', filter: 'arg1 == FIONREAD', why: 'bytes waiting' },
      ],
    };
    expect(checkDescription(withDevice(device))).toEqual([]);
    const tree = renderPolicyTree(withDevice(device));
    expect(tree.get('x86_64/late.policy')).not.toMatch(/^ioctl:/m);
    expect(tree.get('x86_64/common_device.policy')).not.toMatch(/^ioctl:/m);
    expect(tree.get('x86_64/vhost_user.policy')).not.toMatch(/^ioctl:/m);
    const loaded = tree.get('x86_64/late_device_vhost_user.policy') ?? '';
    expect(loaded).toMatch(/^# late: bytes waiting\nioctl: arg1 == FIOCLEX \|\| .*arg1 == TCGETS .*arg1 == FIONREAD\n# rest\nioctl: return ENOTTY$/ms);
    expect(loaded.match(/^ioctl: arg/gm)).toHaveLength(1);
    expect(tree.get('x86_64/late_device.policy')).not.toMatch(/TCGETS/);
  });

  it('merges a syscall that only common_device and device blocks give rules into each device block', () => {
    const tree = renderPolicyTree();
    // mmap: common_device's non-executable mappings, and gpu's read+execute driver code.
    expect(tree.get('x86_64/common_device.policy')).not.toMatch(/^mmap:/m);
    expect(tree.get('x86_64/gpu.policy')).toMatch(/^mmap: arg2 in ~PROT_EXEC \|\| arg2 == PROT_READ\|PROT_EXEC$/m);
    expect(tree.get('x86_64/block.policy')).toMatch(/^mmap: arg2 in ~PROT_EXEC$/m);
    expect(tree.get('arm/block.policy')).toMatch(/^mmap2: arg2 in ~PROT_EXEC$/m);
  });

  it('writes a comment on the line above every rule of a risky syscall, each name its own', () => {
    const tree = renderPolicyTree();
    for (const [path, text] of tree) {
      if (!path.endsWith('.policy')) continue;
      const lines = text.split('\n');
      lines.forEach((line, index) => {
        const name = /^([a-z0-9_]+):/.exec(line)?.[1];
        if (name === undefined || !treeDescription.riskySyscalls.has(name)) return;
        expect(lines[index - 1], `${path}:${String(index + 1)}`).toMatch(/^#/);
      });
    }
  });

  it('renders each helper process as one self-contained policy', () => {
    const tree = renderPolicyTree();
    for (const helper of treeDescription.processes) {
      const text = tree.get(`x86_64/${helper.name}_process.policy`) ?? '';
      expect(text.split('\n', 1)[0]).toBe(generatedMarker);
      expect(text).not.toMatch(/^@include/m);
    }
    expect(treeDescription.processes.map((helper) => helper.name).sort()).toEqual(['gpu_render_server', 'jail_warden', 'swap_monitor', 'virtual_ext2']);
  });

  it('maps syscall names per architecture', () => {
    const tree = renderPolicyTree();
    const common = (arch: string): string => tree.get(`${arch}/common_device.policy`) ?? '';
    expect(common('arm')).toMatch(/^mprotect: arg2 in ~PROT_EXEC$/m);
    expect(common('arm')).toMatch(/^futex_time64: allow$/m);
    expect(common('aarch64')).toMatch(/^epoll_pwait: allow$/m);
    expect(common('aarch64')).not.toMatch(/^(poll|open|epoll_wait|dup2|readlink):/m);
    expect(common('riscv64')).toMatch(/^dup3: allow$/m);
    expect(common('x86_64')).toMatch(/^epoll_wait: allow$/m);
    expect(tree.get('riscv64/9p.policy')).toMatch(/^renameat2: allow$/m);
    expect(tree.get('riscv64/9p.policy')).not.toMatch(/^renameat:/m);
  });
});
