// Loaded into every reference Node.js process by `node dist/bench/profile/index.js`
// (NODE_OPTIONS=--import): when the process exits it appends one JSON line to $DOCKSPEC_TRACE_FILE
// with Node's own start milestones and the moment our code began, all on CLOCK_MONOTONIC
// (process.hrtime), so the lines of different processes and the profiler's own timestamps share
// one time base.
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const file = process.env.DOCKSPEC_TRACE_FILE;
if (file) {
  // performance.now() counts from timeOrigin (the process's start): anchor it on the monotonic clock.
  const preload = Number(process.hrtime.bigint()) / 1e6;
  const origin = preload - performance.now();
  const argv = process.argv.slice(1).map((a) => a.replace(/^.*\/dist\//, 'dist/')).join(' ');
  process.on('exit', () => {
    const t = performance.nodeTiming;
    const line = {
      pid: process.pid,
      argv,
      title: process.title,
      origin,
      bootstrapComplete: origin + t.bootstrapComplete,
      preload,
      exit: Number(process.hrtime.bigint()) / 1e6,
      // CPU time of the whole process (user + system), less disturbed by other load than wall time
      cpu: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    };
    appendFileSync(file, JSON.stringify(line) + '\n');
  });
}
