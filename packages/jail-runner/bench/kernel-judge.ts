// The kernel judge's long run (the test suite runs four policies): many random policies, each
// compiled, rewritten so every `ret` is a distinct errno and judged by the real kernel against
// `emulate` and the reference semantics (see tests/kernel-judge.ts). Prints the figures; exits 1
// on the first disagreement. Linux x86_64 only.
import fc from 'fast-check';
import { judgedPolicyArb, judgeCase, judgeInKernel } from '../tests/kernel-judge.js';
import { table } from '../tests/table.js';

const POLICIES = Number(process.env.SYSCAGE_JUDGE_POLICIES ?? 60);
const PER_PROBE = 40;

if (process.arch !== 'x64' || process.platform !== 'linux') {
  console.log('kernel judge: skipped (needs Linux on x86_64)');
} else {
  const start = performance.now();
  let calls = 0;
  let seed = 0;
  await fc.assert(
    fc.asyncProperty(judgedPolicyArb, async (policy) => {
      const judged = judgeCase(policy, table, PER_PROBE, seed++);
      const disagreements = await judgeInKernel(judged, table);
      calls += judged.calls.length;
      if (disagreements.length > 0) {
        console.error(JSON.stringify(disagreements.slice(0, 5), (_key, value: unknown) => (typeof value === 'bigint' ? `0x${value.toString(16)}` : value), 2));
        return false;
      }
      return true;
    }),
    { numRuns: POLICIES, endOnFailure: true },
  );
  const seconds = (performance.now() - start) / 1000;
  console.log(`kernel judge: ${POLICIES.toString()} random policies, ${calls.toString()} calls judged by the kernel, all agree (${seconds.toFixed(1)} s)`);
}
