// Acknowledged audit findings: `# audit-ack SC7xxx: reason` in the comment block right above a
// rule covers that rule's finding of that code, with its reason; anything else leaves the
// finding open.
import { archX86_64 } from '@syscage/arch-x86-64';
import { describe, expect, it } from 'vitest';
import { acknowledgeAuditFindings, auditAcknowledgementsAbove } from '../src/audit-ack.js';
import { auditProgram } from '../src/audit.js';
import { compileText } from './compile/helpers.js';

/** The findings of a policy's program, each with the reason of its acknowledgement or `open`. */
function acknowledged(text: string): string[] {
  const { result } = compileText(text, archX86_64);
  if (result.program === undefined || result.lowered === undefined) throw new Error('does not compile');
  const report = auditProgram(result.program, { arch: archX86_64, policy: result.lowered });
  return acknowledgeAuditFindings(report.findings, (file) => (file === '/p/main.policy' ? text : undefined))
    .filter(({ finding }) => finding.severity !== 'info')
    .map(({ finding, acknowledged: ack }) => `${finding.code} ${finding.syscall?.name ?? '-'}: ${ack === undefined ? 'open' : `${ack.reason} (line ${String(ack.line)})`}`);
}

describe('acknowledgeAuditFindings', () => {
  it.each<[string, string, string[]]>([
    ['an acknowledgement right above the rule', '# Builds jails.\n# audit-ack SC7010: the jail warden mounts every jail\nmount: allow\n', ['SC7010 mount: the jail warden mounts every jail (line 4)']],
    ['none', '# Builds jails.\nmount: allow\n', ['SC7010 mount: open']],
    ['another code', '# audit-ack SC7031: namespaces\nmount: allow\n', ['SC7010 mount: open']],
    ['no reason', '# audit-ack SC7010:\nmount: allow\n', ['SC7010 mount: open']],
    ['a blank line between', '# audit-ack SC7010: jails\n\nmount: allow\n', ['SC7010 mount: open']],
    ['above another rule', '# audit-ack SC7010: jails\nread: allow\nmount: allow\n', ['SC7010 mount: open']],
    [
      'each rule its own',
      '# audit-ack SC7010: jails\nmount: allow\n# audit-ack SC7010: the old root\numount2: allow\n',
      ['SC7010 mount: jails (line 3)', 'SC7010 umount2: the old root (line 5)'],
    ],
  ])('%s', (_label, rules, expected) => {
    expect(acknowledged(`read: allow\nexit_group: allow\n${rules}`).sort()).toEqual(expected.sort());
  });

  it('reads every acknowledgement of the comment block, in order', () => {
    const text = '# Why.\n# audit-ack SC7031: namespaces of the jail\n#audit-ack   SC7010 :  mounts  \nclone: allow\n';
    expect(auditAcknowledgementsAbove(text, 4)).toEqual([
      { code: 'SC7031', reason: 'namespaces of the jail', line: 2 },
      { code: 'SC7010', reason: 'mounts', line: 3 },
    ]);
    expect(auditAcknowledgementsAbove(text, 1)).toEqual([]);
  });
});
