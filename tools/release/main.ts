/**
 * Entry point of the release tools (root package.json `release:*` scripts):
 *
 *   manifests [--write]  packaging fields of every package.json; --write syncs publishConfig
 *   check                manifests + pnpm pack + publint + attw (esm-only) on the tarballs
 *   api [--check]        API Extractor reports etc/*.api.md: update them, or fail on a difference
 *   consumer             pack, install the tarballs with npm into scratch projects, run consumers
 *   dry                  every release step except the upload, with timings and install sizes
 *   update               after API or exports changes: manifests --write, then api (one command)
 */
import { apiReports } from './api.js';
import { releaseCheck } from './check.js';
import { runConsumerTest } from './consumer-test.js';
import { dryRun } from './dry-run.js';
import { checkManifests } from './manifests.js';

async function main(): Promise<boolean> {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'manifests': {
      const problems = checkManifests(args.includes('--write'));
      for (const problem of problems) console.error(problem);
      if (problems.length === 0) console.log('package.json packaging fields: ok');
      return problems.length === 0;
    }
    case 'check':
      return releaseCheck();
    case 'api':
      return apiReports({ check: args.includes('--check') });
    case 'consumer':
      return runConsumerTest({ keep: args.includes('--keep') });
    case 'dry':
      return dryRun();
    case 'update': {
      const problems = checkManifests(true);
      for (const problem of problems) console.error(problem);
      return (await apiReports({ check: false })) && problems.length === 0;
    }
    default:
      console.error('usage: tsx tools/release/main.ts manifests [--write] | check | api [--check] | consumer [--keep] | dry | update');
      return false;
  }
}

main().then(
  (ok) => {
    if (!ok) process.exitCode = 1;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 70;
  },
);
