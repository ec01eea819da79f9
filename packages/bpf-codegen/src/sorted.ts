/**
 * Binary search in ascending lists of numbers, shared by the path walks (`analyze-paths.ts`), the
 * proof split by syscall (`verify-syscall.ts`) and the audit (`audit.ts`).
 */

/** The first position in `values` (ascending) whose value is at least `bound`, or its length. */
export function firstAtLeast(values: readonly number[], bound: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] ?? 0) < bound) low = middle + 1;
    else high = middle;
  }
  return low;
}
