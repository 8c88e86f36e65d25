#!/usr/bin/env node
import { main } from '../engine/proxy/main.js';
import { pinNode } from '../lib/node-path.js';

// What this daemon starts runs on this daemon's Node, whatever PATH says (lib/node-path.ts).
pinNode();

await main(process.argv.slice(2));
