/**
 * Benchmark: resolve every policy of the crosvm 2022-06 tree (all architectures) and lint the
 * tree, in one process with a shared parse cache, as `syscage check <tree>` does. Prints the
 * median of several runs. Run with `pnpm bench` in this package.
 */
import { readdirSync } from 'node:fs';
import { sharedData } from '../../../tools/shared-data/index.js';
import { createParseCache, lintPolicyTree, resolvePolicy } from '../src/index.js';
import { createNodeHost } from '../src/node.js';

const corpus = sharedData('corpus/crosvm-2022-06');
if (!corpus.present) {
  console.log(`SKIP: resolve-tree ${corpus.skipReason}`);
  process.exit(0);
}
const root = corpus.path;

function once(): { ms: number; policies: number; rules: number } {
  const start = performance.now();
  const host = createNodeHost();
  const cache = createParseCache();
  let policies = 0;
  let rules = 0;
  lintPolicyTree(root, { host, cache, lint: 'warn' });
  for (const arch of readdirSync(root, { withFileTypes: true })) {
    if (!arch.isDirectory()) continue;
    for (const name of readdirSync(`${root}/${arch.name}`)) {
      if (!name.endsWith('.policy')) continue;
      const policy = resolvePolicy(`${root}/${arch.name}/${name}`, { host, cache, arch: arch.name });
      policies++;
      for (const syscall of policy.syscalls) rules += syscall.rules.length;
    }
  }
  return { ms: performance.now() - start, policies, rules };
}

const runs = Array.from({ length: 7 }, once);
const times = runs.map((run) => run.ms).sort((a, b) => a - b);
const first = runs[0];
console.log(
  `resolve + lint crosvm-2022-06: ${first?.policies ?? 0} policies, ${first?.rules ?? 0} merged rules; ` +
    `cold ${runs[0]?.ms.toFixed(1) ?? '?'} ms, median ${times[3]?.toFixed(1) ?? '?'} ms over ${runs.length} runs`,
);
