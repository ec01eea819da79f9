/**
 * Minijail's conformance decisions in the shared data (`conformance/<corpus>.jsonl`: one JSON
 * object a line, each a call and what Minijail's compiled filter decides for it), read the same
 * way by every test that compares with them.
 */
import { readFileSync } from 'node:fs';

/** One decision of Minijail's filter for one call. */
export interface ConformanceVector {
  /** The loaded policy, relative to the corpus folder (`aarch64/9p_device.policy`). */
  readonly policy: string;
  /** The architecture it is compiled for. */
  readonly arch: string;
  /** The syscall's name on that architecture. */
  readonly syscall: string;
  /** The six arguments, as hex strings of 64-bit unsigned numbers. */
  readonly args: readonly string[];
  /** The `arch` field of the call when it is not the policy's own architecture (a wrong one). */
  readonly audit_arch?: string;
  /** Minijail's decision: `allow`, `trap`, `kill-thread` or `errno N`. */
  readonly expect: string;
}

/** Every vector of a conformance file, in file order. */
export function readConformanceVectors(path: string): ConformanceVector[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ConformanceVector);
}

/** The vectors of a conformance file by policy, each list in file order. */
export function conformanceVectorsByPolicy(path: string): Map<string, ConformanceVector[]> {
  const byPolicy = new Map<string, ConformanceVector[]>();
  for (const vector of readConformanceVectors(path)) byPolicy.set(vector.policy, [...(byPolicy.get(vector.policy) ?? []), vector]);
  return byPolicy;
}
