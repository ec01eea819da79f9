// --within on the repository's policies/: every loaded filter is proved within a copy of its
// policy that allows one more syscall, and within one whose argument condition is widened; and
// neither copy is proved within the filter: the counterexample is the added syscall, or the
// widened argument value. All four architectures.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LoweredPolicy, compilePolicy, lowerPolicy, verifyWithin } from '@syscage/bpf-codegen';
import { defaultIncludeMap, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { loadPolicies } from '../src/input.js';
import { compileDefaults } from '../src/options.js';
import { repoRoot } from './contract-support.js';

const tree = mkdtempSync(join(tmpdir(), 'syscage-within-'));
cpSync(join(repoRoot, 'policies'), tree, { recursive: true });
const loaded = (await loadPolicies({ paths: [tree], cwd: tree, includeMap: [], lint: 'off' })).policies.filter((policy) => !policy.standalone);
const host = createNodeHost();
const options = compileDefaults({});

/** Lowers a copy of `file` with `extra` appended, written beside it so that its includes resolve. */
function variant(file: string, arch: string, extra: string): LoweredPolicy {
  const copy = file.replace(/\.policy$/, '.variant.policy');
  writeFileSync(copy, `${readFileSync(file, 'utf8')}\n${extra}\n`);
  const resolved = resolvePolicy(copy, { host, arch, includeMap: defaultIncludeMap(copy) });
  const table = loaded.find((policy) => policy.table?.name === arch)?.table;
  if (table === undefined) throw new Error('no table');
  const { policy, diagnostics } = lowerPolicy(resolved, table, options);
  if (policy === undefined) throw new Error(diagnostics.map((diagnostic) => diagnostic.message).join('; '));
  return policy;
}

describe('verify --within on policies/', () => {
  it.each(loaded.map((policy) => [policy.table?.name ?? '', policy.file.slice(tree.length + 1), policy] as const))('%s %s', (arch, _name, policy) => {
    const table = policy.table;
    if (table === undefined) throw new Error('no table');
    const compiled = compilePolicy(policy.resolved, table, options);
    if (compiled.program === undefined || compiled.lowered === undefined) throw new Error('does not compile');
    const filter = { kind: 'filter' as const, programs: [compiled.program] };
    const listed = new Set(compiled.lowered.syscalls.map((syscall) => syscall.number));
    const [added, number] = Object.entries(table.syscalls).find(([, nr]) => !listed.has(nr)) ?? ['', -1];
    const plusOne = variant(policy.file, arch, `${added}: allow`);
    expect(verifyWithin({ kind: 'policy', policy: plusOne }, filter, compiled.lowered.arch).result).toBe('proved');
    const escape = verifyWithin(filter, { kind: 'policy', policy: plusOne }, compiled.lowered.arch);
    expect(escape.result).toBe('counterexample');
    if (escape.result === 'counterexample') expect(escape.counterexample.input.nr).toBe(number);

    // Widen the argument condition of a syscall that has one and no unconditional rule.
    const conditional = compiled.lowered.syscalls.find((syscall) => syscall.filters.length > 0 && syscall.fallback.origin === undefined);
    // Every device policy of the tree has one (common_device conditions ioctl, fcntl, …).
    if (conditional === undefined) {
      expect(policy.file).toMatch(/_process\.policy$/);
      return;
    }
    const widened = variant(policy.file, arch, `${conditional.name}: arg5 == 0x5eca9e`);
    expect(verifyWithin({ kind: 'policy', policy: widened }, filter, compiled.lowered.arch).result).toBe('proved');
    const wider = verifyWithin(filter, { kind: 'policy', policy: widened }, compiled.lowered.arch);
    expect(wider.result).toBe('counterexample');
    if (wider.result === 'counterexample') {
      expect(wider.counterexample.input.nr).toBe(conditional.number);
      expect(wider.counterexample.input.args[5]).toBe(0x5eca9en);
    }
  });
});
