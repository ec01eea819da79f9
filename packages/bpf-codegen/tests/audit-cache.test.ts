// A build audits hundreds of programs with one AuditCache: a program met again is not searched
// again, only its findings' rules are looked up in the new policy. These cases fail if the cache
// lets programs with other code, another table, `device` or path limit share findings, or keeps
// one policy's rule origins for another.
import { describe, expect, it } from 'vitest';
import { archAarch64 } from '@syscage/arch-aarch64';
import { archX86_64 } from '@syscage/arch-x86-64';
import type { ArchTable } from '@syscage/arch-tables';
import { type AuditOptions, auditProgram, createAuditCache } from '../src/audit.js';
import { compileText } from './compile/helpers.js';

function compiled(rules: string, table: ArchTable = archX86_64, defaultAction?: 'allow') {
  const { result } = compileText(rules, table, defaultAction === undefined ? {} : { defaultAction });
  const { program, lowered } = result;
  if (program === undefined || lowered === undefined) throw new Error('does not compile');
  return { program, lowered };
}

const escaping = 'read: allow\nexecve: allow\nptrace: allow\nmmap: arg2 in ~PROT_EXEC\n';

describe('an audit cache', () => {
  it('gives a program met again the report it gets alone', () => {
    const { program, lowered } = compiled(escaping);
    const cache = createAuditCache();
    const options: AuditOptions = { arch: archX86_64, device: true, policy: lowered };
    const alone = auditProgram(program, options);
    expect(auditProgram(program, { ...options, cache })).toEqual(alone);
    expect(auditProgram([...program], { ...options, cache })).toEqual(alone);
    expect(cache.size).toBe(1);
  });

  it('does not share findings between programs with other code', () => {
    const cache = createAuditCache();
    const first = compiled(escaping);
    const second = compiled('read: allow\nmmap: arg2 in ~PROT_EXEC\n');
    auditProgram(first.program, { arch: archX86_64, cache });
    expect(auditProgram(second.program, { arch: archX86_64, cache })).toEqual(auditProgram(second.program, { arch: archX86_64 }));
    expect(cache.size).toBe(2);
  });

  it('keeps device and process audits apart (execve is an escape only in a device)', () => {
    const { program } = compiled(escaping);
    const cache = createAuditCache();
    const device = auditProgram(program, { arch: archX86_64, device: true, cache });
    const process = auditProgram(program, { arch: archX86_64, device: false, cache });
    expect(process).toEqual(auditProgram(program, { arch: archX86_64, device: false }));
    expect(device.findings.map((f) => f.code)).not.toEqual(process.findings.map((f) => f.code));
  });

  it('keeps tables and path limits apart', () => {
    const x86 = compiled(escaping);
    const cache = createAuditCache();
    auditProgram(x86.program, { arch: archX86_64, cache });
    expect(auditProgram(x86.program, { arch: archAarch64, cache })).toEqual(auditProgram(x86.program, { arch: archAarch64 }));
    const limited = auditProgram(x86.program, { arch: archX86_64, maxPaths: 1, cache });
    expect(limited).toEqual(auditProgram(x86.program, { arch: archX86_64, maxPaths: 1 }));
    expect(limited.findings.some((f) => f.code === 'SC7041')).toBe(true);
  });

  it('points each policy’s findings at its own rules', () => {
    // One program from two policies whose rules are on other lines of other files.
    const first = compiled(escaping);
    const second = compiled(`# moved down\n\n${escaping}`);
    expect(second.program).toEqual(first.program);
    const cache = createAuditCache();
    auditProgram(first.program, { arch: archX86_64, device: true, policy: first.lowered, cache });
    const found = auditProgram(second.program, { arch: archX86_64, device: true, policy: second.lowered, cache });
    expect(found).toEqual(auditProgram(second.program, { arch: archX86_64, device: true, policy: second.lowered }));
    expect(found.findings.find((f) => f.code === 'SC7010')?.origin?.range.start.line).toBeGreaterThan(2);
    expect(cache.size).toBe(1);
  });

  it('gives a permissive default the default’s origin of each call', () => {
    const { program, lowered } = compiled('ptrace: kill\n', archX86_64, 'allow');
    const cache = createAuditCache();
    const origin = lowered.syscalls[0]?.fallback.origin;
    if (origin === undefined) throw new Error('no origin');
    auditProgram(program, { arch: archX86_64, cache });
    const found = auditProgram(program, { arch: archX86_64, defaultOrigin: origin, cache });
    expect(found).toEqual(auditProgram(program, { arch: archX86_64, defaultOrigin: origin }));
    expect(found.findings.find((f) => f.code === 'SC7005')?.origin).toEqual(origin);
  });
});
