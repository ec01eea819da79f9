/**
 * Stable diagnostic codes of lowering and code generation (SC4xxx). A code is never reused for
 * another meaning.
 */
import { type DiagnosticBuilder, createDiagnosticBuilder, defineCodes, fileStartRange } from '@syscage/policy-parser';

/** Every code lowering and code generation report, with its meaning. */
export const codegenDiagnosticCodes = defineCodes({
  SC4001: { name: 'unknown-syscall', severity: 'error', summary: 'A syscall name does not exist on the target architecture.' },
  SC4002: { name: 'unknown-constant', severity: 'error', summary: 'A named constant is not known on the target architecture.' },
  SC4003: { name: 'argument-index', severity: 'error', summary: 'Only arg0..arg5 exist in seccomp_data.' },
  SC4004: { name: 'unsigned-overflow', severity: 'error', summary: 'A constant does not fit in the architecture word.' },
  SC4005: { name: 'signed-underflow', severity: 'error', summary: 'A negative constant is below the smallest signed word.' },
  SC4006: { name: 'syscall-group', severity: 'error', summary: 'A `name@group` descriptor needs a syscall group table, which the architecture table lacks.' },
  SC4007: { name: 'denylist-mismatch', severity: 'error', summary: 'A @denylist policy needs denylist mode and denylist mode needs a @denylist policy.' },
  SC4008: { name: 'denylist-non-return', severity: 'error', summary: 'In denylist mode every action must be `return N`.' },
  SC4009: { name: 'rule-after-unconditional', severity: 'error', summary: 'A rule follows an unconditional rule for the same syscall on this architecture.' },
  SC4010: { name: 'default-action-value', severity: 'error', summary: 'The default action option names an invalid action.' },
  SC4020: { name: 'too-many-instructions', severity: 'error', summary: 'The program is longer than BPF_MAXINSNS (4096) instructions.' },
  // Kept so the code is never reused: filters are compiled without recursion, so no policy is too deep.
  SC4021: { name: 'filter-too-deep', severity: 'error', summary: "No longer raised (a syscall's argument filters chained more alternatives than the compiler could nest)." },
  SC4022: { name: 'errno-range', severity: 'error', summary: 'A `return N` errno is outside 1..4095, the range the kernel passes to the caller.' },
  SC4030: { name: 'flatten-conditional-action', severity: 'error', summary: "A conditional rule takes an action other than allow (or, among a syscall's last rules, the default action); libminijail's run-time parser allows a call that matches a condition and can do nothing else with it." },
  SC4031: { name: 'flatten-fallback', severity: 'error', summary: "A syscall's conditional rules fall back to an action other than the default; libminijail can only fall back to the jail's failure action." },
  SC4032: { name: 'flatten-action', severity: 'error', summary: "An action other than allow and `return N` that differs from the default action; libminijail's run-time parser cannot write it." },
  SC4033: { name: 'flatten-default', severity: 'warning', summary: "The policy's @default is not carried into a flattened policy: libminijail applies the jail's failure action instead." },
  SC4034: { name: 'flatten-denylist', severity: 'error', summary: 'A @denylist policy cannot be flattened: libminijail has no denylist mode.' },
  SC4035: { name: 'oci-inexpressible', severity: 'error', summary: 'An OCI seccomp profile cannot express the policy exactly (per-architecture differences, default actions, architecture names).' },
  SC4036: { name: 'oci-too-many-entries', severity: 'error', summary: 'A syscall needs more OCI profile entries than the export allows.' },
  SC4037: { name: 'oci-runtime-difference', severity: 'warning', summary: 'The container runtime decides some calls of an exported OCI profile differently from the compiled policy.' },
  SC4038: { name: 'oci-arch-includes', severity: 'warning', summary: "An exported multi-architecture profile expresses per-architecture differences with Moby's includes.arches, which runc and containerd ignore." },
  SC4039: { name: 'oci-json', severity: 'error', summary: 'An OCI seccomp profile is not valid JSON.' },
  SC4040: { name: 'oci-schema', severity: 'error', summary: 'An OCI seccomp profile has a value of the wrong type, a missing or unknown field, or a number out of range.' },
  SC4041: { name: 'oci-unknown-name', severity: 'error', summary: 'An OCI seccomp profile names an unknown action, comparison operator or flag.' },
  SC4042: { name: 'oci-argument-index', severity: 'error', summary: 'An OCI seccomp profile compares an argument index outside 0..5.' },
  SC4043: { name: 'oci-duplicate', severity: 'error', summary: 'An OCI seccomp profile lists a syscall name twice in one entry, or gives a key twice.' },
  SC4044: { name: 'oci-unknown-syscall', severity: 'warning', summary: 'A name of an OCI seccomp profile is not a syscall on the architecture; it is left out, as runtimes skip it.' },
  SC4045: { name: 'oci-import-inexpressible', severity: 'error', summary: 'A policy cannot say what the OCI seccomp profile says (overlapping entries of different actions, errno 0, trace data, values wider than the arguments, unknown errno names).' },
  SC4046: { name: 'oci-arch-not-covered', severity: 'warning', summary: 'An imported OCI seccomp profile does not name the architecture it is imported for.' },
} as const);

/** A code reported by this package's compiler. */
export type CodegenDiagnosticCode = keyof typeof codegenDiagnosticCodes;

/** An empty range at the start of a file (the toolchain's one definition, from policy-parser). */
export const fileStart = fileStartRange;

/** Builds a diagnostic with the code's severity. */
export const codegenDiagnostic: DiagnosticBuilder<CodegenDiagnosticCode> = createDiagnosticBuilder(codegenDiagnosticCodes);
