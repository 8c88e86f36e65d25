#!/usr/bin/env node
import { main } from '../engine/containerd/daemon.js';
import { announceFaults } from '../lib/faults.js';
import { pinNode } from '../lib/node-path.js';

// What this daemon starts runs on this daemon's Node, whatever PATH says (lib/node-path.ts).
pinNode();

// ref-containerd can be started on its own (--containerd): it checks the fault switches too.
announceFaults('ref-containerd');

await main(process.argv.slice(2));
