/**
 * Bottom-up construction without recursion. The compiler builds trees and node graphs whose
 * depth grows with the policy (one level per alternative of a syscall's filters, one per
 * dispatch split), so a recursive builder would make the largest policy depend on the engine's
 * stack. {@link unfold} runs the same depth-first construction with an explicit stack.
 */

/** What one state of a construction turns into. */
export type UnfoldStep<S, R> =
  /** A finished result. */
  | { readonly kind: 'done'; readonly result: R }
  /** The same result as another state (a tail step; takes no stack). */
  | { readonly kind: 'goto'; readonly state: S }
  /** A result built from the results of other states, which are built first, in order. */
  | { readonly kind: 'build'; readonly needs: readonly S[]; readonly build: (results: readonly R[]) => R };

interface Frame<S, R> {
  readonly needs: readonly S[];
  readonly build: (results: readonly R[]) => R;
  readonly results: R[];
}

/**
 * The result of `root`, where `step` says what each state turns into. States are expanded
 * depth first and each `needs` list left to right, exactly as the recursive
 * `build(needs.map(construct))` would, so side effects of `step` and `build` (node numbering,
 * memo tables) happen in the same order; only the call stack is replaced by a heap array.
 */
export function unfold<S, R>(root: S, step: (state: S) => UnfoldStep<S, R>): R {
  const frames: Frame<S, R>[] = [];
  let pending: S | undefined = root;
  let hasPending = true;
  let result: R | undefined;
  for (;;) {
    if (hasPending) {
      let next = step(pending as S);
      while (next.kind === 'goto') next = step(next.state);
      hasPending = false;
      if (next.kind === 'done') result = next.result;
      else if (next.needs.length === 0) result = next.build([]);
      else {
        frames.push({ needs: next.needs, build: next.build, results: [] });
        pending = next.needs[0];
        hasPending = true;
        continue;
      }
    }
    const top = frames[frames.length - 1];
    if (top === undefined) return result as R;
    top.results.push(result as R);
    if (top.results.length < top.needs.length) {
      pending = top.needs[top.results.length];
      hasPending = true;
      continue;
    }
    frames.pop();
    result = top.build(top.results);
  }
}
