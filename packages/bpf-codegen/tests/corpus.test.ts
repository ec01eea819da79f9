// Every policy of the crosvm corpus compiles for its architecture the way crosvm's build compiles
// it (default action trap, /usr/share/policy/crosvm mapped to the arch folder), and the program
// is valid, fits the limit and caches every unconditionally allowed syscall.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { cacheAllowed } from '../src/cache.js';
import { compilePolicy } from '../src/compile.js';
import { BPF_MAXINSNS } from '../src/opcodes.js';
import { validateProgram } from '../src/validate.js';
import { sharedData } from '../../../tools/shared-data/index.js';
import { describeWithShared } from '../../../tools/shared-data/vitest.js';
import { tables } from './compile/helpers.js';

const corpus = sharedData('corpus/crosvm-2022-06');
const corpusRoot = `${corpus.path}/`;
const archs = ['x86_64', 'aarch64', 'arm'] as const;

function policiesOf(arch: string): string[] {
  return readdirSync(`${corpusRoot}${arch}`).filter((file) => file.endsWith('.policy')).sort();
}

describeWithShared('crosvm-2022-06 corpus compiles', [corpus], () => {
  const host = createNodeHost();
  for (const arch of archs) {
    const table = tables[arch];
    describe.skipIf(table === undefined)(arch, () => {
      it.each(policiesOf(arch))('%s', (file) => {
        if (table === undefined) throw new Error('unreachable');
        const path = `${corpusRoot}${arch}/${file}`;
        const resolved = resolvePolicy(path, { host, arch });
        expect(resolved.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
        const result = compilePolicy(resolved, table, { defaultAction: 'trap' });
        expect(result.diagnostics).toEqual([]);
        const program = result.program ?? [];
        expect(program.length).toBeGreaterThan(0);
        expect(program.length).toBeLessThanOrEqual(BPF_MAXINSNS);
        expect(validateProgram(program).filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
        for (const syscall of result.lowered?.syscalls ?? []) {
          if (syscall.filters.length === 0 && syscall.fallback.action.kind === 'allow') {
            expect(cacheAllowed(program, table.auditArch, syscall.number), syscall.name).toBe(true);
          }
        }
      });
    });
  }
});
