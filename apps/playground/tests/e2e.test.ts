/**
 * End to end: the production build served on 127.0.0.1, driven in Debian's Chromium. Screenshots
 * go to `apps/playground/test-results/` (gitignored) for people to look at.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { APP_ROOT } from './support/build-app.js';
import { chromiumAvailable, CHROMIUM_PATH, startChromium, type RunningChromium } from './support/chromium.js';
import { serveStatic, type StaticServer } from './support/static-server.js';

const SCREENSHOTS = join(APP_ROOT, 'test-results');
const available = chromiumAvailable();
if (!available) {
  console.warn(`\n[playground e2e] SKIPPED: no Chromium at ${CHROMIUM_PATH}; install it with "apt-get install -y chromium".\n`);
}

/** Replaces the whole text of the editor shown with `text`, as a person typing would. */
async function typeInEditor(page: Page, text: string): Promise<void> {
  const content = page.locator('.cm-content');
  await content.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

describe.skipIf(!available)('playground in Chromium', () => {
  let chromium: RunningChromium;
  let server: StaticServer;
  let page: Page;

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    server = await serveStatic(inject('playgroundBuild').outDir);
    chromium = await startChromium();
    const context = chromium.browser.contexts()[0] ?? (await chromium.browser.newContext());
    page = await context.newPage();
    await page.setViewportSize({ width: 1400, height: 900 });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(server.url);
    await page.locator('.cm-content').waitFor();
    expect(errors).toEqual([]);
  });

  afterAll(async () => {
    await chromium.close();
    await server.close();
  });

  it('loads the starter workspace with its two files and no problems', async () => {
    await expect.poll(() => page.locator('.tab').allTextContents()).toEqual([expect.stringContaining('main.policy'), expect.stringContaining('common.policy')]);
    await expect.poll(() => page.locator('ul.diagnostics').textContent()).toContain('No problems found.');
    await screenshot(page, '01-loaded');
  });

  it('shows the CLI diagnostic for a typo as an underline and in the list, and clears it when fixed', async () => {
    await typeInEditor(page, 'read: 1\nwrite: allwo\n');
    const item = page.locator('ul.diagnostics li.error');
    await expect.poll(() => item.first().textContent()).toContain('/main.policy:2:8: error[SC1005]: invalid action');
    expect(await item.first().textContent()).toContain('2 | write: allwo');
    await expect.poll(() => page.locator('.cm-lintRange-error').count()).toBe(1);
    expect(await page.locator('.cm-lintRange-error').textContent()).toBe('allwo');
    await screenshot(page, '02-diagnostic');

    await typeInEditor(page, 'read: 1\nwrite: allow\n');
    await expect.poll(() => page.locator('ul.diagnostics').textContent()).toContain('No problems found.');
    expect(await page.locator('.cm-lintRange-error').count()).toBe(0);
  });

  it('switches the architecture, and the example picker follows it', async () => {
    await page.selectOption('#arch', 'aarch64');
    expect(await page.locator('#arch').inputValue()).toBe('aarch64');
    await expect.poll(() => page.locator('#example option').first().textContent()).toBe('Open an example (aarch64)…');
    expect(await page.locator('#example option').allTextContents()).toContain('net_device');
  });

  it('opens an example from the policy tree with the files it includes', async () => {
    await page.selectOption('#example', '/policies/aarch64/net_device.policy');
    await expect.poll(() => page.locator('.tab').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('net_device.policy'), expect.stringContaining('common_device.policy')]),
    );
    await expect.poll(() => page.locator('.diagnostics-panel .note').textContent()).toMatch(/^0 errors/);
    await screenshot(page, '03-example-aarch64');
  });
});
