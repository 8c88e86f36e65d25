#!/usr/bin/env node
import { main } from '../engine/proxy/main.js';

await main(process.argv.slice(2));
