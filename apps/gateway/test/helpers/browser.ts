import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium; `.ci/run` installs it when absent. `CHROMIUM_PATH` points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether a Chromium binary is there to drive; browser suites skip (with a message) when not. */
export const hasChromium = existsSync(CHROMIUM_PATH);

/** Where screenshots go: `apps/gateway/test-artifacts/` (ignored by git). */
export const ARTIFACTS_DIR = new URL('../../test-artifacts/', import.meta.url).pathname;

/** A headless Chromium (playwright gives it a fresh temporary profile), closed on dispose. */
export interface HeadlessBrowser extends AsyncDisposable {
  browser: Browser;
}

/**
 * Launches headless Debian Chromium through playwright-core (no browser download). The flags
 * keep it off the network: this machine has none, and Chromium's background fetches would fail.
 */
export async function launchChromium(): Promise<HeadlessBrowser> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async [Symbol.asyncDispose]() {
      await browser.close();
    },
  };
}
