/**
 * Property tests: whatever files a host serves (random include graphs, random statements,
 * random bytes), resolution and tree linting end with diagnostics, never an exception or a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryHost, lintPolicyTree, resolvePolicy } from '../src/index.js';

const fileNames = ['a.policy', 'b.policy', 'c.policy', 'common_device.policy', 'x_device.policy', 'sub/d.policy'];

const statementArb = fc.oneof(
  fc.constantFrom(...fileNames).map((name) => `@include ./${name}`),
  fc.constantFrom(...fileNames).map((name) => `@include /usr/share/policy/crosvm/${name}`),
  fc.constantFrom('@include ./missing.policy', '@include', '@include ../x', '@frequency ./f.frequency', '@frequency ./none'),
  fc.constantFrom('@default kill', '@default trap', '@default allow', '@denylist'),
  fc.tuple(
    fc.constantFrom('read', 'write', 'io@libc', 'read[arch=x86_64]', 'read[arch=arm64]', '{read, write}'),
    fc.constantFrom(
      'allow',
      '1',
      'kill',
      'return EPERM',
      'arg0 == 0',
      'arg0 == 0; return 1',
      'arg0 == 1 || arg1 & 2',
      '{arg0 == 0, allow}',
      'arg0 ==',
      'trap # comment',
    ),
  ).map(([descriptor, filter]) => `${descriptor}: ${filter}`),
  fc.string({ maxLength: 30 }),
);

const fileArb = fc.array(statementArb, { maxLength: 8 }).map((lines) => lines.join('\n'));

const treeArb = fc.dictionary(fc.constantFrom(...fileNames, 'f.frequency'), fc.oneof(fileArb, fc.string({ maxLength: 40 })));

describe('resolvePolicy on arbitrary inputs', () => {
  it('never throws and always reports through diagnostics', () => {
    fc.assert(
      fc.property(
        treeArb,
        fc.constantFrom(...fileNames),
        fc.constantFrom<'minijail-py' | 'minijail-c'>('minijail-py', 'minijail-c'),
        fc.option(fc.constantFrom('x86_64', 'aarch64'), { nil: undefined }),
        fc.option(fc.boolean(), { nil: undefined }),
        fc.integer({ min: 0, max: 10 }),
        (files, entry, dialect, arch, denylist, depthLimit) => {
          const served: Record<string, string> = {};
          for (const [name, text] of Object.entries(files)) served[`/p/${name}`] = text;
          const policy = resolvePolicy(`/p/${entry}`, {
            host: createMemoryHost(served),
            dialect,
            depthLimit,
            ...(arch === undefined ? {} : { arch }),
            ...(denylist === undefined ? {} : { denylist }),
          });
          expect(policy.entry).toBe(`/p/${entry}`);
          for (const diagnostic of policy.diagnostics) {
            expect(diagnostic.code).toMatch(/^SC[12]\d{3}$/);
            expect(diagnostic.range.start.line).toBeGreaterThanOrEqual(1);
            expect(diagnostic.range.start.column).toBeGreaterThanOrEqual(1);
          }
          if (!(entry in files)) expect(policy.diagnostics.map((d) => d.code)).toContain('SC2001');
          // Every rule comes from a file that was read.
          const read = new Set(policy.files.map((file) => file.path));
          for (const syscall of policy.syscalls) for (const rule of syscall.rules) expect(read.has(rule.origin.file)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('terminates quickly on graphs that include every file many times', () => {
    // Each file includes every other file twice: without a budget this would expand to 12^8 visits.
    const served: Record<string, string> = {};
    const names = Array.from({ length: 6 }, (_, index) => `f${index}.policy`);
    for (const name of names) served[`/p/${name}`] = names.flatMap((other) => [`@include ./${other}`, `@include ./${other}`]).join('\n');
    const policy = resolvePolicy('/p/f0.policy', { host: createMemoryHost(served), maxIncludes: 500 });
    expect(policy.diagnostics.filter((d) => d.code === 'SC2007')).toHaveLength(1);
  });

  it('lints arbitrary trees without throwing', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.tuple(fc.constantFrom('x86_64', 'arm', ''), fc.constantFrom(...fileNames, 'README.md', 'x.frequency', 'Bad Name.policy')).map(
            ([arch, name]) => (arch === '' ? name : `${arch}/${name}`),
          ),
          fileArb,
        ),
        fc.constantFrom<'error' | 'warn' | 'off'>('error', 'warn', 'off'),
        (files, lint) => {
          const served: Record<string, string> = {};
          for (const [name, text] of Object.entries(files)) served[`/tree/${name}`] = text;
          const result = lintPolicyTree('/tree', { host: createMemoryHost(served), lint });
          for (const diagnostic of result.diagnostics) expect(diagnostic.code).toMatch(/^SC3\d{3}$/);
          if (lint === 'off') expect(result.diagnostics.filter((d) => d.code !== 'SC3010')).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
