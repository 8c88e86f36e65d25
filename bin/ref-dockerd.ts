#!/usr/bin/env node
// ref-dockerd: the reference engine's dockerd. Everything is in engine/dockerd/.
import { main } from '../engine/dockerd/main.js';
import { announceFaults } from '../lib/faults.js';
import { pinNode } from '../lib/node-path.js';

// What this daemon starts runs on this daemon's Node, whatever PATH says (lib/node-path.ts).
pinNode();

// A misspelt fault switch (lib/faults.ts) stops the daemon before it does anything.
announceFaults('ref-dockerd');

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`ref-dockerd: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
