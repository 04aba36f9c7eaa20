// Drives the plugin's settings page in headless Chromium: log in, save settings, reload, check they persisted,
// and keep a screenshot. Env: WP_URL, WP_USER, WP_PASSWORD, ARTIFACTS.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'package.json'));
const { chromium } = require('playwright-core');

const { WP_URL, WP_USER, WP_PASSWORD, ARTIFACTS } = process.env;
const profile = mkdtempSync(path.join(tmpdir(), 'mo-chromium-'));
const fail = (message) => { throw new Error(message); };

const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 1600 },
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  // Only loopback: anything else (the fake CDN host in image URLs) is refused without a lookup.
  await page.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    return host === '127.0.0.1' ? route.continue() : route.abort();
  });

  await page.goto(`${WP_URL}/wp-login.php`);
  await page.fill('#user_login', WP_USER);
  await page.fill('#user_pass', WP_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('#wp-submit')]);

  const settingsUrl = `${WP_URL}/wp-admin/options-general.php?page=media-offload`;
  await page.goto(settingsUrl);
  await page.waitForSelector('#media-offload-settings');
  const endpoint = await page.inputValue('#media_offload_endpoint');
  if (!endpoint.startsWith('http://127.0.0.1:')) fail(`unexpected endpoint ${endpoint}`);
  if (await page.inputValue('#media_offload_secret') !== '') fail('the secret was printed into the page');
  if (!(await page.isDisabled('#media_offload_key_prefix'))) fail('the key prefix set in wp-config is editable');
  if (!(await page.textContent('.media-offload-locked')).includes('MEDIA_OFFLOAD_KEY_PREFIX')) fail('no wp-config note');

  await page.fill('#media_offload_cdn_domain', 'media.e2e.test');
  await page.check('#media_offload_rewrite_urls');
  await Promise.all([page.waitForNavigation(), page.click('#submit')]);
  if (!(await page.content()).includes('Settings saved.')) fail('no "Settings saved." notice');

  await page.goto(settingsUrl);
  const cdn = await page.inputValue('#media_offload_cdn_domain');
  if (cdn !== 'media.e2e.test') fail(`CDN domain not persisted: ${cdn}`);
  if (!(await page.isChecked('#media_offload_rewrite_urls'))) fail('rewrite switch not persisted');
  if (await page.getAttribute('#media_offload_secret', 'placeholder') !== 'Saved (hidden)') fail('secret lost on save');
  if (await page.inputValue('#media_offload_endpoint') !== endpoint) fail('endpoint changed on save');

  // The status panel shows the events sent so far.
  const rows = await page.$$eval('#media-offload-log tbody tr', (trs) => trs.map((tr) => tr.textContent));
  if (!rows.some((r) => r.includes('attachment.uploaded') && r.includes('202'))) fail(`status panel: ${rows.join(' | ')}`);
  const queue = await page.textContent('#media-offload-queue-counts');
  // The last backfill started from WP-CLI, if the suite ran one: its runId, never counts the site cannot know.
  if (process.env.EXPECT_BACKFILL) {
    const backfill = (await page.textContent('#media-offload-backfill')) ?? '';
    if (!backfill.startsWith(`${process.env.EXPECT_BACKFILL} started `)) fail(`status panel backfill: ${backfill}`);
    if (!(await page.content()).includes(`reports/${process.env.EXPECT_BACKFILL}.json`)) fail('no report location on the status panel');
  }

  // Without the nonce, options.php refuses the form.
  const forged = await page.evaluate(async (url) => {
    const body = new URLSearchParams({ option_page: 'media_offload', action: 'update', 'media_offload_settings[cdn_domain]': 'evil.example' });
    const r = await fetch(url, { method: 'POST', body, credentials: 'same-origin' });
    return r.status;
  }, `${WP_URL}/wp-admin/options.php`);
  if (forged < 400) fail(`a form without a nonce was accepted (${forged})`);

  await page.screenshot({ path: path.join(ARTIFACTS, 'settings-page.png'), fullPage: true });
  console.log(`settings page OK: cdn=${cdn}, ${rows.length} events listed, queue: ${queue}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
