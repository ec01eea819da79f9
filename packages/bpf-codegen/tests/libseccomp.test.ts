// Differential tests against libseccomp (Debian python3-seccomp, through tools/libseccomp-bridge.py):
// 1. libseccomp's program, run in our emulator, agrees with the reference meaning of the rules;
// 2. our compiler's program and libseccomp's program for the same Minijail policy agree.
// Both skip visibly when python3-seccomp is not installed. Seeds are fixed so CI runs are
// repeatable (libseccomp itself mis-compiles some inputs, see below).
import fc from 'fast-check';
import { archAarch64 } from '@syscage/arch-aarch64';
import { archArm } from '@syscage/arch-arm';
import type { ArchTable } from '@syscage/arch-tables';
import { archX86_64 } from '@syscage/arch-x86-64';
import { createMemoryHost, resolvePolicy } from '@syscage/include-resolver';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../src/compile.js';
import { emulate } from '../src/emulate.js';
import { libseccompAvailable } from '../src/libseccomp-node.js';
import {
  evaluateLibseccompRequest,
  libseccompRequestFromPolicy,
  libseccompRequestJson,
  type LibseccompCondition,
  type LibseccompRequest,
  type LibseccompRule,
} from '../src/libseccomp-rules.js';
import { actionReturnValue, type SeccompAction } from '../src/options.js';
import type { BpfProgram } from '../src/types.js';
import { libseccompBatch } from './libseccomp-batch.js';
import { run, samples } from './libseccomp-samples.js';

const available = libseccompAvailable();
if (!available) console.warn('SKIPPED: libseccomp differential tests need /usr/bin/python3 with python3-seccomp');
const describeLibseccomp = available ? describe : describe.skip;

const INTERESTING = [0n, 1n, 2n, 5n, 0x7fn, 0x80n, 0xffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x1_0000_0005n, 1n << 63n, (1n << 64n) - 1n];
const NAMES = ['read', 'write', 'close', 'ioctl', 'mmap', 'openat', 'fcntl', 'futex'];

const condition = (bits: 32 | 64): fc.Arbitrary<LibseccompCondition> =>
  fc
    .record({
      arg: fc.integer({ min: 0, max: 5 }),
      op: fc.constantFrom('eq', 'ne', 'lt', 'le', 'gt', 'ge', 'masked_eq'),
      value: fc.oneof(fc.constantFrom(...INTERESTING), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
      mask: fc.oneof(fc.constantFrom(...INTERESTING), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
    })
    .map((c): LibseccompCondition => {
      const value = BigInt.asUintN(bits, c.value);
      const mask = BigInt.asUintN(bits, c.mask);
      return c.op === 'masked_eq' ? { arg: c.arg, op: c.op, mask, value: value & mask } : { arg: c.arg, op: c.op, value };
    });

const action: fc.Arbitrary<SeccompAction> = fc.constantFrom<SeccompAction>(
  { kind: 'allow' },
  { kind: 'errno', errno: 1 },
  { kind: 'errno', errno: 13 },
  { kind: 'log' },
  { kind: 'trap' },
);

/** Requests whose rules for one syscall share one action (so their meaning is unambiguous). */
const request = (table: ArchTable): fc.Arbitrary<LibseccompRequest> =>
  fc
    .record({
      syscalls: fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 4 }),
      perSyscall: fc.array(
        fc.record({ action, rules: fc.array(fc.array(condition(table.bits), { maxLength: 3 }), { minLength: 1, maxLength: 3 }) }),
        { minLength: 4, maxLength: 4 },
      ),
      defaultAction: fc.constantFrom<SeccompAction>({ kind: 'kill-process' }, { kind: 'trap' }, { kind: 'errno', errno: 38 }),
    })
    .map(({ syscalls, perSyscall, defaultAction }) => {
      const rules: LibseccompRule[] = [];
      syscalls.forEach((syscall, index) => {
        const spec = perSyscall[index];
        if (!spec || (spec.action.kind === defaultAction.kind && spec.action.errno === defaultAction.errno)) return;
        // libseccomp 2.5.4 mis-compiles range comparisons (lt/le/gt/ge) of one argument spread
        // over several rules of a syscall: for `arg2 > 0x8880d559c851cd23 || arg2 <= 0` its
        // program compares the low word against the high word's constant and allows
        // arg2 = 0xc8526a24. Range comparisons therefore appear only in single-rule syscalls.
        const ruleSpecs = spec.rules.length > 1 ? spec.rules.map((conditions) => conditions.filter((c) => c.op === 'eq' || c.op === 'ne' || c.op === 'masked_eq')) : spec.rules;
        for (const conditions of ruleSpecs) {
          const unique = conditions.filter((c, i) => conditions.findIndex((d) => d.arg === c.arg) === i);
          rules.push({ syscall, action: spec.action, conditions: unique });
        }
      });
      const built: LibseccompRequest = { arch: table.name, defaultAction, badArchAction: { kind: "kill-thread" }, optimize: 2, rules };
      return built;
    });

describeLibseccomp('libseccomp programs agree with the rules they were built from', () => {
  it.each([['x86_64', archX86_64], ['aarch64', archAarch64], ['arm', archArm]] as const)('%s', (_name, table) => {
    const parameters = { numRuns: 12, endOnFailure: true, seed: 20261128 };
    // The runs' requests (fc.sample gives the property's values for the same seed), compiled in
    // one Python process; a request not among them is compiled alone.
    const libseccomp = libseccompBatch();
    libseccomp.add(fc.sample(request(table), parameters));
    fc.assert(
      fc.property(request(table), (req) => {
        const compiled = libseccomp.compile(req);
        if (!compiled.ok) throw new Error(compiled.message);
        const values = req.rules.flatMap((rule) => rule.conditions.flatMap((c) => [c.value, c.mask ?? 0n]));
        for (const name of NAMES) {
          const nr = table.syscalls[name];
          if (nr === undefined) continue;
          for (const args of samples([compiled.program], table, nr, values)) {
            const expected = actionReturnValue(evaluateLibseccompRequest(req, name, args, table.bits));
            // expect() only on a difference (its message serialises the whole request).
            const got = run(compiled.program, table, nr, args);
            if (got !== expected) expect(got, `${name}(${args.join(', ')}) under ${libseccompRequestJson(req)}`).toBe(expected);
          }
        }
        // A foreign architecture value takes the bad-arch action.
        expect(emulate(compiled.program, { nr: 0, arch: 0x12345678, instructionPointer: 0n, args: [] })).toMatchObject({ action: 'kill-thread' });
      }),
      parameters,
    );
  }, 600_000);
});

const ATOMS = ['arg0 == 1', 'arg1 != 0', 'arg2 < 4096', 'arg2 <= 7', 'arg3 > 3', 'arg4 >= 0x80000000', 'arg2 & 0x5', 'arg5 in 0xf0', 'arg0 == 0xffffffff', 'arg1 == 0x100000000'];

/** Policies: allow-only rules with up to three `&&`-joined atoms per clause and up to two clauses. */
const policy = fc.record({
  lines: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom(...NAMES),
      clauses: fc.array(fc.uniqueArray(fc.constantFrom(...ATOMS), { minLength: 0, maxLength: 3 }), { minLength: 1, maxLength: 2 }),
    }),
    { minLength: 1, maxLength: 4, selector: (line) => line.name },
  ),
});
type PolicyCase = typeof policy extends fc.Arbitrary<infer T> ? T : never;

/** One random policy compiled by us, and the libseccomp request of its syscalls that libseccomp compiles right. */
function prepared(lines: PolicyCase['lines'], table: ArchTable): { text: string; ours: BpfProgram; req: LibseccompRequest; skippedNames: ReadonlySet<string> } {
  const text = lines.map(({ name, clauses }) => `${name}: ${clauses.some((c) => c.length === 0) ? '1' : clauses.map((c) => c.join(' && ')).join(' || ')}\n`).join('');
  const resolved = resolvePolicy('/p/test.policy', { host: createMemoryHost({ '/p/test.policy': text }), arch: table.name });
  const ours = compilePolicy(resolved, table, { defaultAction: 'trap' });
  if (!ours.program || !ours.lowered) throw new Error(`did not compile:\n${text}${ours.diagnostics.map((d) => d.message).join('\n')}`);
  const { request: translated, skipped } = libseccompRequestFromPolicy(ours.lowered);
  const skippedNames = new Set(skipped.map((s) => s.syscall));
  // libseccomp 2.5.4 mis-compiles (and for some inputs never finishes compiling) range
  // comparisons of one argument spread over several rules of a syscall (see above): such
  // syscalls are left out of libseccomp's filter and of the comparison.
  for (const name of NAMES) {
    const rules = translated.rules.filter((rule) => rule.syscall === name);
    const rangeArgs = rules.flatMap((rule) => rule.conditions.filter((c) => ['lt', 'le', 'gt', 'ge'].includes(c.op)).map((c) => c.arg));
    if (rules.length > 1 && rangeArgs.length > 0) skippedNames.add(name);
  }
  const req: LibseccompRequest = { ...translated, rules: translated.rules.filter((rule) => !skippedNames.has(rule.syscall)) };
  return { text, ours: ours.program, req, skippedNames };
}

describeLibseccomp('our programs agree with libseccomp on the same policy', () => {
  it.each([['x86_64', archX86_64], ['aarch64', archAarch64]] as const)('%s', (_name, table) => {
    const parameters = { numRuns: 15, endOnFailure: true, seed: 20261128 };
    // The runs' policies (fc.sample gives the property's values for the same seed), their
    // requests compiled by libseccomp in one Python process.
    const libseccomp = libseccompBatch();
    libseccomp.add(fc.sample(policy, parameters).map(({ lines }) => prepared(lines, table).req));
    fc.assert(
      fc.property(policy, ({ lines }) => {
        const { text, ours, req, skippedNames } = prepared(lines, table);
        const theirs = libseccomp.compile(req);
        if (!theirs.ok) throw new Error(`${theirs.message}\n${text}`);
        for (const name of NAMES) {
          const nr = table.syscalls[name];
          if (nr === undefined || skippedNames.has(name)) continue;
          for (const args of samples([ours, theirs.program], table, nr, [])) {
            const want = run(theirs.program, table, nr, args);
            const got = run(ours, table, nr, args);
            if (got !== want) expect(got, `${name}(${args.join(', ')}) under\n${text}`).toBe(want);
          }
        }
      }),
      parameters,
    );
  }, 600_000);
});
