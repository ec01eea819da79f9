// build proves each distinct (policy meaning, program) pair once: proofKey must tell apart every
// change the verifier would see, and only those.
import { describe, expect, it } from 'vitest';
import { archAarch64 } from '@syscage/arch-aarch64';
import { archX86_64 } from '@syscage/arch-x86-64';
import type { ArchTable } from '@syscage/arch-tables';
import { compilePolicy } from '@syscage/bpf-codegen';
import { createMemoryHost, resolvePolicy } from '@syscage/include-resolver';
import { programCode, proofKey } from '../src/proof.js';

function keyOf(files: Record<string, string>, table: ArchTable = archX86_64, defaultAction?: 'trap'): string {
  const host = createMemoryHost(files);
  const entry = Object.keys(files)[0] ?? '';
  const { program, lowered } = compilePolicy(resolvePolicy(entry, { host, arch: table.name }), table, defaultAction === undefined ? {} : { defaultAction });
  if (program === undefined || lowered === undefined) throw new Error('does not compile');
  return proofKey(lowered, program);
}

const base = 'read: allow\nioctl: arg1 == 0x5401 || arg1 == 0x5402\nopenat: return EACCES\n';

describe('proofKey', () => {
  it('is the same for the same rules from other files and lines', () => {
    expect(keyOf({ '/a/x_device.policy': base })).toBe(
      keyOf({ '/b/y_device.policy': '# another file\n@include /b/common.policy\nopenat: return EACCES\n', '/b/common.policy': 'read: allow\nioctl: arg1 == 0x5401 || arg1 == 0x5402\n' }),
    );
  });
  it.each([
    ['a comparison value', base.replace('0x5402', '0x5403')],
    ['a comparison operator', base.replace('arg1 == 0x5402', 'arg1 >= 0x5402')],
    ['a compared argument', base.replace('arg1 == 0x5402', 'arg2 == 0x5402')],
    ['an action', base.replace('EACCES', 'EPERM')],
    ['a listed syscall', `${base}write: allow\n`],
  ])('changes with %s', (_change, text) => {
    expect(keyOf({ '/a/x_device.policy': text })).not.toBe(keyOf({ '/a/x_device.policy': base }));
  });
  it('changes with the default action and the architecture', () => {
    expect(keyOf({ '/a/x_device.policy': base }, archX86_64, 'trap')).not.toBe(keyOf({ '/a/x_device.policy': base }));
    expect(keyOf({ '/a/x_device.policy': base }, archAarch64)).not.toBe(keyOf({ '/a/x_device.policy': base }));
  });
  it.each([
    ['code', { code: 0x06 }],
    ['jt', { jt: 1 }],
    ['jf', { jf: 1 }],
    ['k', { k: 7 }],
  ])('changes with the program: one instruction with another %s', (_field, change) => {
    const { program, lowered } = compilePolicy(resolvePolicy('/a/x_device.policy', { host: createMemoryHost({ '/a/x_device.policy': base }), arch: 'x86_64' }), archX86_64);
    if (program === undefined || lowered === undefined) throw new Error('does not compile');
    const [first, ...rest] = program;
    if (first === undefined) throw new Error('empty program');
    const changed = [{ ...first, ...change }, ...rest];
    // Both keys are made, so a code kept by the wrong program object would show.
    expect(proofKey(lowered, changed)).not.toBe(proofKey(lowered, program));
    expect(programCode(changed)).not.toBe(programCode(program));
    expect(programCode([...program])).toBe(programCode(program));
  });
});
