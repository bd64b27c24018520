import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, CHROMIUM_PATH, type HeadlessBrowser, hasChromium, launchChromium } from '../helpers/browser.js';
import { type Stack, startStack, uniqueEmail } from '../helpers/stack.js';

interface Operation {
  method: string;
  path: string;
  summary: string;
  operationId: string;
}

type PathsDocument = { paths: Record<string, Record<string, { summary?: string; operationId?: string }>> };

/** The HTTP methods of an OpenAPI path item; its other keys (`servers`, `parameters`, …) are not operations. */
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

function operationsOf(doc: PathsDocument) {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      operations.push({ method, path, summary: operation.summary ?? '', operationId: operation.operationId ?? '' });
    }
  }
  return operations;
}

/** Records every request a page makes that leaves the gateway's origin, and every console error. */
function watch(page: Page, origin: string) {
  const foreign: string[] = [];
  const consoleErrors: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  return { foreign, consoleErrors };
}

if (!hasChromium) console.warn(`browser tests skipped: no Chromium at ${CHROMIUM_PATH} (.ci/run installs it)`);

describe.skipIf(!hasChromium)('the documentation pages in a real browser', () => {
  let stack: Stack;
  let chromium: HeadlessBrowser;
  let operations: Operation[];

  beforeAll(async () => {
    stack = await startStack();
    chromium = await launchChromium();
    operations = operationsOf((await (await fetch(`${stack.gateway.url}/openapi.json`)).json()) as PathsDocument);
  });
  afterAll(async () => {
    await chromium?.[Symbol.asyncDispose]();
    await stack?.close();
  });

  it('lists every operation in Swagger UI and registers a user with "Try it out" (201)', async () => {
    const page = await chromium.browser.newPage();
    const seen = watch(page, stack.gateway.url);
    await page.goto(`${stack.gateway.url}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });

    const listed = await page.locator('.opblock').evaluateAll((blocks) =>
      blocks.map((block) => {
        const method = block.querySelector('.opblock-summary-method')?.textContent ?? '';
        const path = block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '';
        return `${method.toLowerCase()} ${path}`;
      }),
    );
    expect(listed.sort()).toEqual(operations.map((op) => `${op.method} ${op.path}`).sort());

    const create = page.locator('#operations-users-users-create');
    await create.locator('.opblock-summary').click();
    // `tryItOutEnabled` opens every operation in "Try it out" mode: its Cancel button shows that.
    await create.getByRole('button', { name: 'Cancel' }).waitFor();
    const email = uniqueEmail('swagger');
    await create
      .locator('textarea.body-param__text')
      .fill(JSON.stringify({ email, password: 'correct horse battery staple', firstName: 'Grace' }));
    await create.getByRole('button', { name: 'Execute' }).click();
    const status = create.locator('.live-responses-table .response .response-col_status').first();
    await expect.poll(async () => (await status.textContent())?.trim(), { timeout: 10_000 }).toBe('201');
    await expect.poll(async () => create.locator('.live-responses-table').textContent()).toContain(email);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'swagger-ui.png'), fullPage: true });

    expect(seen.foreign).toEqual([]);
    expect(seen.consoleErrors).toEqual([]);
    await page.close();
  });

  it('authorizes Swagger UI with a bearer token and reads /users/me', async () => {
    const user = await stack.newUser({ firstName: 'Ada' });
    const page = await chromium.browser.newPage();
    await page.goto(`${stack.gateway.url}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
    await page
      .getByRole('button', { name: /Authorize/ })
      .first()
      .click();
    await page.locator('#auth-bearer-value').fill(user.access);
    await page.locator('.modal-ux').getByRole('button', { name: 'Apply credentials' }).click();
    await page.locator('.modal-ux button.btn-done').click();

    const me = page.locator('#operations-users-users-me');
    await me.locator('.opblock-summary').click();
    await me.getByRole('button', { name: 'Execute' }).click();
    const status = me.locator('.live-responses-table .response .response-col_status').first();
    await expect.poll(async () => (await status.textContent())?.trim(), { timeout: 10_000 }).toBe('200');
    await expect.poll(async () => me.locator('.live-responses-table').textContent()).toContain(user.email);
    await page.close();
  });

  it('renders every operation in Redoc from the local bundle', async () => {
    const page = await chromium.browser.newPage();
    const seen = watch(page, stack.gateway.url);
    await page.goto(`${stack.gateway.url}/redoc`);
    await page.locator('.api-content').waitFor({ timeout: 20_000 });
    const text = (await page.locator('.api-content').textContent()) ?? '';
    for (const operation of operations) expect(text).toContain(operation.summary);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'redoc.png'), fullPage: false });

    expect(seen.foreign).toEqual([]);
    expect(seen.consoleErrors).toEqual([]);
    await page.close();
  });
});
