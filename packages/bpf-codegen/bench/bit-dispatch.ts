// Experiment: how much could `jset` bit tests on the syscall number save over threshold trees?
// They are the one other test the kernel's cache emulation follows, so they would keep 100%
// cache coverage. For every policy of ../shared/corpus/crosvm-2022-06 (crosvm's build
// settings), two dynamic programs over the planner's segments are compared:
// - intervals: splits at segment boundaries and chain leaves (as `planDispatch` plans);
// - hybrid: the same, plus "window leaves": a range of segments inside one aligned block of
//   2^k numbers (k <= --max-bits, default 5; 7 takes minutes) decided by a trie of single-bit `jset` tests,
//   numbers outside the range being don't-cares, with `jeq` chains of up to three exceptions
//   as its leaves.
// It prints the mean dispatch depth of the allowed syscalls (uniform weights) and the dispatch
// tests of the smallest plans (size weights) for both. Run:
// pnpm exec tsx --conditions=@syscage/source bench/bit-dispatch.ts [--max-bits 7]
// Measured (2026-12): 32-number windows 5.470 → 5.424 mean depth, 4,291 → 4,209 tests (1.9%);
// 128-number windows 5.470 → 5.395, 4,291 → 4,162 (3.0%).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchTable } from '@syscage/arch-tables';
import { archAarch64 } from '@syscage/arch-aarch64';
import { archArm } from '@syscage/arch-arm';
import { archX86_64 } from '@syscage/arch-x86-64';
import { createParseCache, resolvePolicy } from '@syscage/include-resolver';
import { createNodeHost } from '@syscage/include-resolver/node';
import { lowerPolicy } from '../src/lower.js';
import { type PlanWeights, type Segment, buildSegments } from '../src/plan.js';
import { sharedData } from '../../../tools/shared-data/index.js';

const corpus = sharedData('corpus/crosvm-2022-06');
if (!corpus.present) {
  console.log(`SKIP: bit-dispatch ${corpus.skipReason}`);
  process.exit(0);
}
const corpusRoot = `${corpus.path}/`;
const bitsArgument = process.argv[process.argv.indexOf('--max-bits') + 1];
const maxBits = process.argv.includes('--max-bits') && bitsArgument !== undefined ? Number(bitsArgument) : 5;
const chainLimit = 6;
const windowExceptions = 3;

/** Expected depth (weight × tests) plus `size` per test, and the number of tests. */
interface Plan {
  readonly cost: number;
  readonly tests: number;
}
const better = (a: Plan, b: Plan): Plan => (b.cost < a.cost - 1e-12 ? b : a);

/** Numbers below `limit` with their outcome id and weight (a segment's weight spread over its syscalls). */
function numberTable(segments: readonly Segment[], ids: readonly number[], limit: number): { outcome: Int32Array; weight: Float64Array } {
  const outcome = new Int32Array(limit).fill(-1);
  const weight = new Float64Array(limit);
  segments.forEach((segment, index) => {
    const share = segment.syscallCount > 0 ? segment.weight / segment.syscallCount : 0;
    for (let number = segment.low; number <= Math.min(segment.high, limit - 1); number++) {
      outcome[number] = ids[index] ?? -1;
      weight[number] = share;
    }
  });
  return { outcome, weight };
}

/** Best bit trie over the numbers of [low, high] inside the block of 2^k numbers at `base`. */
function windowPlan(table: { outcome: Int32Array; weight: Float64Array }, base: number, k: number, low: number, high: number, size: number): Plan {
  const memo = new Map<number, Plan>();
  const solve = (mask: number, value: number): Plan => {
    const key = mask * (1 << k) + value;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const counts = new Map<number, number>();
    let total = 0;
    for (let offset = 0; offset < 1 << k; offset++) {
      const number = base + offset;
      if ((offset & mask) !== value || number < low || number > high) continue;
      const outcome = table.outcome[number] ?? -1;
      counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
      total += table.weight[number] ?? 0;
    }
    let plan: Plan = { cost: 0, tests: 0 };
    if (counts.size > 1) {
      plan = { cost: Infinity, tests: 0 };
      for (let bit = 0; bit < k; bit++) {
        if ((mask & (1 << bit)) !== 0) continue;
        const clear = solve(mask | (1 << bit), value);
        const set = solve(mask | (1 << bit), value | (1 << bit));
        plan = better(plan, { cost: total + size + clear.cost + set.cost, tests: 1 + clear.tests + set.tests });
      }
      // A chain of jeq tests for a few exceptions to the commonest outcome.
      const [background] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [-1];
      const exceptions: number[] = [];
      for (let offset = 0; offset < 1 << k; offset++) {
        const number = base + offset;
        if ((offset & mask) === value && number >= low && number <= high && table.outcome[number] !== background) exceptions.push(table.weight[number] ?? 0);
      }
      if (exceptions.length <= windowExceptions) {
        exceptions.sort((a, b) => b - a);
        let depth = 0;
        let cost = 0;
        for (const weight of exceptions) cost += weight * ++depth;
        cost += (total - exceptions.reduce((sum, weight) => sum + weight, 0)) * depth + size * depth;
        plan = better(plan, { cost, tests: depth });
      }
    }
    memo.set(key, plan);
    return plan;
  };
  return solve(0, 0);
}

/** Best plan over all segments, with or without window leaves. */
function bestPlan(segments: readonly Segment[], size: number, windows: boolean): Plan {
  const count = segments.length;
  const ids: number[] = [];
  const idOf = new Map<string, number>();
  for (const segment of segments) {
    if (!idOf.has(segment.outcome.key)) idOf.set(segment.outcome.key, idOf.size);
    ids.push(idOf.get(segment.outcome.key) ?? 0);
  }
  const limit = 1 << 11;
  const table = numberTable(segments, ids, limit);
  const prefix = [0];
  for (const segment of segments) prefix.push((prefix[prefix.length - 1] ?? 0) + segment.weight);
  // Plans of segments i..j at i * count + j.
  const costs = new Float64Array(count * count);
  const tests = new Float64Array(count * count);
  const at = (i: number, j: number): Plan => ({ cost: costs[i * count + j] ?? Infinity, tests: tests[i * count + j] ?? 0 });
  for (let length = 2; length <= count; length++) {
    for (let i = 0; i + length - 1 < count; i++) {
      const j = i + length - 1;
      const weight = (prefix[j + 1] ?? 0) - (prefix[i] ?? 0);
      let plan: Plan = { cost: Infinity, tests: 0 };
      for (let m = i + 1; m <= j; m++) {
        const left = at(i, m - 1);
        const right = at(m, j);
        plan = better(plan, { cost: weight + size + left.cost + right.cost, tests: 1 + left.tests + right.tests });
      }
      // Chain leaves: the other segments tested heaviest first, one bound at the block's ends.
      for (const background of new Set(ids.slice(i, j + 1))) {
        const others: { weight: number; tests: number }[] = [];
        segments.slice(i, j + 1).forEach((segment, offset) => {
          if (ids[i + offset] === background) return;
          const atEnd = offset === 0 || i + offset === j;
          others.push({ weight: segment.weight, tests: segment.low === segment.high || atEnd ? 1 : 2 });
        });
        if (others.length > chainLimit) continue;
        others.sort((a, b) => b.weight / b.tests - a.weight / a.tests);
        let depth = 0;
        let cost = 0;
        for (const other of others) cost += other.weight * (depth += other.tests);
        cost += (weight - others.reduce((sum, other) => sum + other.weight, 0)) * depth + size * depth;
        plan = better(plan, { cost, tests: depth });
      }
      const low = segments[i]?.low ?? 0;
      const high = segments[j]?.high ?? 0;
      if (windows && high < limit) {
        let k = 0;
        while (k <= maxBits && low >> k !== high >> k) k++;
        if (k >= 2 && k <= maxBits) plan = better(plan, windowPlan(table, (low >> k) << k, k, low, high, size));
      }
      costs[i * count + j] = plan.cost;
      tests[i * count + j] = plan.tests;
    }
  }
  return at(0, count - 1);
}

const host = createNodeHost();
const cache = createParseCache();
const uniformWeights: PlanWeights = { uniform: 1, frequency: 0, uncached: 0, denied: 0.001, size: 0 };
const totals = { depthIntervals: 0, depthHybrid: 0, testsIntervals: 0, testsHybrid: 0, policies: 0 };
for (const arch of [archX86_64, archAarch64, archArm] as ArchTable[]) {
  for (const file of readdirSync(join(corpusRoot, arch.name)).filter((name) => name.endsWith('.policy')).sort()) {
    const resolved = resolvePolicy(join(corpusRoot, arch.name, file), { host, cache, arch: arch.name });
    const lowered = lowerPolicy(resolved, arch, { defaultAction: 'trap' }).policy;
    if (lowered === undefined) continue;
    const segments = buildSegments(lowered, true, uniformWeights);
    const allowed = segments.reduce((sum, segment) => sum + (segment.outcome.kind === 'filters' || segment.outcome.action.kind === 'allow' ? segment.weight : 0), 0);
    totals.depthIntervals += bestPlan(segments, 0, false).cost / allowed;
    totals.depthHybrid += bestPlan(segments, 0, true).cost / allowed;
    totals.testsIntervals += bestPlan(segments, 1000, false).tests;
    totals.testsHybrid += bestPlan(segments, 1000, true).tests;
    totals.policies++;
  }
}
const mean = (value: number): string => (value / totals.policies).toFixed(3);
console.log(`${totals.policies} policies, jset windows of up to 2^${maxBits} numbers`);
console.log(`mean dispatch depth of allowed syscalls: intervals ${mean(totals.depthIntervals)}, with jset windows ${mean(totals.depthHybrid)}`);
console.log(
  `dispatch tests of the smallest plans: intervals ${totals.testsIntervals}, with jset windows ${totals.testsHybrid} ` +
    `(${(((totals.testsIntervals - totals.testsHybrid) / totals.testsIntervals) * 100).toFixed(1)}% fewer)`,
);
