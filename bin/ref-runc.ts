#!/usr/bin/env node
// ref-runc: the reference OCI runtime (runc's command line). Logic in runtime/runc/.
import { main } from '../runtime/runc/cli.js';
import { pinNode } from '../lib/node-path.js';

// What this daemon starts runs on this daemon's Node, whatever PATH says (lib/node-path.ts).
pinNode();

// Shown by ps as "ref-runc" rather than "node", so a left-over runtime process is easy to spot.
process.title = 'ref-runc';
process.exitCode = await main(process.argv.slice(2));
