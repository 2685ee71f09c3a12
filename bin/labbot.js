#!/usr/bin/env node
'use strict';
// The bin runs the compiled CLI; `npm ci` (prepare) and `npm start` (prestart) build it.
require('../dist/cli.js').main();
