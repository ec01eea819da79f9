/** Shared by the per-architecture example chunks: glob results to workspace files. */
import type { WorkspaceFile } from '../workspace.js';

const GLOB_PREFIX = '../../../..';

/** `{ '../../../../policies/x/a.policy': text }` → `[{ path: '/policies/x/a.policy', text }]`, sorted. */
export function toWorkspaceFiles(modules: Readonly<Record<string, string>>): WorkspaceFile[] {
  return Object.entries(modules)
    .map(([modulePath, text]) => ({ path: modulePath.slice(GLOB_PREFIX.length), text }))
    .sort((left, right) => left.path.localeCompare(right.path));
}
