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

/** The top-level policy the tests type (with the action of `kill` as given). */
const policy = (action: string): string =>
  `@include ./common.policy\nopenat: arg2 in O_RDONLY|O_WRONLY|O_RDWR|O_CLOEXEC\nkill: ${action} EPERM\nsocket: arg0 == AF_UNIX\n`;

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
  const pageErrors: string[] = [];
  const failedRequests: string[] = [];

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    server = await serveStatic(inject('playgroundBuild').outDir);
    chromium = await startChromium();
    const context = chromium.browser.contexts()[0] ?? (await chromium.browser.newContext());
    // playwright's default of 30 s per action and navigation is short on a loaded machine; as
    // with vitest's poll timeout, only a page that never gets there fails.
    context.setDefaultTimeout(60_000);
    page = await context.newPage();
    await page.setViewportSize({ width: 1400, height: 900 });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400) failedRequests.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(server.url);
    await page.locator('.cm-content').waitFor();
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

  it('compiles the starter policy: figures, dispatch tree and disassembly', async () => {
    await expect.poll(() => page.locator('body').getAttribute('data-compiled')).toMatch(/^x86_64:\d+$/);
    expect(await page.locator('[data-figure="instructions"] dd').textContent()).toMatch(/^\d+ \/ 4096$/);
    expect(await page.locator('[data-figure="cache"] dd').textContent()).toMatch(/\(100%\)$/);
    expect(await page.locator('#tree svg .node').count()).toBeGreaterThan(5);
    expect(await page.locator('#disassembly tr').first().textContent()).toContain('ld [arch]');
    const openatTest = page.locator('#disassembly tr', { hasText: '; openat' });
    expect(await openatTest.locator('td.origin').textContent()).toContain('openat: arg2 in O_RDONLY');
  });

  it('shows the CLI diagnostic for a typo as an underline and in the list, and clears it when fixed', async () => {
    await typeInEditor(page, policy('retrun'));
    const item = page.locator('ul.diagnostics li.error');
    await expect.poll(() => item.first().textContent()).toMatch(/^\/main\.policy:3:7: error\[SC\d{4}\]: /);
    expect(await item.first().textContent()).toContain('3 | kill: retrun EPERM');
    await expect.poll(() => page.locator('.cm-lintRange-error').count()).toBeGreaterThan(0);
    expect(await page.locator('.cm-lintRange-error').first().textContent()).toContain('retrun');
    expect(await page.locator('#figures').textContent()).toContain('Fix the errors');
    await screenshot(page, '02-diagnostic');

    await typeInEditor(page, policy('return'));
    await expect.poll(() => page.locator('ul.diagnostics').textContent()).toContain('No problems found.');
    expect(await page.locator('.cm-lintRange-error').count()).toBe(0);
    await expect.poll(() => page.locator('body').getAttribute('data-compiled')).toMatch(/^x86_64:\d+$/);
  });

  it.each([
    ['an allowed openat', 'openat', ['AT_FDCWD', '0', 'O_RDONLY|O_CLOEXEC'], 'ALLOW', 'allow', 'filter 1 of openat', 'openat: arg2 in O_RDONLY', 'args', 'openat: arg2 in O_RDONLY|O_WRONLY|O_RDWR|O_CLOEXEC'],
    ['an openat with O_CREAT', 'openat', ['AT_FDCWD', '0', 'O_CREAT'], 'KILL_THREAD', 'deny', 'the default action applies', undefined, 'args', undefined],
    ['a kill the policy answers with EPERM', 'kill', ['1', 'SIGTERM'], 'ERRNO(1) EPERM', 'deny', 'the unconditional rule of kill', 'kill: return EPERM', 'deny', 'kill: return EPERM'],
    ['an unlisted getpid', 'getpid', [], 'KILL_THREAD', 'deny', 'the syscall is not listed', undefined, 'deny', undefined],
    ['a write allowed by the included file', 'write', ['1'], 'ALLOW', 'allow', 'the unconditional rule of write', 'write: 1 (common.policy:3)', 'allow', undefined],
  ])('simulates %s', async (_name, syscall, args, action, verdictClass, reason, rule, leafStyle, marked) => {
    await page.fill('#try-syscall', syscall);
    for (let index = 0; index < 6; index++) await page.fill(`#try-arg${index}`, args[index] ?? '');
    await page.click('form.try button');
    await expect.poll(() => page.locator('#verdict-action').textContent()).toBe(action);
    expect(await page.locator('#verdict').getAttribute('class')).toBe(`verdict ${verdictClass}`);
    const verdict = (await page.locator('#verdict').textContent()) ?? '';
    expect(verdict).toContain(reason);
    expect(verdict).toContain('The reference interpreter agrees');
    if (rule !== undefined) expect(await page.locator('#verdict a.rule-link').textContent()).toContain(rule);
    // The deciding rule is marked in the editor when it is in the file shown (main.policy).
    expect(await page.locator('.cm-deciding-rule').allTextContents()).toEqual(marked === undefined ? [] : [marked]);
    const decider = page.locator('#disassembly tr.decider');
    expect(await decider.count()).toBe(1);
    expect(await decider.textContent()).toContain(`ret ${action.split(' ')[0] ?? ''}`);
    expect(await page.locator('#disassembly tr.on-path').count()).toBeGreaterThan(3);
    expect(await page.locator(`#tree .node.leaf-${leafStyle}.on-path`).count()).toBe(1);
    expect(await page.locator('#tree .node.on-path').count()).toBeGreaterThan(1);
    await screenshot(page, `04-simulate-${syscall}-${verdictClass}`);
  });

  it('tries the syscall of a dispatch-tree leaf that is clicked', async () => {
    await page.locator('#tree .node.leaf-args', { hasText: 'socket' }).click();
    await expect.poll(() => page.locator('#try-syscall').inputValue()).toBe('socket');
    await expect.poll(() => page.locator('#verdict').textContent()).toContain('socket (nr 41)');
    expect(await page.locator('#tree .node.leaf-args.on-path').textContent()).toContain('socket');
  });

  it('jumps to the deciding rule in the editor', async () => {
    await page.fill('#try-syscall', 'write');
    await page.click('form.try button');
    await page.locator('#verdict a.rule-link').click();
    await expect.poll(() => page.locator('.tab.active').textContent()).toContain('common.policy');
    expect(await page.evaluate(() => window.getSelection()?.toString())).toBe('write: 1');
    expect(await page.locator('.cm-deciding-rule').allTextContents()).toEqual(['write: 1']);
  });

  it('adds and renames a tab, and includes it from the top-level file', async () => {
    await page.click('#new-file');
    await expect.poll(() => page.locator('.tab.active').textContent()).toContain('new.policy');
    await typeInEditor(page, 'getppid: 1\n');
    page.once('dialog', (dialog) => void dialog.accept('proc.policy'));
    await page.locator('.tab.active').dblclick();
    await expect.poll(() => page.locator('.tab.active').textContent()).toContain('proc.policy');
    await page.locator('.tab', { hasText: 'main.policy' }).click();
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText('@include ./proc.policy\n');
    await page.fill('#try-syscall', 'getppid');
    for (let index = 0; index < 6; index++) await page.fill(`#try-arg${index}`, '');
    await page.click('form.try button');
    await expect.poll(() => page.locator('#verdict-action').textContent()).toBe('ALLOW');
    expect(await page.locator('#verdict a.rule-link').textContent()).toBe('getppid: 1 (proc.policy:1)');
    // Closing the included tab makes the include fail, as a missing file does for the CLI.
    await page.locator('.tab', { hasText: 'proc.policy' }).locator('button').click();
    await expect.poll(() => page.locator('ul.diagnostics li.error').first().textContent()).toMatch(/^\/main\.policy:5:10: error\[SC2\d{3}\]/);
    await typeInEditor(page, policy('return'));
    await expect.poll(() => page.locator('ul.diagnostics').textContent()).toContain('No problems found.');
  });

  it('compiles with the flags chosen in the menu, like syscage compile', async () => {
    await page.click('details.flags summary');
    await page.check('#flag-useKillProcess');
    await page.fill('#try-syscall', 'getpid');
    for (let index = 0; index < 6; index++) await page.fill(`#try-arg${index}`, '');
    await page.click('form.try button');
    await expect.poll(() => page.locator('#verdict-action').textContent()).toBe('KILL_PROCESS');
    expect(await page.locator('#disassembly tr.decider').textContent()).toContain('ret KILL_PROCESS');
    await page.uncheck('#flag-useKillProcess');
    await expect.poll(() => page.locator('#verdict-action').textContent()).toBe('KILL_THREAD');
    await page.click('details.flags summary');
  });

  it('puts the files in a share link that opens the same workspace in a new tab', async () => {
    await page.locator('.tab', { hasText: 'main.policy' }).click();
    await page.click('#share');
    await expect.poll(() => new URL(page.url()).hash).toMatch(/^#w1=[A-Za-z0-9_-]+$/);
    const shared = await page.context().newPage();
    await shared.goto(page.url());
    await shared.locator('.cm-content').waitFor();
    expect(await shared.locator('.tab').allTextContents()).toEqual(await page.locator('.tab').allTextContents());
    expect(await shared.locator('.cm-content').textContent()).toBe(await page.locator('.cm-content').textContent());
    expect(await shared.locator('#arch').inputValue()).toBe('x86_64');
    await shared.close();
    await page.bringToFront();
  });

  it('opens files chosen in the file dialog and files dropped on the page', async () => {
    await page.setInputFiles('input[type=file]', [{ name: 'extra.policy', mimeType: 'text/plain', buffer: Buffer.from('getpid: 1\n') }]);
    await expect.poll(() => page.locator('.tab.active').textContent()).toContain('extra.policy');
    expect(await page.locator('.cm-content').textContent()).toBe('getpid: 1');
    await page.evaluate(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['getppid: allwo\n'], 'dropped.policy'));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    await expect.poll(() => page.locator('.tab.active').textContent()).toContain('dropped.policy');
    // Not included by main.policy, but its own syntax error is still reported.
    await expect.poll(() => page.locator('ul.diagnostics').textContent()).toContain('/dropped.policy:1:10: error[SC1005]');
    await page.locator('.tab.active button').click();
    await page.locator('.tab', { hasText: 'extra.policy' }).locator('button').click();
    await expect.poll(() => page.locator('.tab').count()).toBe(2);
    await page.locator('.tab', { hasText: 'main.policy' }).click();
  });

  it('switches the architecture: recompiles with the new table and the example picker follows', async () => {
    await page.selectOption('#arch', 'aarch64');
    await expect.poll(() => page.locator('body').getAttribute('data-compiled')).toMatch(/^aarch64:\d+$/);
    await page.fill('#try-syscall', 'openat');
    await page.fill('#try-arg2', 'O_RDONLY');
    await page.click('form.try button');
    await expect.poll(() => page.locator('#verdict').textContent()).toContain('openat (nr 56)');
    expect(await page.locator('#verdict-action').textContent()).toBe('ALLOW');
    await expect.poll(() => page.locator('#example option').first().textContent()).toBe('Open an example (aarch64)…');
    expect(await page.locator('#example option').allTextContents()).toContain('net_device');
    await screenshot(page, '05-aarch64');
  });

  it('opens an example from the policy tree with the files it includes', async () => {
    await page.selectOption('#example', '/policies/aarch64/net_device.policy');
    await expect.poll(() => page.locator('.tab').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('net_device.policy'), expect.stringContaining('common_device.policy')]),
    );
    await expect.poll(() => page.locator('.diagnostics-panel .note').textContent()).toMatch(/^0 errors/);
    await expect.poll(() => page.locator('body').getAttribute('data-compiled')).toMatch(/^aarch64:\d+$/);
    await screenshot(page, '06-example-aarch64');
  });

  it('raised no page errors and requested nothing missing', () => {
    expect(pageErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
  });

  it('works offline once loaded: the service worker serves the page and tables never fetched before', async () => {
    expect(await page.evaluate(() => navigator.serviceWorker.ready.then((registration) => registration.active?.state))).toBe('activated');
    await server.close();
    const offline = await page.context().newPage();
    await offline.setViewportSize({ width: 820, height: 1000 });
    await offline.goto(server.url);
    await offline.locator('.cm-content').waitFor();
    await offline.selectOption('#arch', 'riscv64');
    await expect.poll(() => offline.locator('body').getAttribute('data-compiled')).toMatch(/^riscv64:\d+$/);
    await screenshot(offline, '07-offline-riscv64');
    await offline.close();
    await page.bringToFront();
  });
});
