#!/usr/bin/env node
// Committed shim: npm links bins at install time, before `prepare` has built dist/.
require('../dist/bin.js');
