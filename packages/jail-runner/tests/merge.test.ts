// Merging learned rules into a starting policy in place (`syscage learn --policy P -o P2`).
// Every folder under tests/fixtures/merge is one case: `start.policy` (and what it includes),
// `run.strace` (the observed calls), `case.json`; the expected result is `merged.policy` when the
// merge succeeds, `expected.txt` (the diagnostics) when it refuses. A merged policy is then
// checked by what it decides: every call the starting policy allowed is still allowed, every
// observed call is now allowed, nothing else changed but the observed syscalls, and (where the
// starting policy is one) it is a file libminijail's parser accepts: no syscall on two lines.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoweredPolicy, compilePolicy, diffDecisions, evaluatePolicy } from '@syscage/bpf-codegen';
import { type ResolvedPolicy, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { formatDiagnostic } from '@syscage/policy-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectFixtureText } from '../../../tools/fixtures/index.js';
import { type ObservedCall, learnFromLogs, mergeProposal, parseStraceLog, proposeRules } from '../src/index.js';
import { undecidedCalls } from '../src/logs.js';
import { onX86_64, table } from './table.js';

const fixtures = fileURLToPath(new URL('./fixtures/merge', import.meta.url));
const cases = readdirSync(fixtures).sort();

interface CaseJson {
  readonly description: string;
  /** The starting policy is libminijail's dialect too, so the merged one must stay so. */
  readonly c?: boolean;
  /**
   * Calls the run did not make that the starting policy decides by one of its rules, not by its
   * default (`args` as numbers): the merged policy must decide each as the starting one did.
   */
  readonly keeps?: readonly { readonly syscall: string; readonly args: readonly string[] }[];
}

/** A policy file as resolved, with `text` standing in for the file at `path` (its includes are read from disk). */
function resolveText(path: string, text: string, dialect: 'minijail-py' | 'minijail-c' = 'minijail-py'): ResolvedPolicy {
  const host = createNodeHost();
  return resolvePolicy(path, { host: { ...host, readFile: (file) => (file === path ? text : host.readFile(file)) }, arch: table.name, dialect });
}

function lowered(resolved: ResolvedPolicy): LoweredPolicy {
  const compiled = compilePolicy(resolved, table, {});
  if (compiled.lowered === undefined) throw new Error(compiled.diagnostics.map((found) => found.message).join('; '));
  return compiled.lowered;
}

describe.runIf(onX86_64)('merging learned rules into the starting policy', () => {
  it.each(cases)('%s', (name) => {
    const folder = join(fixtures, name);
    const spec = JSON.parse(readFileSync(join(folder, 'case.json'), 'utf8')) as CaseJson;
    const start = join(folder, 'start.policy');
    const logText = readFileSync(join(folder, 'run.strace'), 'utf8');
    const learned = learnFromLogs({ logs: [{ file: 'run.strace', text: logText, kind: 'strace' }], policy: start, archTable: table, merge: true, header: ['merged'] });
    expect(learned.diagnostics).toEqual([]);
    const merged = learned.merged;
    expect(merged).toBeDefined();
    if (merged?.text === undefined) {
      // Refused: the diagnostics say where and what to add, and there is no text to write.
      expect(merged?.diagnostics.some((found) => found.severity === 'error')).toBe(true);
      const sources = new Map([start, join(folder, 'common.policy')].filter(existsSync).map((file) => [file, readFileSync(file, 'utf8')]));
      const shown = (merged?.diagnostics ?? []).map((found) => formatDiagnostic(found, sources)).join('\n').replaceAll(`${folder}/`, '');
      expectFixtureText(join(folder, 'expected.txt'), `${shown}\n`);
      return;
    }
    expect({ case: name, diagnostics: merged.diagnostics }).toEqual({ case: name, diagnostics: [] });
    const path = join(folder, 'merged.policy');
    expectFixtureText(path, merged.text);
    // The starting policy's bytes are all there, in order: only the added clauses are new.
    const startText = readFileSync(start, 'utf8');
    let back = merged.text;
    for (const rule of merged.widened) back = back.replace(` || ${rule.clause}`, '');
    expect(back.startsWith(startText)).toBe(true);
    expect(merged.text.split('\n').length - startText.split('\n').length).toBe(back.split('\n').length - startText.split('\n').length);

    const before = resolveText(start, readFileSync(start, 'utf8'));
    const after = resolveText(path, merged.text);
    expect(after.diagnostics.filter((found) => found.severity === 'error')).toEqual([]);
    // No syscall on two lines where there was none (libminijail: "syscall X redefined").
    if (spec.c === true) {
      const cReading = resolveText(path, merged.text, 'minijail-c');
      expect(cReading.diagnostics.filter((found) => found.severity === 'error').map((found) => `${found.code} ${found.message}`)).toEqual([]);
    }

    const old = lowered(before);
    const now = lowered(after);
    for (const kept of spec.keeps ?? []) {
      const call = { nr: table.syscalls[kept.syscall] ?? -1, arch: table.auditArch, args: kept.args.map((arg) => BigInt(arg)) };
      expect({ ...kept, decision: evaluatePolicy(now, call).action }).toEqual({ ...kept, decision: evaluatePolicy(old, call).action });
    }
    // Every observed call is allowed now.
    for (const call of parseStraceLog(logText, 'run.strace', table).calls) {
      expect({ call: call.syscall.name, args: call.args, action: evaluatePolicy(now, { nr: call.syscall.nr, arch: call.arch, args: call.args }).action.kind }).toEqual({
        call: call.syscall.name,
        args: call.args,
        action: 'allow',
      });
    }
    // What changed: only calls that now run, only of the observed syscalls (proved, not sampled);
    // and clone3, answered ENOSYS by the added rule as the learn run answered it.
    const observed = new Set(parseStraceLog(logText, 'run.strace', table).calls.map((call) => call.syscall.name));
    const unobserved = new Set(merged.added.filter((rule) => rule.calls === 0).map((rule) => rule.syscall));
    const diff = diffDecisions({ kind: 'policy', policy: old }, { kind: 'policy', policy: now }, old.arch);
    expect(diff.result === 'same' || diff.result === 'different').toBe(true);
    if (diff.result !== 'different') return;
    expect(diff.otherNumbers).toEqual([]);
    for (const syscall of diff.syscalls) {
      if (syscall.name !== undefined && unobserved.has(syscall.name)) {
        expect(syscall.changes.map((change) => [change.kind, change.after])).toEqual([['changed', 'ERRNO(38)']]);
        continue;
      }
      expect({ syscall: syscall.name, observed: observed.has(syscall.name) }).toEqual({ syscall: syscall.name, observed: true });
      for (const change of syscall.changes) expect({ syscall: syscall.name, kind: change.kind }).toEqual({ syscall: syscall.name, kind: 'added' });
    }
  });

});

describe.runIf(onX86_64)('mergeProposal', () => {
  const call = (name: string, args: bigint[]) => ({ tid: 1, syscall: { nr: table.syscalls[name] ?? -1, name }, arch: table.auditArch, instructionPointer: 0n, args, wouldBe: undefined });
  const path = '/virtual/p.policy';
  const resolved = (text: string): ResolvedPolicy => resolvePolicy(path, { host: { ...createNodeHost(), readFile: () => text }, arch: table.name });

  it.each<[string, string, [string, bigint[]][], string]>([
    ['a trailing comment stays after the widened condition', 'read: arg0 == 0 # stdin\n', [['read', [3n]]], 'read: arg0 == 0 || arg0 == 3 # stdin\n'],
    ['a return fallback in braces stays', 'read: {arg0 == 0, return EBADF}\n', [['read', [3n]]], 'read: {arg0 == 0 || arg0 == 3, return EBADF}\n'],
    ['the last allowing rule widens, the kill between stays first', 'read: arg0 == 0\nread: arg0 == 1; kill\nread: arg0 == 2\n', [['read', [3n]]], 'read: arg0 == 0\nread: arg0 == 1; kill\nread: arg0 == 2 || arg0 == 3\n'],
    ['a file without a final newline', 'read: arg0 == 0', [['read', [3n]]], 'read: arg0 == 0 || arg0 == 3'],
  ])('%s', (_name, text, calls, expected) => {
    const policy = resolved(text);
    const compared = (syscall: string): number[] =>
      [...new Set(policy.syscalls.filter((entry) => entry.name === syscall).flatMap((entry) => entry.rules.flatMap((rule) => rule.filter.condition?.clauses.flatMap((clause) => clause.atoms.map((atom) => atom.argIndex)) ?? [])))];
    const proposal = proposeRules(
      calls.map(([name, args]) => call(name, args)),
      table,
      { extraArguments: compared, handles: () => true },
    );
    const merged = mergeProposal({ resolved: policy, proposal, options: { extraArguments: compared } });
    expect(merged.diagnostics).toEqual([]);
    expect(merged.text).toBe(expected);
    expect(merged.widened.map((rule) => [rule.syscall, rule.clause])).toEqual(calls.map(([name, args]) => [name, `arg0 == ${String(args[0])}`]));
  });

  // `learn --policy P -o P2 --frequency F`: P2 names F once. A second `@frequency` line below P's
  // own would add P's old counts to the run's (the resolver sums every file a policy names).
  it.each<[string, string, string]>([
    ['a policy without @frequency gets the line under the header', 'read: arg0 == 0\n', 'read: arg0 == 0 || arg0 == 3\n\n# merged\n@frequency ./new.frequency\n'],
    [
      'a policy with @frequency has that statement name the new file, and no second one',
      '# counts\n@frequency ./old.frequency # from last week\nread: arg0 == 0\n',
      '# counts\n@frequency ./new.frequency # from last week\nread: arg0 == 0 || arg0 == 3\n',
    ],
    [
      'a statement over two lines keeps its layout, only the path changes',
      '@frequency \\\n  ./old.frequency\nread: arg0 == 0\n',
      '@frequency \\\n  ./new.frequency\nread: arg0 == 0 || arg0 == 3\n',
    ],
  ])('--frequency: %s', (_name, text, expected) => {
    const policy = resolvePolicy(path, { host: { ...createNodeHost(), readFile: (file) => (file === path ? text : 'read: 5\n') }, arch: table.name });
    const extraArguments = (): number[] => [0];
    const proposal = proposeRules([call('read', [3n])], table, { extraArguments, handles: () => true });
    const merged = mergeProposal({ resolved: policy, proposal, options: { extraArguments, header: ['merged'], frequencyPath: './new.frequency' } });
    expect(merged.diagnostics).toEqual([]);
    expect(merged.text).toBe(expected);
    expect(merged.text?.match(/^@frequency/gm)).toHaveLength(1);
  });
});

// Random starting policies (each syscall one line: `1`, or `||` of `&&` clauses of `argN == v`)
// and random observed calls, through the same steps as a learn run: whatever the merge writes
// keeps every decision that let a call run, lets every observed call run, changes nothing else
// but observed syscalls, and never names a syscall on a second line.
describe.runIf(onX86_64)('merging random policies and calls', () => {
  const syscalls = ['read', 'write', 'ioctl', 'fcntl', 'madvise', 'kill'] as const;
  const atom = fc.record({ arg: fc.integer({ min: 0, max: 2 }), value: fc.integer({ min: 0, max: 3 }) });
  const rule = fc.oneof(
    { weight: 1, arbitrary: fc.constant('1') },
    { weight: 4, arbitrary: fc.array(fc.array(atom, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 3 }).map((clauses) => clauses.map((clause) => clause.map(({ arg, value }) => `arg${arg} == ${value}`).join(' && ')).join(' || ')) },
  );
  const policy = fc.dictionary(fc.constantFrom(...syscalls), rule, { minKeys: 1 });
  const calls = fc.array(fc.record({ syscall: fc.constantFrom(...syscalls), args: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 }) }), { minLength: 1, maxLength: 6 });

  it('keeps what ran, allows what was observed, and writes one line per syscall', () => {
    const path = '/virtual/start.policy';
    const read = (text: string, dialect: 'minijail-py' | 'minijail-c' = 'minijail-py'): ResolvedPolicy =>
      resolvePolicy(path, { host: { ...createNodeHost(), readFile: () => text }, arch: table.name, dialect });
    fc.assert(
      fc.property(policy, calls, (rules, observedCalls) => {
        const text = `# random\n${Object.entries(rules).map(([name, filter]) => `${name}: ${filter}`).join('\n')}\n`;
        const before = read(text);
        const old = lowered(before);
        const program = compilePolicy(before, table, {}).program ?? [];
        const compared = (syscall: string): number[] => [
          ...new Set(before.syscalls.filter((entry) => entry.name === syscall).flatMap((entry) => entry.rules.flatMap((found) => found.filter.condition?.clauses.flatMap((clause) => clause.atoms.map((one) => one.argIndex)) ?? []))),
        ];
        const observed: ObservedCall[] = observedCalls.map(({ syscall, args }) => ({
          tid: 1,
          syscall: { nr: table.syscalls[syscall] ?? -1, name: syscall },
          arch: table.auditArch,
          instructionPointer: 0n,
          args: [...args.map(BigInt), 0n, 0n, 0n],
          wouldBe: undefined,
        }));
        const undecided = undecidedCalls(observed, program, compared);
        const proposal = proposeRules(undecided, table, { extraArguments: compared, handles: () => true });
        const merged = mergeProposal({ resolved: before, proposal, options: { extraArguments: compared } });
        expect(merged.diagnostics).toEqual([]);
        const after = read(merged.text ?? '');
        expect(after.diagnostics.filter((found) => found.severity === 'error')).toEqual([]);
        expect(read(merged.text ?? '', 'minijail-c').diagnostics.filter((found) => found.code === 'SC2039')).toEqual([]);
        const now = lowered(after);
        for (const call of observed) expect(evaluatePolicy(now, { nr: call.syscall.nr, arch: call.arch, args: call.args }).action.kind).toBe('allow');
        const diff = diffDecisions({ kind: 'policy', policy: old }, { kind: 'policy', policy: now }, old.arch);
        if (diff.result !== 'different') return;
        const names = new Set(undecided.map((call) => call.syscall.name));
        for (const syscall of diff.syscalls) {
          expect(names.has(syscall.name)).toBe(true);
          for (const change of syscall.changes) expect(change.kind).toBe('added');
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 60) },
    );
  });
});
