'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { loadHandler } = require('./load');

const handler = loadHandler('viewer-ip.js');

test('sets X-Viewer-IP from the viewer address', () => {
  const request = handler({ viewer: { ip: '203.0.113.9' }, request: { uri: '/', headers: {} } });
  assert.equal(request.headers['x-viewer-ip'].value, '203.0.113.9');
});

test('replaces a spoofed X-Viewer-IP sent by the client', () => {
  const request = handler({
    viewer: { ip: '2001:db8::1' },
    request: { uri: '/wp-login.php', headers: { 'x-viewer-ip': { value: '10.0.0.1' } } },
  });
  assert.equal(request.headers['x-viewer-ip'].value, '2001:db8::1');
  assert.equal(request.uri, '/wp-login.php');
});
