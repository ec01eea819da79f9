/**
 * The crosvm policy tree (../shared/corpus/crosvm-2022-06 from the repo root): every policy
 * resolves without errors, and the tree's convention findings are exactly the ones listed here,
 * each a real deviation from policy-tree.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { sharedData } from '../../../tools/shared-data/index.js';
import { describeWithShared, itWithShared } from '../../../tools/shared-data/vitest.js';
import { createParseCache, lintPolicyTree, resolvePolicy } from '../src/index.js';
import { createNodeHost } from '../src/node.js';

const corpus = sharedData('corpus/crosvm-2022-06');
const conformance = sharedData('conformance/crosvm-2022-06.jsonl');
const corpusRoot = corpus.path;
const archs = ['aarch64', 'arm', 'x86_64'] as const;
const policies = corpus.present
  ? archs.flatMap((arch) =>
      readdirSync(`${corpusRoot}/${arch}`)
        .filter((name) => name.endsWith('.policy'))
        .sort()
        .map((name) => `${arch}/${name}`),
    )
  : [];

describeWithShared('crosvm-2022-06 corpus', [corpus], () => {
  const host = createNodeHost();
  const cache = createParseCache();

  it('has the 82 policies the conformance vectors cover', () => {
    expect(policies).toHaveLength(82);
  });

  it.each(policies)('%s resolves with no errors', (policy) => {
    const arch = policy.split('/')[0] ?? '';
    const resolved = resolvePolicy(`${corpusRoot}/${policy}`, { host, cache, arch });
    expect(resolved.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
    expect(resolved.syscalls.length).toBeGreaterThan(0);
  });

  it('x86_64 common_device.frequency is merged through @frequency', () => {
    const resolved = resolvePolicy(`${corpusRoot}/x86_64/block_device.policy`, { host, cache });
    expect(resolved.frequencies.get('close')).toBe(1185n);
    expect(resolved.files.map((file) => file.role)).toEqual(['entry', 'include', 'frequency']);
  });

  it('warns exactly where a later unconditional allow drops common_device’s madvise filter', () => {
    const warned = policies.filter((policy) =>
      resolvePolicy(`${corpusRoot}/${policy}`, { host, cache }).diagnostics.some((d) => d.code === 'SC2011'),
    );
    // cras_audio_device and null_audio_device write `madvise: 1` after including common_device,
    // whose `madvise: arg2 == MADV_DONTNEED || …` Minijail then drops.
    expect(warned).toEqual([
      'aarch64/cras_audio_device.policy',
      'aarch64/null_audio_device.policy',
      'arm/cras_audio_device.policy',
      'arm/null_audio_device.policy',
      'x86_64/cras_audio_device.policy',
      'x86_64/null_audio_device.policy',
    ]);
  });

  itWithShared('Minijail’s own decisions confirm the dropped madvise filter', [conformance], () => {
    // Every madvise vector of cras_audio_device is allowed whatever arg2 is, while block_device
    // (no unconditional allow) traps the same calls: the conditional rule really is dropped.
    const decisions = (policy: string): string[] =>
      readFileSync(conformance.path, 'utf8')
        .split('\n')
        .filter((line) => line.includes(`"policy": "${policy}"`) && line.includes('"syscall": "madvise"') && !line.includes('audit_arch'))
        .map((line) => (JSON.parse(line) as { expect: string }).expect);
    expect(new Set(decisions('x86_64/cras_audio_device.policy'))).toEqual(new Set(['allow']));
    expect(decisions('x86_64/block_device.policy')).toContain('trap');
  });

  it('reports exactly the known naming-convention deviations', () => {
    const result = lintPolicyTree(corpusRoot, { host, cache, lint: 'warn' });
    expect(result.diagnostics.every((diagnostic) => diagnostic.severity === 'warning')).toBe(true);
    const found = result.diagnostics
      .map((diagnostic) => `${diagnostic.code} ${diagnostic.file.slice(corpusRoot.length + 1)}`)
      .sort();
    const devicesWithoutBlock = [
      '9p', 'balloon', 'block', 'coiommu', 'cras_audio', 'cras_snd', 'fs', 'gpu', 'input', 'net',
      'null_audio', 'pmem', 'rng', 'tpm', 'vhost_net', 'vhost_vsock', 'video', 'vios_audio', 'wl', 'xhci',
    ];
    const expected = [
      // battery and gpu_render_server are loaded directly but named like building blocks, and
      // include other files (battery: common_device; gpu_render_server: gpu_common).
      ...archs.flatMap((arch) => [
        `SC3002 ${arch}/battery.policy`,
        `SC3002 ${arch}/gpu_render_server.policy`,
        `SC3007 ${arch}/battery.policy`,
        `SC3007 ${arch}/gpu_render_server.policy`,
        // gpu_device includes gpu_common instead of common_device + gpu.
        `SC3003 ${arch}/gpu_device.policy`,
        `SC3005 ${arch}/gpu_device.policy`,
        // Devices whose rules sit inline in foo_device.policy, with no foo.policy block.
        ...devicesWithoutBlock.map((device) => `SC3004 ${arch}/${device}_device.policy`),
      ]),
      // x86_64 video_device includes nothing at all (the other architectures include common_device).
      'SC3003 x86_64/video_device.policy',
      // x86_64-only devices.
      ...['iommu', 'vfio', 'vtpm_proxy', 'vvu_proxy'].flatMap((device) => [
        `SC3004 x86_64/${device}_device.policy`,
        `SC3008 x86_64/${device}_device.policy`,
      ]),
    ].sort();
    expect(found).toEqual(expected);
  });
});
