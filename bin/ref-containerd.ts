#!/usr/bin/env node
import { main } from '../engine/containerd/daemon.js';
import { announceFaults } from '../lib/faults.js';

// ref-containerd can be started on its own (--containerd): it checks the fault switches too.
announceFaults('ref-containerd');

await main(process.argv.slice(2));
