#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { main } from '../runtime/shim/main.js';
import { pinNode } from '../lib/node-path.js';

// What this daemon starts runs on this daemon's Node, whatever PATH says (lib/node-path.ts).
pinNode();

await main(process.argv.slice(2), fileURLToPath(import.meta.url));
