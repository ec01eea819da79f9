/**
 * Starts Debian's Chromium headless with a fresh profile and connects playwright-core to it
 * over the DevTools protocol. No browser is downloaded: the test skips when Chromium is absent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser; `CHROMIUM_PATH` overrides it. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** True when the browser can be started here. */
export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** The flags the browser is started with (besides the profile folder and the DevTools port). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** A started browser and how to stop it (kills the process and deletes the profile). */
export interface RunningChromium {
  readonly browser: Browser;
  close(): Promise<void>;
}

function devtoolsUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    // Only a browser that never starts fails here: a loaded 2-core machine can take many seconds.
    const timer = setTimeout(() => { reject(new Error(`Chromium did not start in time:\n${stderr}`)); }, 120_000);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited with ${String(code)} before it listened:\n${stderr}`));
    });
  });
}

/** Starts Chromium and connects to it. */
export async function startChromium(): Promise<RunningChromium> {
  const profile = await mkdtemp(join(tmpdir(), 'syscage-playground-chromium-'));
  const child = spawn(
    CHROMIUM_PATH,
    [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0', 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  try {
    const browser = await chromium.connectOverCDP(await devtoolsUrl(child));
    return {
      browser,
      close: async () => {
        await browser.close().catch(() => undefined);
        if (child.exitCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await exited;
        }
        // Chromium's helper processes can still be writing into the profile for a moment after
        // the browser process exits; rm retries on ENOTEMPTY/EBUSY instead of failing the suite.
        await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    throw error;
  }
}
