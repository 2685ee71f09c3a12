#!/usr/bin/env node
'use strict';
// The bin runs the compiled CLI; `npm run build` (or `npm start`, which builds first) produces it.
require('../dist/cli.js');
