/**
 * The consumer test as a vitest test, for CI jobs that prefer one test runner. Slow (it packs
 * every package and runs npm install three times), so it runs only with
 * SYSCAGE_CONSUMER_TEST=1, after `pnpm build`.
 */
import { describe, expect, it } from 'vitest';
import { runConsumerTest } from '../consumer-test.js';

describe.skipIf(process.env['SYSCAGE_CONSUMER_TEST'] !== '1')('packed packages installed with npm', () => {
  it('pass the parse-only, compile-x86_64 and cli consumers', async () => {
    expect(await runConsumerTest()).toBe(true);
  });
});
