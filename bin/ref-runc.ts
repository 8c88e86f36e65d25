#!/usr/bin/env node
// ref-runc: the reference OCI runtime (runc's command line). Logic in runtime/runc/.
import { main } from '../runtime/runc/cli.js';

process.exitCode = main(process.argv.slice(2));
