/**
 * Tests over the shared data (see `./index.ts`): they run when every path they read is present,
 * and otherwise show as one skipped test whose name gives the reason.
 */
import { describe, it } from 'vitest';
import type { SharedData } from './index.js';

/**
 * `describe(name, body)` when all of `needs` are present; otherwise one skipped test,
 * `name: skipped, needs … which is absent here`, and `body` never runs.
 */
export function describeWithShared(name: string, needs: readonly SharedData[], body: () => void): void {
  const missing = needs.find((data) => !data.present);
  if (missing === undefined) describe(name, body);
  else it.skip(`${name}: skipped, ${missing.skipReason}`, () => undefined);
}

/** `it(name, body)` when all of `needs` are present; otherwise skipped, with the reason in its name. */
export function itWithShared(name: string, needs: readonly SharedData[], body: () => void | Promise<void>): void {
  const missing = needs.find((data) => !data.present);
  if (missing === undefined) it(name, body);
  else it.skip(`${name}: skipped, ${missing.skipReason}`, () => undefined);
}
