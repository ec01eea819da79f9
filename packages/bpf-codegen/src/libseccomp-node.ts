/**
 * Node-only helper for the tests and the bench (the package itself touches no processes):
 * compiles a {@link LibseccompRequest} with libseccomp through `tools/libseccomp-bridge.py` and
 * Debian's `python3-seccomp`, as a test oracle and benchmark peer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeProgram } from './decode.js';
import { type LibseccompRequest, libseccompRequestJson } from './libseccomp-rules.js';
import type { BpfProgram } from './types.js';


/** Options of {@link compileWithLibseccomp}. */
export interface LibseccompOptions {
  /**
   * The Python interpreter that has the `seccomp` module.
   * @defaultValue `'/usr/bin/python3'`
   */
  readonly python?: string;
  /**
   * Path of the bridge script.
   * @defaultValue the package's `tools/libseccomp-bridge.py`
   */
  readonly bridge?: string;
}

/** What {@link compileWithLibseccomp} produced. */
export type LibseccompResult =
  | { readonly ok: true; readonly program: BpfProgram }
  | {
      readonly ok: false;
      /** True when Python or `python3-seccomp` is not installed (callers skip, not fail). */
      readonly unavailable: boolean;
      readonly message: string;
    };

/** Path of the bundled bridge script (next to `src/` and `dist/`). */
export const libseccompBridgePath = fileURLToPath(new URL('../tools/libseccomp-bridge.py', import.meta.url));

/**
 * Compiles rules with libseccomp (`export_bpf`, native byte order: the bridge runs on this
 * machine, so the program is decoded little-endian on little-endian hosts). Never throws.
 */
export function compileWithLibseccomp(request: LibseccompRequest, options: LibseccompOptions = {}): LibseccompResult {
  const python = options.python ?? '/usr/bin/python3';
  const bridge = options.bridge ?? libseccompBridgePath;
  if (!existsSync(python)) return { ok: false, unavailable: true, message: `${python} is not installed` };
  const run = spawnSync(python, [bridge], { input: libseccompRequestJson(request), maxBuffer: 1 << 24, timeout: 60_000 });
  if (run.error) return { ok: false, unavailable: true, message: run.error.message };
  if (run.status !== 0) {
    return { ok: false, unavailable: run.status === 2, message: run.stderr.toString('utf8').trim() || `exit status ${String(run.status)}` };
  }
  const decoded = decodeProgram(new Uint8Array(run.stdout.buffer, run.stdout.byteOffset, run.stdout.byteLength));
  const problem = decoded.diagnostics[0];
  if (problem) return { ok: false, unavailable: false, message: problem.message };
  return { ok: true, program: decoded.program };
}

/**
 * Compiles many requests in one Python process (starting Python and libseccomp costs far more
 * than a compile). One result per request, in order; never throws.
 */
export function compileManyWithLibseccomp(requests: readonly LibseccompRequest[], options: LibseccompOptions = {}): LibseccompResult[] {
  const python = options.python ?? '/usr/bin/python3';
  const bridge = options.bridge ?? libseccompBridgePath;
  const failAll = (unavailable: boolean, message: string): LibseccompResult[] => requests.map(() => ({ ok: false, unavailable, message }));
  if (!existsSync(python)) return failAll(true, `${python} is not installed`);
  const input = `[${requests.map((request) => libseccompRequestJson(request)).join(',')}]`;
  const run = spawnSync(python, [bridge], { input, maxBuffer: 1 << 28, timeout: 600_000 });
  if (run.error) return failAll(true, run.error.message);
  if (run.status !== 0) return failAll(run.status === 2, run.stderr.toString('utf8').trim() || `exit status ${String(run.status)}`);
  const outputs = JSON.parse(run.stdout.toString('utf8')) as ({ bpf: string } | { error: string })[];
  return outputs.map((output): LibseccompResult => {
    if ('error' in output) return { ok: false, unavailable: false, message: output.error };
    const decoded = decodeProgram(Uint8Array.from(Buffer.from(output.bpf, 'hex')));
    const problem = decoded.diagnostics[0];
    return problem ? { ok: false, unavailable: false, message: problem.message } : { ok: true, program: decoded.program };
  });
}

/** True when `/usr/bin/python3` (or `python`) can import `seccomp`. */
export function libseccompAvailable(python = '/usr/bin/python3'): boolean {
  if (!existsSync(python)) return false;
  return spawnSync(python, ['-c', 'import seccomp'], { timeout: 30_000 }).status === 0;
}
