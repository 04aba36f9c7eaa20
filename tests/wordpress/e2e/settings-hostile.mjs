// Tries to store a key prefix that would put markup into every CDN URL, through the settings page in headless
// Chromium, as an admin without unfiltered_html (the suite defines DISALLOW_UNFILTERED_HTML for this run), then opens a
// post with an image and checks nothing of it reached the page. Env: WP_URL, WP_USER, WP_PASSWORD, ARTIFACTS,
// POST_URL, EXPECT_PREFIX (the prefix that must survive), EXPECT_CDN (the CDN base images must keep).
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'package.json'));
const { chromium } = require('playwright-core');

const { WP_URL, WP_USER, WP_PASSWORD, ARTIFACTS, POST_URL, EXPECT_PREFIX, EXPECT_CDN } = process.env;
const HOSTILE = ['x"><img src=x onerror=alert(1)>', 'wp-content/../wp-admin'];
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
  const dialogs = [];
  page.on('dialog', async (dialog) => { dialogs.push(dialog.message()); await dialog.dismiss(); });
  // Only loopback: anything else (the fake CDN host, the "x" image) is refused without a lookup, and recorded.
  const refused = [];
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    refused.push(url.href);
    return route.abort();
  });

  await page.goto(`${WP_URL}/wp-login.php`);
  await page.fill('#user_login', WP_USER);
  await page.fill('#user_pass', WP_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('#wp-submit')]);

  const settingsUrl = `${WP_URL}/wp-admin/options-general.php?page=media-offload`;
  await page.goto(settingsUrl);
  for (const hostile of HOSTILE) {
    await page.waitForSelector('#media-offload-settings');
    if (await page.isDisabled('#media_offload_key_prefix')) fail('the key prefix is locked; this run needs it editable');
    await page.fill('#media_offload_key_prefix', hostile);
    // options.php saves and redirects back to the page, which shows the refusal and the value now stored.
    await Promise.all([page.waitForNavigation(), page.click('#submit')]);
    const notice = (await page.textContent('#setting-error-key_prefix').catch(() => null)) ?? '';
    if (!notice.includes('key prefix must be')) fail(`no refusal for ${JSON.stringify(hostile)}: ${notice}`);
    const kept = await page.inputValue('#media_offload_key_prefix');
    if (kept !== EXPECT_PREFIX) fail(`the key prefix is now ${JSON.stringify(kept)}`);
  }

  // The post: no element, attribute or dialog from the refused value; the image is still on the CDN.
  await page.goto(POST_URL);
  await page.waitForLoadState('load');
  const found = await page.evaluate(() => ({
    onerror: document.querySelectorAll('[onerror]').length,
    x: document.querySelectorAll('img[src="x"]').length,
    srcs: [...document.querySelectorAll('.entry-content img, .wp-block-post-content img, article img')].map((i) => i.getAttribute('src')),
  }));
  if (found.onerror || found.x) fail(`markup from the key prefix is in the post: ${JSON.stringify(found)}`);
  if (!found.srcs.length || !found.srcs.every((s) => s.startsWith(EXPECT_CDN))) fail(`image src: ${found.srcs.join(' ')}`);
  if (dialogs.length) fail(`a dialog opened: ${dialogs.join(' | ')}`);
  if (refused.some((u) => /\/x$/.test(u))) fail(`the page asked for "x": ${refused.join(' ')}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'settings-hostile.png'), fullPage: true });
  console.log(`hostile key prefixes refused (${HOSTILE.length}); post images: ${found.srcs.length} on ${EXPECT_CDN}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
