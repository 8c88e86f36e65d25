// `node dist/bench/profile/index.js [--runs N] [--cpu-prof DIR] [--target reference] [-- docker run args]`:
// where one `docker run --rm <test image> true` spends its time on the reference. Every Node.js
// process the engine starts gets the trace preload (trace-preload.ts) through NODE_OPTIONS, which
// records when the process began, when Node had booted, when our code began and when it exited, on
// the monotonic clock the profiler also stamps each `docker run` with. With --cpu-prof every Node.js
// process also writes a V8 CPU profile into DIR (open in Chrome's DevTools or speedscope).
// Prints, per run, every process that started inside it, as offsets from the CLI's spawn.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BenchEngine, sweepAll, TEST_IMAGE } from '../engines.js';
import { imageTarball } from '../../harness/test-image.js';
import { median } from '../stats.js';

interface TraceLine {
  pid: number;
  argv: string;
  title: string;
  origin: number;
  bootstrapComplete: number;
  preload: number;
  exit: number;
  cpu: number;
}

const { values, positionals } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'cpu-prof': { type: 'string' },
    target: { type: 'string', default: 'reference' },
  },
  allowPositionals: true,
});
const runs = Number(values.runs);
const runArgs = positionals.length ? positionals : ['run', '--rm', TEST_IMAGE, 'true'];
const now = () => Number(process.hrtime.bigint()) / 1e6;

const traceFile = join('/tmp', `dockspec-trace-${process.pid}-${Date.now()}.ndjson`);
const preload = fileURLToPath(new URL('trace-preload.js', import.meta.url));
process.env.DOCKSPEC_TRACE_FILE = traceFile;
const nodeOptions = [`--import=${preload}`];
if (values['cpu-prof']) {
  mkdirSync(values['cpu-prof'], { recursive: true });
  nodeOptions.push('--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`);
}
process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, ...nodeOptions].filter(Boolean).join(' ');

/** What a process is, from its title or argv (the shim's start step and serving shim differ by "start"). */
function role(t: TraceLine): string {
  const words = `${t.title} ${t.argv}`;
  if (/ref-containerd-shim|containerd-shim/.test(words)) return / start( |$)/.test(t.title) || / start$/.test(t.argv) ? 'shim start step' : / delete/.test(words) ? 'shim delete' : 'serving shim';
  if (/ref-runc/.test(words)) return `ref-runc ${RUNC_COMMANDS.exec(t.argv)?.[1] ?? ''}`;
  if (/ref-docker-proxy/.test(words)) return 'ref-docker-proxy';
  if (/ref-containerd/.test(words)) return 'ref-containerd';
  if (/ref-dockerd/.test(words)) return 'ref-dockerd';
  return t.argv.slice(0, 40);
}

/** runc's commands, as the shim and containerd call them. */
const RUNC_COMMANDS = / (create|start|kill|delete|exec|state|ps|pause|resume|update|features|--version)(?: |$)/;

const fmt = (ms: number) => ms.toFixed(0).padStart(5);

async function main(): Promise<void> {
  const e = BenchEngine.create(values.target!);
  const t0 = now();
  const windows: { start: number; end: number }[] = [];
  let ready = t0;
  try {
    const readyMs = await e.timedStart();
    ready = t0 + readyMs;
    await e.docker(['import', imageTarball(), TEST_IMAGE], { timeoutMs: 120000 });
    await e.docker(runArgs);
    for (let i = 0; i < runs; i++) {
      const start = now();
      await e.docker(runArgs);
      windows.push({ start, end: now() });
    }
  } finally {
    await e.dispose();
  }
  const lines = readFileSync(traceFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TraceLine);
  rmSync(traceFile, { force: true });
  const daemons = lines.filter((l) => l.origin >= t0 && l.origin < ready);
  process.stdout.write(`daemon ready (spawn until /_ping answers): ${(ready - t0).toFixed(0)} ms; offsets from the spawn (ms):\n`);
  for (const d of daemons) process.stdout.write(`  ${role(d).padEnd(18)} start ${fmt(d.origin - t0)}  booted ${fmt(d.bootstrapComplete - t0)}  our code ${fmt(d.preload - t0)}\n`);
  const perRole = new Map<string, { boot: number[]; code: number[]; life: number[]; cpu: number[] }>();
  const totals: number[] = [];
  for (const [i, w] of windows.entries()) {
    totals.push(w.end - w.start);
    process.stdout.write(`\nrun ${i + 1}: ${(w.end - w.start).toFixed(0)} ms (offsets from the CLI's spawn, ms)\n`);
    process.stdout.write(`  ${'process'.padEnd(18)} start  booted  our-code  exit   (life, cpu)\n`);
    for (const l of lines.filter((x) => x.origin >= w.start && x.origin < w.end).sort((a, b) => a.origin - b.origin)) {
      const r = role(l);
      process.stdout.write(`  ${r.padEnd(18)} ${fmt(l.origin - w.start)}  ${fmt(l.bootstrapComplete - w.start)}  ${fmt(l.preload - w.start)}  ${fmt(l.exit - w.start)}  (${(l.exit - l.origin).toFixed(0)}, ${l.cpu.toFixed(0)})  ${r.startsWith('ref-runc') ? l.argv.replace(/^.*? (--\S+ \S+ )*/, '').slice(0, 60) : ''}\n`);
      const s = perRole.get(r) ?? { boot: [], code: [], life: [], cpu: [] };
      s.boot.push(l.bootstrapComplete - l.origin);
      s.code.push(l.preload - l.origin);
      s.life.push(l.exit - l.origin);
      s.cpu.push(l.cpu);
      perRole.set(r, s);
    }
  }
  process.stdout.write(`\nmedian over ${windows.length} runs: ${median(totals).toFixed(0)} ms\n`);
  process.stdout.write(`| process | Node boot (ms) | until our code (ms) | process life (ms) | CPU (ms) |\n|---|---|---|---|---|\n`);
  for (const [r, s] of perRole) process.stdout.write(`| ${r} | ${median(s.boot).toFixed(0)} | ${median(s.code).toFixed(0)} | ${median(s.life).toFixed(0)} | ${median(s.cpu).toFixed(0)} |\n`);
}

main().catch(async (err) => {
  await sweepAll();
  process.stderr.write(`profile: ${(err as Error).stack}\n`);
  process.exit(1);
});
