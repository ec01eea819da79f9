/**
 * What the playground edits: a set of policy files in an in-memory tree, one of them the entry
 * that gets compiled, and the architecture to compile for. This is also what a shared link holds.
 */

/** One policy (or frequency) file of the workspace. */
export interface WorkspaceFile {
  /** Absolute POSIX path in the in-memory tree, e.g. `/policies/x86_64/common.policy`. */
  readonly path: string;
  readonly text: string;
}

/** The `syscage compile` flags the playground offers; absent ones take the CLI's defaults. */
export interface CompileFlags {
  /** `--denylist`: compile a `@denylist` policy (unlisted syscalls are allowed). */
  readonly denylist?: boolean;
  /** `--use-kill-process`: the kill action is kill-process instead of kill-thread. */
  readonly useKillProcess?: boolean;
  /** `--log-failures`: every denial becomes LOG. */
  readonly logFailures?: boolean;
  /** `--no-optimize` when false. */
  readonly optimize?: boolean;
}

/** Names of the {@link CompileFlags}, for validation and the options menu. */
export const COMPILE_FLAG_NAMES = ['denylist', 'useKillProcess', 'logFailures', 'optimize'] as const;

/** The whole editable state that a link can carry. */
export interface PolicyWorkspace {
  readonly files: readonly WorkspaceFile[];
  /** Path of the file compiled as the top-level policy; one of `files`. */
  readonly entry: string;
  /** Canonical architecture name, e.g. `x86_64`. */
  readonly arch: string;
  /** Compile flags; absent means the CLI's defaults. */
  readonly flags?: CompileFlags;
}

/** The workspace a first visit starts from when no example tree was built in. */
export const STARTER_WORKSPACE: PolicyWorkspace = {
  arch: 'x86_64',
  entry: '/main.policy',
  files: [
    {
      path: '/main.policy',
      text: [
        '# A small policy: edit it, pick an architecture, then try a syscall on the right.',
        '@include ./common.policy',
        'openat: arg2 in O_RDONLY|O_WRONLY|O_RDWR|O_CLOEXEC|O_DIRECTORY|O_NONBLOCK',
        'ioctl: arg1 == FIONBIO || arg1 == FIOCLEX',
        'socket: arg0 == AF_UNIX',
        'mmap: arg2 in ~PROT_EXEC',
        'kill: return EPERM',
        '',
      ].join('\n'),
    },
    {
      path: '/common.policy',
      text: [
        '# Included by main.policy.',
        'read: 1',
        'write: 1',
        'close: 1',
        'exit_group: 1',
        'exit: 1',
        '',
      ].join('\n'),
    },
  ],
};

/** The part of a path after its last slash. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The directory part of a path, without a trailing slash (`/` for top-level files). */
export function dirName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

/**
 * A path in `directory` named like `wanted` that no file of `taken` has yet:
 * `new.policy`, then `new-2.policy`, `new-3.policy`, …
 */
export function uniquePath(directory: string, wanted: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const prefix = directory === '/' ? '/' : `${directory}/`;
  const dot = wanted.lastIndexOf('.');
  const stem = dot > 0 ? wanted.slice(0, dot) : wanted;
  const extension = dot > 0 ? wanted.slice(dot) : '';
  let candidate = `${prefix}${wanted}`;
  for (let counter = 2; used.has(candidate); counter++) candidate = `${prefix}${stem}-${counter}${extension}`;
  return candidate;
}

/**
 * Checks a decoded or hand-edited value for the workspace shape, so a corrupt link is refused
 * instead of crashing the page. Returns the reason it is not one, or `undefined` when it is.
 */
export function workspaceProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const candidate = value as Record<string, unknown>;
  if (typeof candidate['arch'] !== 'string') return 'no architecture';
  if (typeof candidate['entry'] !== 'string') return 'no entry file';
  const files = candidate['files'];
  if (!Array.isArray(files) || files.length === 0) return 'no files';
  const paths = new Set<string>();
  for (const file of files as unknown[]) {
    if (typeof file !== 'object' || file === null) return 'a file is not an object';
    const { path, text } = file as Record<string, unknown>;
    if (typeof path !== 'string' || !path.startsWith('/')) return 'a file path is not absolute';
    if (typeof text !== 'string') return `file ${path} has no text`;
    if (paths.has(path)) return `file ${path} appears twice`;
    paths.add(path);
  }
  if (!paths.has(candidate['entry'])) return 'the entry file is not among the files';
  const flags = candidate['flags'];
  if (flags !== undefined) {
    if (typeof flags !== 'object' || flags === null) return 'the compile flags are not an object';
    for (const [name, value] of Object.entries(flags)) {
      if (!(COMPILE_FLAG_NAMES as readonly string[]).includes(name)) return `unknown compile flag ${name}`;
      if (typeof value !== 'boolean') return `compile flag ${name} is not true or false`;
    }
  }
  return undefined;
}
