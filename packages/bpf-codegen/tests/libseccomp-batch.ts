// Shared by the libseccomp differential tests: libseccomp's compiles of many requests from one
// Python process. Starting Python and loading libseccomp cost more than a compile, and the
// tests asked for one process per policy (a property test's run, a corpus file).
import { compileManyWithLibseccomp, compileWithLibseccomp, type LibseccompResult } from '../src/libseccomp-node.js';
import { libseccompRequestJson, type LibseccompRequest } from '../src/libseccomp-rules.js';

/** libseccomp's compiles, made in batches ahead of the comparisons that read them. */
export interface LibseccompBatch {
  /** Compiles `requests` in one Python process and keeps the results. */
  readonly add: (requests: readonly LibseccompRequest[]) => void;
  /** libseccomp's compile of `request`: the kept result, or else a compile of its own (a process of its own). */
  readonly compile: (request: LibseccompRequest) => LibseccompResult;
}

/** An empty batch. */
export function libseccompBatch(): LibseccompBatch {
  const kept = new Map<string, LibseccompResult>();
  return {
    add: (requests) => {
      const wanted = requests.filter((request) => !kept.has(libseccompRequestJson(request)));
      if (wanted.length === 0) return;
      const results = compileManyWithLibseccomp(wanted);
      wanted.forEach((request, index) => {
        const result = results[index];
        if (result !== undefined) kept.set(libseccompRequestJson(request), result);
      });
    },
    compile: (request) => kept.get(libseccompRequestJson(request)) ?? compileWithLibseccomp(request),
  };
}
