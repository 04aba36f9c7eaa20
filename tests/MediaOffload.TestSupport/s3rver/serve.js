// Starts s3rver (the npm S3 emulator) on 127.0.0.1 for S3rver.cs and tests/benchmarks/sync/run.sh.
// Usage: node serve.js PORT DIRECTORY   (PORT 0 picks a free one); prints "listening PORT" once it accepts requests.
// Node 17+ needs --openssl-legacy-provider: s3rver encrypts ListObjectsV2 continuation tokens with DES.
'use strict';
const S3rver = require('s3rver');
const AWSAccount = require('s3rver/lib/models/account');

const [port, directory] = process.argv.slice(2);
if (port === undefined || !directory) {
  console.error('usage: node serve.js PORT DIRECTORY');
  process.exit(2);
}

// s3rver knows one access key, S3RVER, and never checks a SigV4 signature (lib/middleware/authentication.js).
// A client under test signs with whatever key its environment gives it (media-offload uses a placeholder when there
// is none), so every key maps to s3rver's one account, as moto_server accepts any key.
const known = AWSAccount.registry.get.bind(AWSAccount.registry);
AWSAccount.registry.get = id => known(id) ?? AWSAccount.DUMMY_ACCOUNT;

const server = new S3rver({ address: '127.0.0.1', port: Number(port), directory, silent: true, vhostBuckets: false });
server
  .run()
  .then(address => {
    // AWSSDK.S3 4.0 sends x-amz-copy-source percent-encoded whole ('/' as %2F), which S3 accepts; s3rver reads it
    // with decodeURI, which keeps %2F, so every copy from .NET fails with NoSuchBucket. Hand s3rver the form it
    // reads, so header fixes (copy in place) can be tested and measured here (docs/benchmarks-sync.md).
    server.httpServer.prependListener('request', request => {
      const source = request.headers['x-amz-copy-source'];
      if (source) {
        request.headers['x-amz-copy-source'] = encodeURI(decodeURIComponent(source));
      }
    });
    console.log(`listening ${address.port}`);
  })
  .catch(error => {
    console.error(error);
    process.exit(1);
  });
