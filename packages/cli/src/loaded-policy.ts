/**
 * What a loaded policy of a tree is, in one place for `check`, `build` and every other command
 * that reads a tree. No `node:` imports: file access goes through the caller's host.
 */
import type { ParseCache, PolicyHost, TreeFile } from '@syscage/include-resolver';
import { parsePolicy } from '@syscage/policy-parser';

/**
 * True when a `.policy` file of an architecture folder is a loaded policy: named as one by the
 * convention (`foo_device`, its transport variants, `foo_process`), or, whatever its name, a file with
 * `@include` statements (crosvm's trees load files such as `battery.policy` or `xhci.policy`).
 * `check` and `build` both use this definition.
 */
export function isLoadedPolicyFile(file: TreeFile, host: PolicyHost, cache?: ParseCache): boolean {
  if (!file.name.endsWith('.policy') || file.role.kind === 'frequency') return false;
  if (file.role.kind === 'loaded' || file.role.kind === 'process') return true;
  const text = host.readFile(file.path);
  if (text === undefined) return false;
  // The tree's lint has parsed every file into the cache already; a text changed since is parsed again.
  const cached = cache?.policies.get(file.path);
  const parsed = cached?.text === text ? cached : parsePolicy(text, file.path);
  return parsed.statements.some((statement) => statement.kind === 'include');
}
