#!/usr/bin/env node
// The `mictract` command that npm links into node_modules/.bin (so `npx mictract` works from the repo
// root). npm links a workspace's bin only if the file exists when it installs, and dist/ is built after
// `npm ci`, so the bin is this committed file, which runs the built CLI.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error(`missing prerequisite: mictract is not built (${cli} does not exist); run \`npm run build\` in ${path.resolve(__dirname, '..', '..')}`);
  process.exit(3);
}
require(cli);
