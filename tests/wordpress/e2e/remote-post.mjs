// Opens a published post in headless Chromium and prints, as one JSON line, every <img> it shows: src, srcset,
// currentSrc, naturalWidth and complete. Requests to https://CDN_HOST/ go to EDGE_URL (e2e_remote_only.py's loopback
// CloudFront stand-in, which reads the media bucket on moto); everything else off 127.0.0.1 is aborted.
// Env: POST_URL, CDN_HOST, EDGE_URL, ARTIFACTS, SCREENSHOT (a file name in ARTIFACTS).
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'package.json'));
const { chromium } = require('playwright-core');

const { POST_URL, CDN_HOST, EDGE_URL, ARTIFACTS, SCREENSHOT } = process.env;
const profile = mkdtempSync(path.join(tmpdir(), 'mo-chromium-'));
const out = { imgs: [], cdn: [], aborted: [] };

const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 1400 },
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  await page.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    if (url.hostname === CDN_HOST && url.protocol === 'https:') {
      // The viewer's own Accept header reaches the edge, which picks .avif, .webp or the original from it.
      const response = await route.fetch({ url: EDGE_URL + url.pathname + url.search });
      out.cdn.push({ url: url.href, status: response.status(), type: response.headers()['content-type'] || null });
      return route.fulfill({ response });
    }
    out.aborted.push(url.href);
    return route.abort();
  });
  await page.goto(POST_URL, { waitUntil: 'load' });
  // Lazy images below the fold load once scrolled to.
  await page.evaluate(async () => {
    for (const img of document.images) {
      img.loading = 'eager';
      img.scrollIntoView();
    }
  });
  await page.waitForFunction(() => [...document.images].every((i) => i.complete), null, { timeout: 30000 });
  out.imgs = await page.evaluate(() => [...document.images].map((i) => ({
    cls: i.className,
    src: i.getAttribute('src'),
    srcset: i.getAttribute('srcset'),
    currentSrc: i.currentSrc,
    naturalWidth: i.naturalWidth,
    complete: i.complete,
  })));
  if (SCREENSHOT) await page.screenshot({ path: path.join(ARTIFACTS, SCREENSHOT), fullPage: true });
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
