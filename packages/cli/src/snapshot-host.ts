/**
 * A host that reads each path once per run. Resolving a tree reads its shared building blocks
 * (`common_device.policy`, `vhost_user.policy`, a `.frequency` file) once for every policy that
 * includes them, and asks for the real path of every include target and root each time: on
 * `policies/` that was about 900 reads (a `stat` and a read each) and as many `realpath` calls
 * for about 70 distinct files. No `node:` imports: it wraps whatever host it is given.
 */
import type { PolicyHost } from '@syscage/include-resolver';

function remembered<T>(lookup: (path: string) => T): (path: string) => T {
  const known = new Map<string, T>();
  return (path) => {
    if (known.has(path)) return known.get(path) as T;
    const value = lookup(path);
    known.set(path, value);
    return value;
  };
}

/**
 * Wraps `host` so that every answer (a file's text, why it cannot be read, a folder's entries,
 * where a path really leads) is asked once per path and then repeated. Every policy of one run
 * then sees the same text of a shared file, as if the tree were read at one instant; a file
 * changed during the run is not read again. Make one per run (per `loadPolicies` call, per
 * build), never one that outlives it.
 */
export function snapshotHost(host: PolicyHost): PolicyHost {
  const fileProblem = host.fileProblem?.bind(host);
  const listDirectory = host.listDirectory?.bind(host);
  const realPath = host.realPath?.bind(host);
  return {
    readFile: remembered((path) => host.readFile(path)),
    ...(fileProblem === undefined ? {} : { fileProblem: remembered(fileProblem) }),
    ...(listDirectory === undefined ? {} : { listDirectory: remembered(listDirectory) }),
    ...(realPath === undefined ? {} : { realPath: remembered(realPath) }),
  };
}
