'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { loadHandler } = require('./load');

const handler = loadHandler('image-negotiation.js');
// Real image-request Accept headers.
const CHROME_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const SAFARI_16_ACCEPT = 'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5';
const SAFARI_14_ACCEPT = 'image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5';
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

test('rewrites a JPEG to its .avif variant when Accept names image/avif and image/webp', () => {
  assert.equal(rewrite('/wp-content/uploads/2024/05/photo.jpg', CHROME_ACCEPT).uri,
    '/wp-content/uploads/2024/05/photo.jpg.avif');
  // Safari lists WebP first; both are acceptable, and the smaller format is the server's preference.
  assert.equal(rewrite('/wp-content/uploads/2024/05/photo.jpg', SAFARI_16_ACCEPT).uri,
    '/wp-content/uploads/2024/05/photo.jpg.avif');
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/avif').uri, '/wp-content/uploads/photo.png.avif');
});

test('rewrites to the .webp variant when Accept names image/webp but not image/avif', () => {
  assert.equal(rewrite('/wp-content/uploads/2024/05/photo.jpg', SAFARI_14_ACCEPT).uri,
    '/wp-content/uploads/2024/05/photo.jpg.webp');
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/webp,*/*').uri, '/wp-content/uploads/photo.png.webp');
});

test('rewrites .jpeg, .png and .gif too', () => {
  for (const ext of ['jpeg', 'png', 'gif']) {
    assert.equal(rewrite(`/wp-content/uploads/a.${ext}`, 'image/webp').uri, `/wp-content/uploads/a.${ext}.webp`);
    assert.equal(rewrite(`/wp-content/uploads/a.${ext}`, CHROME_ACCEPT).uri, `/wp-content/uploads/a.${ext}.avif`);
  }
});

test('leaves the URI alone when Accept names neither image/avif nor image/webp', () => {
  assert.equal(rewrite('/wp-content/uploads/2024/05/photo.jpg', OLD_SAFARI_ACCEPT).uri,
    '/wp-content/uploads/2024/05/photo.jpg');
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/png,image/jpeg;q=0.9').uri, '/wp-content/uploads/photo.png');
});

test('leaves the URI alone when there is no Accept header, or an empty one', () => {
  assert.equal(rewrite('/wp-content/uploads/photo.png', undefined).uri, '/wp-content/uploads/photo.png');
  assert.equal(rewrite('/wp-content/uploads/photo.png', '').uri, '/wp-content/uploads/photo.png');
});

test('a wildcard Accept counts as neither AVIF nor WebP support', () => {
  for (const accept of ['*/*', 'image/*', 'image/*,*/*;q=0.8', 'image/avif-sequence', 'image/webpx', 'application/avif']) {
    assert.equal(rewrite('/wp-content/uploads/photo.png', accept).uri, '/wp-content/uploads/photo.png', accept);
  }
});

test('image/avif with q=0 is a refusal: WebP when it is named, else the original', () => {
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/avif;q=0,image/webp,*/*').uri, '/wp-content/uploads/photo.png.webp');
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/avif; q=0.0, image/webp').uri, '/wp-content/uploads/photo.png.webp');
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/avif;q=0, image/*').uri, '/wp-content/uploads/photo.png');
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/avif;q=0,image/webp;q=0').uri, '/wp-content/uploads/photo.png');
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/avif;q=0.5,image/webp').uri, '/wp-content/uploads/photo.png.avif');
});

test('image/webp with q=0 is a refusal', () => {
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/webp;q=0, image/*').uri, '/wp-content/uploads/photo.png');
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/webp; q=0.0').uri, '/wp-content/uploads/photo.png');
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/webp;q=0.5').uri, '/wp-content/uploads/photo.png.webp');
});

test('a q that is not a number above 0 refuses the type, so the original is served', () => {
  for (const q of ['q=abc', 'q=', 'q=-1']) {
    assert.equal(rewrite('/wp-content/uploads/photo.png', `image/avif;${q}`).uri, '/wp-content/uploads/photo.png', q);
  }
});

test('the first range that names a type decides', () => {
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/avif;q=0,image/avif').uri, '/wp-content/uploads/photo.png');
  assert.equal(rewrite('/wp-content/uploads/photo.png', 'image/avif,image/avif;q=0').uri, '/wp-content/uploads/photo.png.avif');
});

test('repeated Accept headers count together', () => {
  const e = event('/wp-content/uploads/photo.jpg', 'image/png');
  e.request.headers.accept = { value: 'image/png', multiValue: [{ value: 'image/png' }, { value: 'image/avif' }] };
  assert.equal(handler(e).uri, '/wp-content/uploads/photo.jpg.avif');
});

test('matches the media type case-insensitively', () => {
  assert.equal(rewrite('/wp-content/uploads/photo.gif', 'IMAGE/WEBP').uri, '/wp-content/uploads/photo.gif.webp');
  assert.equal(rewrite('/wp-content/uploads/photo.gif', 'Image/AVIF;Q=1').uri, '/wp-content/uploads/photo.gif.avif');
});

test('uppercase and mixed-case extensions keep their case and gain a lower-case variant suffix', () => {
  assert.equal(rewrite('/wp-content/uploads/2024/05/IMG_0001.JPG', CHROME_ACCEPT).uri,
    '/wp-content/uploads/2024/05/IMG_0001.JPG.avif');
  assert.equal(rewrite('/wp-content/uploads/Scan.Png', CHROME_ACCEPT).uri, '/wp-content/uploads/Scan.Png.avif');
  assert.equal(rewrite('/wp-content/uploads/logo.JPEG', SAFARI_14_ACCEPT).uri, '/wp-content/uploads/logo.JPEG.webp');
  assert.equal(rewrite('/wp-content/uploads/anim.GIF', OLD_SAFARI_ACCEPT).uri, '/wp-content/uploads/anim.GIF');
});

test('keeps the query string untouched while rewriting the URI', () => {
  const qs = { ver: { value: '6.1' }, w: { value: '300', multiValue: [{ value: '300' }, { value: '600' }] } };
  for (const [accept, uri] of [[CHROME_ACCEPT, '/wp-content/uploads/photo.jpg.avif'], [SAFARI_14_ACCEPT, '/wp-content/uploads/photo.jpg.webp'],
    [OLD_SAFARI_ACCEPT, '/wp-content/uploads/photo.jpg']]) {
    const request = rewrite('/wp-content/uploads/photo.jpg', accept, qs);
    assert.equal(request.uri, uri);
    assert.deepEqual(request.querystring, qs);
  }
});

test('never touches a URI with a query-looking suffix that is not an image extension', () => {
  assert.equal(rewrite('/wp-content/uploads/photo.jpg.php', CHROME_ACCEPT).uri, '/wp-content/uploads/photo.jpg.php');
});

test('explicit .avif and .webp requests pass untouched, including existing variants', () => {
  for (const uri of ['/wp-content/uploads/photo.webp', '/wp-content/uploads/photo.jpg.webp', '/wp-content/uploads/photo.JPG.WEBP',
    '/wp-content/uploads/photo.avif', '/wp-content/uploads/photo.jpg.avif', '/wp-content/uploads/photo.PNG.AVIF',
    '/wp-content/uploads/photo.gif.avif.webp']) {
    for (const accept of [CHROME_ACCEPT, SAFARI_14_ACCEPT, OLD_SAFARI_ACCEPT]) {
      assert.equal(rewrite(uri, accept).uri, uri, `${uri} with ${accept}`);
    }
  }
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
  assert.equal(custom(event('/media/site-a/p.jpg', CHROME_ACCEPT)).uri, '/media/site-a/p.jpg.avif');
  assert.equal(custom(event('/wp-content/uploads/p.jpg', 'image/webp')).uri, '/wp-content/uploads/p.jpg');
});

// VariantFormats in serverless.template: the service writes only these formats, so the edge asks only for them.
test('with AVIF turned off, the edge never rewrites to .avif: WebP or the original instead', () => {
  const webpOnly = loadHandler('image-negotiation.js', { VariantFormats: 'webp' });
  for (const accept of [CHROME_ACCEPT, SAFARI_16_ACCEPT, SAFARI_14_ACCEPT, 'image/webp,image/avif', 'image/avif,image/webp;q=0.1']) {
    assert.equal(webpOnly(event('/wp-content/uploads/photo.jpg', accept)).uri, '/wp-content/uploads/photo.jpg.webp', accept);
  }
  for (const accept of ['image/avif', 'image/avif,*/*', 'image/avif,image/webp;q=0', OLD_SAFARI_ACCEPT, undefined]) {
    assert.equal(webpOnly(event('/wp-content/uploads/photo.jpg', accept)).uri, '/wp-content/uploads/photo.jpg', String(accept));
  }
});

test('each enabled format alone is the only one the edge asks for', () => {
  const avifOnly = loadHandler('image-negotiation.js', { VariantFormats: 'avif' });
  assert.equal(avifOnly(event('/wp-content/uploads/a.png', CHROME_ACCEPT)).uri, '/wp-content/uploads/a.png.avif');
  assert.equal(avifOnly(event('/wp-content/uploads/a.png', SAFARI_14_ACCEPT)).uri, '/wp-content/uploads/a.png');
  // The order the operator lists them in does not change the preference.
  const reversed = loadHandler('image-negotiation.js', { VariantFormats: 'webp,avif' });
  assert.equal(reversed(event('/wp-content/uploads/a.png', SAFARI_16_ACCEPT)).uri, '/wp-content/uploads/a.png.avif');
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

// viewer-response: CloudFront passes the request and the response it is about to send.
function responseEvent(uri, headers = {}, statusCode = 200) {
  return {
    version: '1.0',
    context: { eventType: 'viewer-response' },
    viewer: { ip: '198.51.100.7' },
    request: { method: 'GET', uri, querystring: {}, headers: { accept: { value: CHROME_ACCEPT } }, cookies: {} },
    response: { statusCode, statusDescription: 'OK', headers, cookies: {} },
  };
}

const respond = (uri, headers, statusCode) => handler(responseEvent(uri, headers, statusCode));

test('adds Vary: Accept to the response at a negotiated URL, as sent by the viewer or as rewritten', () => {
  for (const uri of ['/wp-content/uploads/2024/05/photo.jpg', '/wp-content/uploads/2024/05/photo.jpg.avif',
    '/wp-content/uploads/photo.png.webp', '/wp-content/uploads/a.jpeg', '/wp-content/uploads/IMG.JPG.avif', '/wp-content/uploads/anim.GIF']) {
    const response = respond(uri, { 'content-type': { value: 'image/avif' } });
    assert.equal(response.headers.vary.value, 'Accept', uri);
    assert.equal(response.headers['content-type'].value, 'image/avif', uri);
  }
});

test('every response at a negotiated URL varies, whichever variant it carries and whatever its status', () => {
  // The original, sent to a client without AVIF or WebP, must say so too, or a shared cache could keep it for all.
  for (const [contentType, status] of [['image/jpeg', 200], ['image/webp', 200], ['image/avif', 200], ['image/jpeg', 304]]) {
    const e = responseEvent('/wp-content/uploads/photo.jpg', { 'content-type': { value: contentType } }, status);
    e.request.headers = {};
    assert.equal(handler(e).headers.vary.value, 'Accept', `${contentType} ${status}`);
  }
});

test('adds Accept to a Vary the origin sent, once', () => {
  assert.equal(respond('/wp-content/uploads/photo.jpg', { vary: { value: 'Accept-Encoding' } }).headers.vary.value, 'Accept-Encoding, Accept');
  assert.equal(respond('/wp-content/uploads/photo.jpg', { vary: { value: 'Origin, accept' } }).headers.vary.value, 'Origin, accept');
  assert.equal(respond('/wp-content/uploads/photo.jpg', { vary: { value: '*' } }).headers.vary.value, '*');
  const repeated = { vary: { value: 'Origin', multiValue: [{ value: 'Origin' }, { value: 'Accept-Encoding' }] } };
  assert.equal(respond('/wp-content/uploads/photo.jpg', repeated).headers.vary.value, 'Origin,Accept-Encoding, Accept');
});

test('adds no Vary where nothing is negotiated', () => {
  for (const uri of ['/wp-content/themes/t/screenshot.png', '/wp-includes/images/w-logo-blue.png', '/uploads/photo.jpg',
    '/wp-content/uploads/doc.pdf', '/wp-content/uploads/photo.jpg.php', '/wp-content/uploads/photo.webp']) {
    const response = respond(uri, { 'content-type': { value: 'image/png' } });
    assert.equal(response.headers.vary, undefined, uri);
  }
});

test('viewer-response returns the response, adding Vary and nothing else', () => {
  const e = responseEvent('/wp-content/uploads/photo.png', { 'cache-control': { value: 'public, max-age=31536000, immutable' } });
  const response = handler(e);
  assert.equal(response, e.response);
  assert.deepEqual(Object.keys(response.headers).sort(), ['cache-control', 'vary']);
  assert.equal(response.statusCode, 200);
  assert.equal(e.request.headers['x-viewer-ip'], undefined);
});

test('a request rewritten at viewer-request gets Vary: Accept at viewer-response', () => {
  for (const accept of [CHROME_ACCEPT, SAFARI_14_ACCEPT, OLD_SAFARI_ACCEPT]) {
    const request = rewrite('/wp-content/uploads/2024/05/photo.jpg', accept);
    const e = responseEvent(request.uri);
    e.request = request;
    assert.equal(handler(e).headers.vary.value, 'Accept', accept);
  }
});

test('the source holds no dollar-brace placeholder but KeyPrefix and VariantFormats, so Fn::Sub leaves the code intact', () => {
  const code = fs.readFileSync(path.join(__dirname, '..', 'image-negotiation.js'), 'utf8');
  const placeholders = code.match(/\$\{[^}]*\}/g) || [];
  assert.deepEqual([...new Set(placeholders)].sort(), ['${KeyPrefix}', '${VariantFormats}']);
});

test('stays within the CloudFront Functions limit of 10 KB of code', () => {
  for (const file of ['image-negotiation.js', 'viewer-ip.js']) {
    assert.ok(fs.statSync(path.join(__dirname, '..', file)).size < 10 * 1024, file);
  }
});

test('uses no Node-only constructs the CloudFront runtime lacks', () => {
  for (const file of ['image-negotiation.js', 'viewer-ip.js']) {
    const code = fs.readFileSync(path.join(__dirname, '..', file), 'utf8');
    assert.doesNotMatch(code, /\brequire\s*\(|\bmodule\.exports\b|\bprocess\./, file);
    assert.match(code, /^function handler\(event\) \{$/m, file);
  }
});
