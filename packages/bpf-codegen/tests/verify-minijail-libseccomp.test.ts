// Filters other compilers emit, proved (or not) against the policies they came from:
// - Minijail's Python compiler: fixtures/minijail/*.bpf (made by make-fixtures.sh from the
//   crosvm-2026-08 corpus, --default-action trap as crosvm's build does);
// - libseccomp (python3-seccomp, generated here): the same policies as libseccomp rules.
// The results are reported in the package README (Verification).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { compilePolicy } from '../src/compile.js';
import { decodeProgram } from '../src/decode.js';
import { compileWithLibseccomp, libseccompAvailable } from '../src/libseccomp-node.js';
import { libseccompRequestFromPolicy } from '../src/libseccomp-rules.js';
import type { LoweredPolicy } from '../src/lower.js';
import { verifyProgram } from '../src/verify.js';
import { diffDecisions } from '../src/verify-diff.js';
import { sharedData } from '../../../tools/shared-data/index.js';
import { describeWithShared } from '../../../tools/shared-data/vitest.js';
import { tableNamed } from './compile/helpers.js';

const corpus = sharedData('corpus/crosvm-2026-08');
const fixtures = join(import.meta.dirname, 'fixtures', 'minijail');
const cases = readdirSync(fixtures)
  .filter((file) => file.endsWith('.bpf'))
  .sort()
  .map((file) => {
    const [arch = '', name = ''] = file.replace(/(-linear)?\.bpf$/, '').split(/-(.*)/);
    return { file, arch, policy: name };
  });
const withLibseccomp = libseccompAvailable();
if (!withLibseccomp) console.warn('SKIPPED (libseccomp part): needs /usr/bin/python3 with python3-seccomp');

describeWithShared("other compilers' filters for crosvm-2026-08", [corpus], () => {
  const host = createNodeHost();
  const lowered = (arch: string, name: string): LoweredPolicy => {
    const table = tableNamed(arch);
    const resolved = resolvePolicy(`${corpus.path}/${arch}/${name}.policy`, { host, arch: table.name });
    const policy = compilePolicy(resolved, table, { defaultAction: 'trap' }).lowered;
    if (policy === undefined) throw new Error(`${arch}/${name} does not compile`);
    return policy;
  };

  it('has Minijail fixtures for two architectures, one of them compiled linear', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
    expect(new Set(cases.map(({ arch }) => arch))).toEqual(new Set(['x86_64', 'aarch64']));
    expect(cases.some(({ file }) => file.endsWith('-linear.bpf'))).toBe(true);
  });

  it.each(cases)("Minijail's $file is proved against $arch/$policy.policy", ({ file, arch, policy }) => {
    const program = decodeProgram(readFileSync(join(fixtures, file))).program;
    expect(verifyProgram(lowered(arch, policy), program).result).toBe('proved');
  });

  it.runIf(withLibseccomp).each(cases.filter(({ file }) => !file.endsWith('-linear.bpf')))(
    "libseccomp's filter for $arch/$policy differs from the policy only where libseccomp refuses x32 numbers",
    ({ arch, policy: name }) => {
      const policy = lowered(arch, name);
      const { request, skipped } = libseccompRequestFromPolicy(policy);
      expect(skipped).toEqual([]);
      const compiled = compileWithLibseccomp(request);
      if (!compiled.ok) throw new Error(compiled.message);
      const diff = diffDecisions({ kind: 'policy', policy }, { kind: 'filter', programs: [compiled.program] }, policy.arch);
      if (arch !== 'x86_64') {
        expect(diff.result).toBe('same');
        return;
      }
      // On x86_64 libseccomp sends every number with the x32 bit to its bad-arch action (the
      // policy's arch-mismatch kill), where the policy traps numbers that are no syscall; all
      // but 0xffffffff (-1, the number a tracer's skipped call has), which it leaves to the
      // default action like the policy.
      if (diff.result !== 'different') throw new Error(diff.result);
      expect(diff.syscalls).toEqual([]);
      expect(diff.otherArchitectures).toEqual([]);
      expect(diff.otherNumbers.map((change) => [change.before, change.after, change.when])).toEqual([
        ['TRAP', 'KILL_THREAD', [[{ field: 'nr', kind: 'range', min: 0x40000000n, max: 0xfffffffen }]]],
      ]);
    },
  );
});
