#!/usr/bin/env node
console.error('kong-sim: not built yet');
process.exitCode = 1;
