import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { launch } from './chromium.js';
import { createSigner } from '../../src/path/signer.js';
import type { RunningServer } from '../../src/server/server.js';
import { startFixturePlayground } from './server.js';

const ready = (page: Page): Promise<unknown> => page.waitForSelector('body[data-ready="true"]');

/** Waits until the built URL is exactly this. */
async function urlIs(page: Page, expected: string): Promise<void> {
  await page.waitForFunction((t) => document.querySelector('#url')?.textContent === t, expected, {
    timeout: 15_000,
  });
}

describe('playground: state in the page URL, pasting, copying, filter help, narrow screens', () => {
  let server: RunningServer;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    server = await startFixturePlayground();
    browser = await launch();
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url + '/');
    await ready(page);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const built = 'fit-in/100x80/filters:grayscale()/imagor/gopher.png';

  it('keeps the state in the page URL: a reload restores the form', async () => {
    await page.fill('#source', 'imagor/gopher.png');
    await page.fill('#width', '100');
    await page.fill('#height', '80');
    await page.selectOption('#fit', 'fit-in');
    await page.click('#add-filter');
    await page.locator('#filters li').last().locator('select.filter-name').selectOption('grayscale');
    await urlIs(page, `${server.url}/unsafe/${built}`);
    await page.waitForFunction((h) => location.hash === h, '#' + built);

    await page.reload();
    await ready(page);
    await urlIs(page, `${server.url}/unsafe/${built}`);
    assert.equal(await page.inputValue('#source'), 'imagor/gopher.png');
    assert.equal(await page.inputValue('#width'), '100');
    assert.equal(await page.inputValue('#height'), '80');
    assert.equal(await page.inputValue('#fit'), 'fit-in');
    assert.equal(await page.locator('#filters select.filter-name').first().inputValue(), 'grayscale');
  });

  it('a shared link opens the same state in a fresh page, and the secret is never in it', async () => {
    await page.fill('#secret', 'shh-secret');
    await page.waitForSelector('#signed-box:not([hidden])');
    const link = page.url();
    assert.ok(!link.includes('shh-secret'));
    const other = await browser.context.newPage();
    try {
      await other.goto(link);
      await ready(other);
      await urlIs(other, `${server.url}/unsafe/${built}`);
      assert.equal(await other.inputValue('#secret'), '');
    } finally {
      await other.close();
    }
    await page.fill('#secret', '');
  });

  it('pasting a signed URL with a host fills the form', async () => {
    const p = '300x200/smart/filters:brightness(20):format(webp)/imagor/demo1.jpg';
    const hash = createSigner({ secret: 'x' }).sign(p);
    await page.fill('#paste', `https://img.example.com/${hash}/${p}`);
    await urlIs(page, `${server.url}/unsafe/${p}`);
    assert.equal(await page.inputValue('#source'), 'imagor/demo1.jpg');
    assert.equal(await page.inputValue('#width'), '300');
    assert.equal(await page.inputValue('#height'), '200');
    assert.equal(await page.inputValue('#fit'), 'none');
    assert.equal(await page.isChecked('#smart'), true);
    const names = await page
      .locator('#filters select.filter-name')
      .evaluateAll((els) => els.map((e) => (e as HTMLSelectElement).value));
    assert.deepEqual(names, ['brightness', 'format']);
    assert.match((await page.textContent('#paste-status')) ?? '', /signed URL/);
  });

  it('pasting an unsafe URL without host (behind a path prefix) fills the form', async () => {
    const p = 'fit-in/-120x90/top/imagor/gopher.png';
    await page.fill('#paste', `/images/unsafe/${p}`);
    await urlIs(page, `${server.url}/unsafe/${p}`);
    assert.equal(await page.isChecked('#h-flip'), true);
    assert.equal(await page.inputValue('#v-align'), 'top');
    assert.equal(await page.locator('#filters li').count(), 0);
    assert.match((await page.textContent('#paste-status')) ?? '', /unsafe URL/);
  });

  it('a paste without an image says so and leaves the form alone', async () => {
    await page.fill('#paste', 'https://img.example.com/unsafe/300x200/');
    await page.waitForFunction(() =>
      /No image path/.test(document.querySelector('#paste-status')?.textContent ?? ''),
    );
    assert.equal(await page.inputValue('#source'), 'imagor/gopher.png');
  });

  it('the copy button puts the built URL on the clipboard (the signed one when there is a secret)', async () => {
    const expected = (await page.textContent('#url')) ?? '';
    await page.click('#copy-url');
    await page.waitForFunction(() => document.querySelector('#copy-status')?.textContent === 'Copied');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), expected);

    await page.fill('#secret', 'abc');
    await page.waitForSelector('#signed-box:not([hidden])');
    const signed = (await page.textContent('#signed-url')) ?? '';
    await page.waitForFunction(
      (t) => document.querySelector('#signed-url')?.textContent === t && t !== '',
      signed,
    );
    await page.click('#copy-url');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), signed);
    await page.fill('#secret', '');
  });

  it('each filter shows its arguments, a one-line help and a valid example', async () => {
    await page.click('#add-filter');
    const row = page.locator('#filters li').last();
    await row.locator('select.filter-name').selectOption('round_corner');
    assert.equal(await row.locator('.filter-syntax').textContent(), 'round_corner(rx[,ry[,color]])');
    assert.match(
      (await row.locator('.filter-text').textContent()) ?? '',
      /rounds the corners.*Example: round_corner\(30,30,white\)/,
    );
    assert.equal(await row.locator('input.filter-args').getAttribute('placeholder'), '30,30,white');
    await row.locator('.use-example').click();
    assert.equal(await row.locator('input.filter-args').inputValue(), '30,30,white');
    await page.waitForFunction(() =>
      /round_corner\(30,30,white\)/.test(document.querySelector('#url')?.textContent ?? ''),
    );
    // the example is valid: the server answers an image for it
    const url = (await page.textContent('#url')) ?? '';
    const res = await fetch(url);
    assert.equal(res.status, 200);
  });

  it('is usable on a narrow screen: one column, nothing wider than the screen', async () => {
    const phone = await browser.context.newPage();
    try {
      await phone.setViewportSize({ width: 360, height: 740 });
      await phone.goto(`${server.url}/#${built}`);
      await ready(phone);
      await urlIs(phone, `${server.url}/unsafe/${built}`);
      const widths = await phone.evaluate(() => ({
        doc: document.documentElement.scrollWidth,
        view: window.innerWidth,
        form: document.querySelector('#controls')!.getBoundingClientRect().width,
        output: document.querySelector('#output')!.getBoundingClientRect(),
        controls: document.querySelector('#controls')!.getBoundingClientRect(),
      }));
      assert.ok(widths.doc <= widths.view, `page is ${widths.doc}px wide on a ${widths.view}px screen`);
      assert.ok(widths.form <= widths.view);
      // stacked: the output comes below the form
      assert.ok(widths.output.top >= widths.controls.bottom - 1);
      for (const id of ['#source', '#width', '#add-filter', '#copy-url', '#paste']) {
        const box = await phone.locator(id).boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= widths.view + 1, `${id} fits`);
      }
    } finally {
      await phone.close();
    }
  });

  it('raised no script errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
