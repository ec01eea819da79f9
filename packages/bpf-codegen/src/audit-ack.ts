/**
 * Acknowledged audit findings: a policy may say, in the comment right above a rule, that a
 * finding the audit makes about that rule is a deliberate choice, and why:
 *
 * ```
 * # Builds the jail's file system (its whole job).
 * # audit-ack SC7010: the warden mounts the file system of every jail it builds
 * mount: allow
 * ```
 *
 * The acknowledgement names one finding code and must give a reason. It is read from the
 * contiguous comment lines directly above the line where the rule starts. An acknowledged
 * finding is still reported, with its reason; it only no longer fails a build or `--fail-on`.
 */
import type { AuditFinding } from './audit.js';

/** One acknowledgement found above a rule. */
export interface AuditAcknowledgement {
  /** The finding code it names, as written (`SC7` and three digits; it may name no known code). */
  readonly code: string;
  /** Why the finding is accepted, as written after the colon. */
  readonly reason: string;
  /** 1-based line of the `# audit-ack` comment. */
  readonly line: number;
}

/** A finding with the acknowledgement that covers it, if any. */
export interface AcknowledgedFinding {
  /** The audit's finding, unchanged. */
  readonly finding: AuditFinding;
  /** Present when a comment above the finding's rule acknowledges its code with a reason. */
  readonly acknowledged?: AuditAcknowledgement;
}

const ackPattern = /^#\s*audit-ack\s+(SC7\d{3})\s*:\s*(\S.*?)\s*$/;

/**
 * The acknowledgements in the comment block directly above 1-based `line` of `text` (the
 * contiguous `#` lines just before it; a blank or rule line ends the block).
 */
export function auditAcknowledgementsAbove(text: string, line: number): AuditAcknowledgement[] {
  const lines = text.split('\n');
  const found: AuditAcknowledgement[] = [];
  for (let index = line - 2; index >= 0; index--) {
    const content = (lines[index] ?? '').trim();
    if (!content.startsWith('#')) break;
    const match = ackPattern.exec(content);
    if (match?.[1] !== undefined && match[2] !== undefined) found.push({ code: match[1], reason: match[2], line: index + 1 });
  }
  return found.reverse();
}

/**
 * Pairs each finding with the acknowledgement of its code above the rule it points at.
 * `readText` gives the text of a policy file (the finding's `origin.file`), or `undefined`.
 * Findings without a rule (about the whole program) cannot be acknowledged.
 *
 * @example
 * ```ts
 * const findings = acknowledgeAuditFindings(report.findings, (path) => sources.get(path));
 * const open = findings.filter((item) => item.acknowledged === undefined);
 * ```
 */
export function acknowledgeAuditFindings(findings: readonly AuditFinding[], readText: (file: string) => string | undefined): AcknowledgedFinding[] {
  return findings.map((finding) => {
    const origin = finding.origin;
    if (origin === undefined) return { finding };
    const text = readText(origin.file);
    if (text === undefined) return { finding };
    const acknowledged = auditAcknowledgementsAbove(text, origin.range.start.line).find((ack) => ack.code === finding.code);
    return acknowledged === undefined ? { finding } : { finding, acknowledged };
  });
}
