#!/usr/bin/env node
import { main } from '../engine/containerd/daemon.js';

await main(process.argv.slice(2));
