'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { loadHandler } = require('./load');

const handler = loadHandler('image-negotiation.js');
const CHROME_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const OLD_SAFARI_ACCEPT = 'image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5';

function event(uri, accept, querystring = {}) {
  const headers = { host: { value: 'blog.example.com' } };
  if (accept !== undefined) {
    headers.accept = { value: accept };
  }
  return {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '198.51.100.7' },
    request: { method: 'GET', uri, querystring, headers, cookies: {} },
  };
}

const rewrite = (uri, accept, qs) => handler(event(uri, accept, qs));

test('rewrites a JPEG to its .webp variant when Accept includes image/webp', () => {
  assert.equal(rewrite('/wp-content/uploads/2024/05/photo.jpg', CHROME_ACCEPT).uri,
    '/wp-content/uploads/2024/05/photo.jpg.webp');
});

test('rewrites .jpeg, .png and .gif too', () => {
  for (const ext of ['jpeg', 'png', 'gif']) {
    assert.equal(rewrite(`/wp-content/uploads/a.${ext}`, 'image/webp').uri, `/wp-content/uploads/a.${ext}.webp`);
  }
});

test('leaves the URI alone when Accept lacks image/webp', () => {
  assert.equal(rewrite('/wp-content/uploads/2024/05/photo.jpg', OLD_SAFARI_ACCEPT).uri,
    '/wp-content/uploads/2024/05/photo.jpg');
});

test('leaves the URI alone when there is no Accept header', () => {
  assert.equal(rewrite('/wp-content/uploads/photo.png', undefined).uri, '/wp-content/uploads/photo.png');
});

test('a wildcard Accept does not count as WebP support', () => {
  assert.equal(rewrite('/wp-content/uploads/photo.png', '*/*').uri, '/wp-content/uploads/photo.png');
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/*').uri, '/wp-content/uploads/photo.png');
});

test('image/webp with q=0 is a refusal', () => {
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/webp;q=0, image/*').uri, '/wp-content/uploads/photo.png');
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/webp; q=0.0').uri, '/wp-content/uploads/photo.png');
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/webp;q=0.5').uri, '/wp-content/uploads/photo.png.webp');
});

test('matches the media type case-insensitively', () => {
  assert.equal(rewrite('/wp-content/uploads/photo.gif', 'IMAGE/WEBP').uri, '/wp-content/uploads/photo.gif.webp');
});

test('uppercase and mixed-case extensions keep their case and gain .webp', () => {
  assert.equal(rewrite('/wp-content/uploads/2024/05/IMG_0001.JPG', CHROME_ACCEPT).uri,
    '/wp-content/uploads/2024/05/IMG_0001.JPG.webp');
  assert.equal(rewrite('/wp-content/uploads/Scan.Png', CHROME_ACCEPT).uri, '/wp-content/uploads/Scan.Png.webp');
  assert.equal(rewrite('/wp-content/uploads/logo.JPEG', CHROME_ACCEPT).uri, '/wp-content/uploads/logo.JPEG.webp');
});

test('keeps the query string untouched while rewriting the URI', () => {
  const qs = { ver: { value: '6.1' }, w: { value: '300', multiValue: [{ value: '300' }, { value: '600' }] } };
  const request = rewrite('/wp-content/uploads/photo.jpg', CHROME_ACCEPT, qs);
  assert.equal(request.uri, '/wp-content/uploads/photo.jpg.webp');
  assert.deepEqual(request.querystring, qs);
});

test('never touches a URI with a query-looking suffix that is not an image extension', () => {
  assert.equal(rewrite('/wp-content/uploads/photo.jpg.php', CHROME_ACCEPT).uri, '/wp-content/uploads/photo.jpg.php');
});

test('.webp requests pass untouched, including existing variants', () => {
  assert.equal(rewrite('/wp-content/uploads/photo.webp', CHROME_ACCEPT).uri, '/wp-content/uploads/photo.webp');
  assert.equal(rewrite('/wp-content/uploads/photo.jpg.webp', CHROME_ACCEPT).uri, '/wp-content/uploads/photo.jpg.webp');
  assert.equal(rewrite('/wp-content/uploads/photo.JPG.WEBP', CHROME_ACCEPT).uri, '/wp-content/uploads/photo.JPG.WEBP');
});

test('non-image paths pass untouched', () => {
  for (const uri of ['/', '/wp-content/uploads/doc.pdf', '/wp-content/uploads/clip.mp4', '/wp-content/uploads/icon.svg',
    '/wp-content/uploads/style.css', '/wp-login.php', '/wp-content/uploads/2024/', '/wp-content/uploads/jpg']) {
    assert.equal(rewrite(uri, CHROME_ACCEPT).uri, uri);
  }
});

test('images outside the offload prefix (themes, plugins, core) pass untouched', () => {
  for (const uri of ['/wp-content/themes/t/screenshot.png', '/wp-includes/images/w-logo-blue.png',
    '/wp-content/plugins/p/a.gif', '/uploads/photo.jpg', '/x/wp-content/uploads/photo.jpg']) {
    assert.equal(rewrite(uri, CHROME_ACCEPT).uri, uri);
  }
});

test('a different key prefix is honoured once substituted', () => {
  const custom = loadHandler('image-negotiation.js', { KeyPrefix: 'media/site-a' });
  assert.equal(custom(event('/media/site-a/p.jpg', 'image/webp')).uri, '/media/site-a/p.jpg.webp');
  assert.equal(custom(event('/wp-content/uploads/p.jpg', 'image/webp')).uri, '/wp-content/uploads/p.jpg');
});

test('returns the request, with headers and method unchanged', () => {
  const e = event('/wp-content/uploads/photo.jpg', CHROME_ACCEPT);
  const request = handler(e);
  assert.equal(request, e.request);
  assert.equal(request.method, 'GET');
  assert.equal(request.headers.accept.value, CHROME_ACCEPT);
});

// The image behaviors fall back to WordPress through the origin group, and a behavior runs one viewer-request
// function, so this function also does viewer-ip.js's job (docs/deploy.md, "Rate limiting behind CloudFront").
test('sets X-Viewer-IP from the viewer address whether or not it rewrites', () => {
  for (const [uri, accept] of [['/wp-content/uploads/photo.jpg', CHROME_ACCEPT], ['/wp-content/uploads/photo.jpg', undefined],
    ['/wp-content/themes/t/screenshot.png', CHROME_ACCEPT], ['/wp-content/uploads/photo.jpg.webp', CHROME_ACCEPT]]) {
    const e = event(uri, accept);
    e.viewer.ip = '203.0.113.44';
    assert.equal(handler(e).headers['x-viewer-ip'].value, '203.0.113.44', uri);
  }
});

test('replaces a spoofed X-Viewer-IP and keeps the other headers', () => {
  const e = event('/wp-content/uploads/photo.png', CHROME_ACCEPT);
  e.viewer.ip = '2001:db8::7';
  e.request.headers['x-viewer-ip'] = { value: '10.0.0.1' };
  const request = handler(e);
  assert.equal(request.headers['x-viewer-ip'].value, '2001:db8::7');
  assert.deepEqual(Object.keys(request.headers).sort(), ['accept', 'host', 'x-viewer-ip']);
});

test('sets exactly the X-Viewer-IP that viewer-ip.js sets', () => {
  const viewerIp = loadHandler('viewer-ip.js');
  for (const ip of ['198.51.100.7', '2001:db8::1', '::ffff:192.0.2.1']) {
    const a = event('/wp-content/uploads/a.gif', 'image/webp');
    const b = event('/wp-content/uploads/a.gif', 'image/webp');
    a.viewer.ip = ip;
    b.viewer.ip = ip;
    // Each handler runs in its own vm context, so compare the headers as JSON rather than as objects.
    assert.equal(JSON.stringify(handler(a).headers['x-viewer-ip']), JSON.stringify(viewerIp(b).headers['x-viewer-ip']));
    assert.equal(handler(a).headers['x-viewer-ip'].value, ip);
  }
});

test('the source holds no dollar-brace placeholder but KeyPrefix, so Fn::Sub leaves the code intact', () => {
  const code = fs.readFileSync(path.join(__dirname, '..', 'image-negotiation.js'), 'utf8');
  const placeholders = code.match(/\$\{[^}]*\}/g) || [];
  assert.deepEqual([...new Set(placeholders)], ['${KeyPrefix}']);
});

test('uses no Node-only constructs the CloudFront runtime lacks', () => {
  for (const file of ['image-negotiation.js', 'viewer-ip.js']) {
    const code = fs.readFileSync(path.join(__dirname, '..', file), 'utf8');
    assert.doesNotMatch(code, /\brequire\s*\(|\bmodule\.exports\b|\bprocess\./, file);
    assert.match(code, /^function handler\(event\) \{$/m, file);
  }
});
