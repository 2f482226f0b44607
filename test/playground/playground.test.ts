import assert from 'node:assert/strict';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { launch } from './chromium.js';
import sharp from 'sharp';
import { createSigner } from '../../src/path/signer.js';
import type { RunningServer } from '../../src/server/server.js';
import { ROOT } from '../helpers/fixtures.js';
import { get } from '../helpers/server.js';
import { startFixturePlayground, startPlaygroundServer } from './server.js';

/** Waits until the preview shows the image of exactly this URL (relative to the server root). */
async function previewLoaded(page: Page, urlPath: string): Promise<void> {
  await page.waitForFunction(
    (expected) => document.querySelector<HTMLImageElement>('#preview')?.dataset['loaded'] === expected,
    urlPath,
    { timeout: 15_000 },
  );
}

describe('playground in the browser (unsafe mode, file loader on the fixtures)', () => {
  let server: RunningServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    server = await startFixturePlayground();
    browser = await launch();
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url + '/');
    await page.waitForSelector('body[data-ready="true"]');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const expectedPath = 'fit-in/120x80/filters:format(webp)/imagor/gopher.png';

  it('builds a URL by picking an image, typing a size, choosing fit-in and adding format(webp)', async () => {
    assert.equal(await page.title(), 'imagor-ts playground');
    await page.selectOption('#source-list', 'imagor/gopher.png');
    assert.equal(await page.inputValue('#source'), 'imagor/gopher.png');
    await page.fill('#width', '120');
    await page.fill('#height', '80');
    await page.selectOption('#fit', 'fit-in');
    await page.click('#add-filter');
    const row = page.locator('#filters li').last();
    await row.locator('select.filter-name').selectOption('format');
    assert.equal(await row.locator('input.filter-args').getAttribute('placeholder'), 'webp');
    await row.locator('input.filter-args').fill('webp');

    await previewLoaded(page, 'unsafe/' + expectedPath);
    assert.equal(await page.textContent('#url'), `${server.url}/unsafe/${expectedPath}`);
  });

  it('shows the result image with the chosen dimensions, its format, bytes and time', async () => {
    const shown = (await page.textContent('#url')) ?? '';
    const res = await get(shown);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/webp');
    const meta = await sharp(res.body).metadata();
    assert.equal(meta.format, 'webp');
    // fit-in 120x80: inside the box, touching it on one side
    assert.ok(meta.width <= 120 && meta.height <= 80, `${meta.width}x${meta.height}`);
    assert.ok(meta.width === 120 || meta.height === 80, `${meta.width}x${meta.height}`);

    const natural = await page.$eval('#preview', (img) => {
      const i = img as HTMLImageElement;
      return { width: i.naturalWidth, height: i.naturalHeight, hidden: i.hidden };
    });
    assert.deepEqual(natural, { width: meta.width, height: meta.height, hidden: false });
    assert.equal(await page.textContent('#stat-size'), `${meta.width} × ${meta.height}`);
    assert.equal(await page.textContent('#stat-format'), 'image/webp');
    assert.match(
      (await page.textContent('#stat-bytes')) ?? '',
      new RegExp(`\\(${res.body.length} B\\)|^${res.body.length} B$`),
    );
    assert.match((await page.textContent('#stat-time')) ?? '', /^\d+ ms$/);
  });

  it('shows exactly what GET /params answers for the URL', async () => {
    const expected = await get(`${server.url}/params/unsafe/${expectedPath}`);
    await page.waitForFunction(
      (text) => document.querySelector('#params')?.textContent === text,
      expected.body.toString('utf8'),
    );
    const shown = JSON.parse((await page.textContent('#params')) ?? '') as Record<string, unknown>;
    assert.deepEqual(shown, JSON.parse(expected.body.toString('utf8')));
    assert.equal(shown['width'], 120);
    assert.equal(shown['fit_in'], true);
    assert.deepEqual(shown['filters'], [{ name: 'format', args: 'webp' }]);
  });

  it('signs the URL in the browser exactly as the server-side signer does', async () => {
    assert.equal(await page.isHidden('#signed-box'), true);
    await page.fill('#secret', 'my secret ✓');
    const sha1 = createSigner({ secret: 'my secret ✓' }).sign(expectedPath);
    await page.waitForFunction(
      (text) => document.querySelector('#signed-url')?.textContent === text,
      `${server.url}/${sha1}/${expectedPath}`,
    );

    await page.selectOption('#signer-type', 'sha256');
    await page.fill('#signer-truncate', '24');
    const sha256 = createSigner({ secret: 'my secret ✓', type: 'sha256', truncate: 24 }).sign(expectedPath);
    assert.equal(sha256.length, 24);
    await page.waitForFunction(
      (text) => document.querySelector('#signed-url')?.textContent === text,
      `${server.url}/${sha256}/${expectedPath}`,
    );
  });

  it('updates the URL for flips, crop, alignment, smart and a removed filter', async () => {
    await page.selectOption('#signer-type', 'sha1');
    await page.fill('#signer-truncate', '');
    await page.fill('#secret', '');
    await page.selectOption('#fit', 'none');
    await page.check('#h-flip');
    await page.fill('#crop-left', '10');
    await page.fill('#crop-top', '10');
    await page.fill('#crop-right', '200');
    await page.fill('#crop-bottom', '150');
    await page.selectOption('#h-align', 'left');
    await page.selectOption('#v-align', 'top');
    await page.check('#smart');
    await page.click('#add-filter');
    const row = page.locator('#filters li').last();
    await row.locator('select.filter-name').selectOption('grayscale');
    const built = '10x10:200x150/-120x80/left/top/smart/filters:format(webp):grayscale()/imagor/gopher.png';
    await previewLoaded(page, 'unsafe/' + built);
    assert.equal(await page.textContent('#url'), `${server.url}/unsafe/${built}`);
    const natural = await page.$eval('#preview', (img) => [
      (img as HTMLImageElement).naturalWidth,
      (img as HTMLImageElement).naturalHeight,
    ]);
    assert.deepEqual(natural, [120, 80]);

    await page.locator('#filters li').first().locator('button.remove-filter').click();
    const without = '10x10:200x150/-120x80/left/top/smart/filters:grayscale()/imagor/gopher.png';
    await previewLoaded(page, 'unsafe/' + without);
    assert.equal(await page.textContent('#stat-format'), 'image/png');
  });

  it('shows the server error for an image that does not exist', async () => {
    await page.fill('#source', 'no/such/image.png');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('404'));
    assert.equal(await page.textContent('#status'), '404: {"message":"not found","status":404}');
    assert.equal(await page.isHidden('#preview'), true);
  });

  it('saves a screenshot for the README', async () => {
    await page.fill('#source', '');
    await page.selectOption('#source-list', 'imagor/gopher.png');
    await page.fill('#width', '300');
    await page.fill('#height', '200');
    await page.selectOption('#fit', 'fit-in');
    await page.uncheck('#h-flip');
    await page.uncheck('#smart');
    for (const id of ['#crop-left', '#crop-top', '#crop-right', '#crop-bottom']) await page.fill(id, '');
    await page.selectOption('#h-align', '');
    await page.selectOption('#v-align', '');
    await page.locator('#filters li').first().locator('select.filter-name').selectOption('fill');
    await page.locator('#filters li').first().locator('input.filter-args').fill('white');
    await page.click('#add-filter');
    await page.locator('#filters li').last().locator('select.filter-name').selectOption('format');
    await page.locator('#filters li').last().locator('input.filter-args').fill('webp');
    await page.fill('#secret', 'mysecret');
    await previewLoaded(page, 'unsafe/fit-in/300x200/filters:fill(white):format(webp)/imagor/gopher.png');
    await page.locator('#secret').blur();
    const shot = await page.screenshot({ fullPage: true });
    assert.equal(shot.subarray(1, 4).toString('latin1'), 'PNG');
    assert.ok((await sharp(shot).metadata()).height > 600);
    // docs/playground.png is kept in git: written when missing, rewritten with IMAGOR_UPDATE_SCREENSHOT=1
    const file = path.join(ROOT, 'docs', 'playground.png');
    const exists = await stat(file).then(
      () => true,
      () => false,
    );
    if (!exists || process.env['IMAGOR_UPDATE_SCREENSHOT'] === '1') {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, shot);
    }
    assert.ok((await stat(file)).size > 10_000);
    assert.deepEqual(pageErrors, []);
  });
});

describe('playground in the browser (signed mode, -playground path)', () => {
  it('previews only once the secret is typed, with the signed URL', async () => {
    const server = await startPlaygroundServer([
      '-imagor-secret',
      'server-secret',
      '-file-loader-base-dir',
      path.join(ROOT, 'test', 'fixtures'),
      '-http-loader-disable',
      '-playground',
      '/tools/playground',
    ]);
    const browser = await launch();
    try {
      const page = await browser.context.newPage();
      await page.goto(server.url + '/tools/playground');
      await page.waitForSelector('body[data-ready="true"]');
      assert.equal(await page.textContent('.badge'), 'signed mode');
      // no folder listing outside unsafe mode
      assert.equal(await page.isHidden('#source-list'), true);
      await page.fill('#source', 'imagor/gopher.png');
      await page.fill('#width', '64');
      await page.fill('#height', '64');
      await page.waitForFunction(() =>
        document.querySelector('#status')?.textContent?.includes('type its secret'),
      );
      await page.fill('#secret', 'server-secret');
      const p = '64x64/imagor/gopher.png';
      const signed = `${createSigner({ secret: 'server-secret' }).sign(p)}/${p}`;
      await previewLoaded(page, signed);
      assert.equal(await page.textContent('#signed-url'), `${server.url}/${signed}`);
      assert.equal(await page.textContent('#stat-size'), '64 × 64');
      const params = await get(`${server.url}/params/${signed}`);
      assert.equal(await page.textContent('#params'), params.body.toString('utf8'));
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
