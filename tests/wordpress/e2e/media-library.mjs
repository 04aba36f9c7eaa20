// Drives the Media Library in headless Chromium for the offload status checks and prints what it saw as one JSON
// line. Env: WP_URL, WP_USER, WP_PASSWORD, ARTIFACTS, STEPS (a JSON list of [step, ...args]):
//   ["list", search]            upload.php in list mode, searching for a title
//   ["rows", [ids]]             each row's Offload cell: text, title, and the elements inside it; its row actions
//   ["details", id]             the edit screen's Offload field
//   ["modal", id]               the media modal's attachment details (grid mode, a click on the attachment)
//   ["bulk", [ids]]             ticks the rows, applies "Send to offload again", reads the notice
//   ["forge", ids, nonce]       submits the bulk form by hand: nonce "page" (the list page's own), "missing" or "wrong"
//   ["link", id, nonce]         follows the row action's URL, with its nonce or a wrong one
//   ["screenshot", name]
// Any JavaScript dialog fails the run: nothing a file name or a reason says may execute.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'package.json'));
const { chromium } = require('playwright-core');

const { WP_URL, WP_USER, WP_PASSWORD, ARTIFACTS, STEPS } = process.env;
const steps = JSON.parse(STEPS);
const profile = mkdtempSync(path.join(tmpdir(), 'mo-chromium-'));
const out = { steps: [], dialogs: [] };

const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 1400 },
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  await page.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    return host === '127.0.0.1' ? route.continue() : route.abort();
  });
  page.on('dialog', async (dialog) => {
    out.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss();
  });

  await page.goto(`${WP_URL}/wp-login.php`);
  await page.fill('#user_login', WP_USER);
  await page.fill('#user_pass', WP_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('#wp-submit')]);

  // What is inside an element: its text, and the elements a file name could have smuggled in.
  const inspect = (selector) => page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    const span = el.querySelector('[title]');
    return {
      text: el.innerText.trim(),
      title: span ? span.getAttribute('title') : null,
      state: (el.querySelector('[data-state]') || el).getAttribute('data-state'),
      elements: [...el.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()),
    };
  }, selector);

  // Without waiting: an element that is not there is an answer too.
  const textOf = async (selector) => {
    const el = await page.$(selector);
    return el ? (await el.textContent()).trim() : null;
  };
  const attrOf = async (selector, name) => {
    const el = await page.$(selector);
    return el ? el.getAttribute(name) : null;
  };

  const runSteps = async () => {
    for (const [step, ...args] of steps) {
      let result = null;
      if (step === 'list') {
        await page.goto(`${WP_URL}/wp-admin/upload.php?mode=list&s=${encodeURIComponent(args[0])}`);
        await page.waitForSelector('#the-list');
      } else if (step === 'rows') {
        result = {};
        for (const id of args[0]) {
          const cell = await inspect(`#post-${id} td.column-media_offload`);
          const actions = await page.$$eval(`#post-${id} .row-actions a`, (as) => as.map((a) => a.textContent.trim()));
          const checkbox = await page.$(`#cb-select-${id}`);
          result[id] = cell && { ...cell, actions, checkbox: !!checkbox };
        }
      } else if (step === 'details') {
        await page.goto(`${WP_URL}/wp-admin/post.php?post=${args[0]}&action=edit`);
        await page.waitForSelector('.media-offload-details');
        result = await inspect('.media-offload-details');
      } else if (step === 'modal') {
        // Grid mode, then a click on the attachment, as an editor opens its details.
        await page.goto(`${WP_URL}/wp-admin/upload.php?mode=grid`);
        await page.click(`li.attachment[data-id="${args[0]}"]`);
        await page.waitForSelector('.media-modal .media-offload-details');
        result = await inspect('.media-modal .media-offload-details');
      } else if (step === 'bulk') {
        for (const id of args[0]) await page.check(`#cb-select-${id}`);
        await page.selectOption('#bulk-action-selector-top', 'media_offload_resend');
        await Promise.all([page.waitForNavigation(), page.click('#doaction')]);
        result = { url: page.url(), notice: await textOf('#media-offload-resend-notice p') };
      } else if (step === 'forge') {
        const [ids, nonce] = args;
        const pageNonce = (await attrOf('#posts-filter input[name="_wpnonce"]', 'value')) ?? '';
        result = await page.evaluate(async ({ url, ids, nonce, pageNonce }) => {
          const body = new URLSearchParams({ action: 'media_offload_resend', mode: 'list', _wp_http_referer: '/wp-admin/upload.php?mode=list' });
          if (nonce === 'page') body.set('_wpnonce', pageNonce);
          if (nonce === 'wrong') body.set('_wpnonce', 'deadbeef00');
          for (const id of ids) body.append('media[]', String(id));
          const r = await fetch(url, { method: 'POST', body, credentials: 'same-origin' });
          const html = await r.text();
          const notice = new DOMParser().parseFromString(html, 'text/html').querySelector('#media-offload-resend-notice');
          return { status: r.status, url: r.url, notice: notice ? notice.textContent.trim() : null, hadNonce: !!pageNonce };
        }, { url: `${WP_URL}/wp-admin/upload.php`, ids, nonce, pageNonce });
      } else if (step === 'link') {
        const [id, nonce] = args;
        const href = await attrOf(`#post-${id} .row-actions .media_offload_resend a`, 'href');
        const url = nonce === 'wrong' && href ? href.replace(/_wpnonce=[0-9a-f]+/, '_wpnonce=deadbeef00') : href;
        const response = url ? await page.goto(url) : null;
        result = { href, status: response ? response.status() : null, notice: await textOf('#media-offload-resend-notice p') };
      } else if (step === 'screenshot') {
        await page.screenshot({ path: path.join(ARTIFACTS, args[0]), fullPage: true });
      } else {
        throw new Error(`unknown step ${step}`);
      }
      out.steps.push(result);
    }
  };

  try {
    await runSteps();
  } catch (e) {
    // What the page looked like when a step failed.
    await page.screenshot({ path: path.join(ARTIFACTS, 'media-library-failure.png'), fullPage: true }).catch(() => {});
    throw e;
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
