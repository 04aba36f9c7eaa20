'use strict';
// Loads a CloudFront Function file the way CloudFront runs it: a plain script with a global `handler`, no Node
// modules. Fn::Sub placeholders are filled in as serverless.template fills them in.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

// The template's defaults (KeyPrefix, VariantFormats).
const DEFAULT_SUBSTITUTIONS = { KeyPrefix: 'wp-content/uploads', VariantFormats: 'avif,webp' };

function loadHandler(file, substitutions = DEFAULT_SUBSTITUTIONS) {
  let code = fs.readFileSync(path.join(__dirname, '..', file), 'utf8');
  for (const [name, value] of Object.entries({ ...DEFAULT_SUBSTITUTIONS, ...substitutions })) {
    code = code.split('${' + name + '}').join(value);
  }
  const context = vm.createContext({});
  vm.runInContext(code, context, { filename: file });
  if (typeof context.handler !== 'function') {
    throw new Error(`${file} defines no handler(event)`);
  }
  return context.handler;
}

module.exports = { loadHandler };
