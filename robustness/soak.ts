// Crash safety soak: container lifecycles (create with a published port, start, exec, stop, rm)
// through the real docker CLI against ref-dockerd --live-restore, while ref-dockerd, its
// ref-containerd or a shim is killed with SIGKILL at random moments (by pid, from the engine's own
// process tree), and ref-dockerd is started again when it died. Then every container is accounted
// for and nothing is left behind.
//
//   node dist/robustness/soak.js [--iterations N] [--seconds S] [--seed X] [--workers W] [--kill dockerd,containerd,shim]
//   (SOAK_SECONDS, SOAK_ITERATIONS, SOAK_SEED, SOAK_KILL do the same from the environment)
//
// --kill narrows the victims to the kinds listed (default: all three, 30/25/45 %), to put one
// recovery path under load, e.g. `--kill containerd` for ref-dockerd restarting its ref-containerd
// and ref-containerd reconnecting to live shims.
//
// Exit 0 when no container was lost, none is in an impossible state, and no process, mount, veth
// or proxy outlived the engine.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { getTarget } from '../harness/targets/index.js';
import type { ManagedEngine } from '../harness/targets/managed-engine.js';
import { isAlive } from '../lib/proc.js';
import { scaled } from '../lib/time-scale.js';
import { importTestImage } from './corpus-run.js';
import { IMAGE } from './corpus.js';
import { leftovers, roleProcesses, Victim } from './engine-probe.js';
import { pollUntil } from '../lib/poll.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SoakOptions {
  iterations: number;
  seconds: number;
  seed: number;
  workers: number;
  /** the kinds of process the chaos loop may kill; default all */
  kill?: Victim[];
  log?: (line: string) => void;
}

export const VICTIMS: readonly Victim[] = ['dockerd', 'containerd', 'shim'];
const WEIGHTS: Record<Victim, number> = { dockerd: 0.3, containerd: 0.25, shim: 0.45 };

/** A victim kind by weight among the allowed ones. */
function pickKind(roll: number, allowed: readonly Victim[]): Victim {
  const total = allowed.reduce((n, k) => n + WEIGHTS[k], 0);
  let acc = 0;
  for (const k of allowed) {
    acc += WEIGHTS[k] / total;
    if (roll < acc) return k;
  }
  return allowed[allowed.length - 1]!;
}

export function parseKill(v: string | undefined): Victim[] {
  if (!v) return [...VICTIMS];
  const kinds = v.split(',').map((k) => k.trim()).filter(Boolean);
  for (const k of kinds) if (!VICTIMS.includes(k as Victim)) throw new Error(`--kill: unknown kind ${k} (one of ${VICTIMS.join(', ')})`);
  return kinds as Victim[];
}

export interface SoakFigures {
  seed: number;
  lifecycles: number;
  interrupted: number;
  kills: Record<Victim, number>;
  recoveries: number;
  containersCreated: number;
  removed: number;
  listedAtEnd: number;
  failures: string[];
  /** why lifecycles were cut, counted */
  errors: Record<string, number>;
  seconds: number;
}

/** mulberry32: a small seeded generator, so that a run can be repeated with --seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Errors of an engine that is down or coming back: worth another try. */
const TRANSIENT = /Cannot connect to the Docker daemon|connection refused|EOF|connection reset|context deadline|Is the docker daemon running|transport|unavailable|timed out/i;


interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function docker(engine: ManagedEngine, args: string[], timeoutMs = 40000): Promise<Result> {
  return new Promise((resolve) => {
    execFile('docker', args, { env: { ...process.env, DOCKER_HOST: engine.dockerHost, DOCKER_CLI_HINTS: 'false' }, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 124) : 0;
      resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

/** Retry a command through outages: the daemon may be down or restarting for a few seconds. */
async function retry(engine: ManagedEngine, args: string[], ok: (r: Result) => boolean, ms = 60000): Promise<Result> {
  let r!: Result;
  await pollUntil(async () => ok((r = await docker(engine, args))), { timeoutMs: ms, intervalMs: 500 });
  return r;
}

export async function soak(opts: SoakOptions): Promise<SoakFigures> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const random = rng(opts.seed);
  const figures: SoakFigures = {
    seed: opts.seed,
    lifecycles: 0,
    interrupted: 0,
    kills: { dockerd: 0, containerd: 0, shim: 0 },
    recoveries: 0,
    containersCreated: 0,
    removed: 0,
    listedAtEnd: 0,
    failures: [],
    errors: {},
    seconds: 0,
  };
  const t0 = Date.now();
  const engine = getTarget('reference').newEngine();
  const flags = ['--live-restore'];
  /** name → what the soak knows: created (create said so), removed (rm said so), unsure (create's answer was lost) */
  const known = new Map<string, 'created' | 'removed' | 'unsure'>();
  let stopping = false;
  let restarting: Promise<void> | undefined;

  const ensureDaemon = async () => {
    if (engine.running) return;
    restarting ??= (async () => {
      await engine.start({ flags });
      figures.recoveries++;
      log(`# soak: ref-dockerd started again (pid ${engine.daemonPid})`);
    })().finally(() => (restarting = undefined));
    await restarting;
  };

  const lifecycle = async (n: number) => {
    const name = `soak-${n}`;
    const steps: Array<[string, string[]]> = [
      ['create', ['create', '--name', name, '-p', '127.0.0.1::80', IMAGE, 'sleep', '300']],
      ['start', ['start', name]],
      ['exec', ['exec', name, 'true']],
      ['stop', ['stop', '-t', '1', name]],
      ['rm', ['rm', name]],
    ];
    for (const [what, args] of steps) {
      // a step cut by an outage is tried again until the engine answers; its first answer may
      // have been lost, so "already in use" after a create and "No such container" after an rm
      // mean the earlier try did it
      const until = Date.now() + 45000;
      let r: Result;
      for (;;) {
        // only the chaos loop restarts the daemon: two starts at once would race for its roots
        await restarting;
        r = await docker(engine, args);
        if (r.code === 0 || Date.now() > until || !TRANSIENT.test(r.stderr)) break;
        await sleep(300);
      }
      if (what === 'create') {
        if (r.code === 0) figures.containersCreated++;
        known.set(name, r.code === 0 ? 'created' : 'unsure');
        if (/is already in use/.test(r.stderr)) continue;
      }
      if (what === 'rm' && /No such container/.test(r.stderr)) r = { ...r, code: 0 };
      if (r.code !== 0) {
        // the container is left as it is, for the final accounting
        figures.interrupted++;
        const why = r.stderr.split('\n')[0].replace(/[0-9a-f]{12,64}/g, '<id>').slice(0, 140);
        figures.errors[`${what}: ${why}`] = (figures.errors[`${what}: ${why}`] ?? 0) + 1;
        return;
      }
      if (what === 'rm') {
        known.set(name, 'removed');
        figures.removed++;
      }
    }
    figures.lifecycles++;
  };

  const chaos = async () => {
    while (!stopping) {
      await sleep(1500 + random() * 3000);
      if (stopping) return;
      const kind = pickKind(random(), opts.kill?.length ? opts.kill : VICTIMS);
      const candidates = roleProcesses(engine, kind);
      if (!candidates.length) continue;
      const victim = candidates[Math.floor(random() * candidates.length)];
      try {
        process.kill(victim.pid, 'SIGKILL');
        figures.kills[kind]++;
        log(`# soak: SIGKILL ${kind} pid ${victim.pid} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      } catch {
        continue;
      }
      if (kind === 'dockerd') {
        // the harness must see this daemon's exit before it starts the next one
        await engine.waitExit(10000).catch(() => undefined);
        await sleep(200 + random() * 1500);
        await ensureDaemon().catch((err: Error) => figures.failures.push(`restart of ref-dockerd failed: ${err.message.split('\n')[0]}`));
      }
    }
  };

  try {
    await engine.start({ flags });
    await importTestImage(engine);
    const deadline = t0 + opts.seconds * 1000;
    let next = 0;
    const chaosDone = chaos();
    const worker = async () => {
      while (next < opts.iterations && Date.now() < deadline) {
        const n = next++;
        await lifecycle(n);
      }
    };
    await Promise.all(Array.from({ length: opts.workers }, worker));
    stopping = true;
    await chaosDone;
    await ensureDaemon();

    // ---- accounting: every container the soak made is listed, or it removed it -----------
    // ref-dockerd restarts a killed containerd by itself; give it time before judging states
    const ps = await retry(engine, ['ps', '-a', '--format', '{{.Names}} {{.State}}'], (r) => r.code === 0);
    if (ps.code !== 0) figures.failures.push(`docker ps -a failed at the end: ${ps.stderr}`);
    const listed = new Map(ps.stdout.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
    figures.listedAtEnd = listed.size;
    for (const [name, fate] of known) {
      const state = listed.get(name);
      if (fate === 'removed' && state) figures.failures.push(`${name} was removed (docker rm succeeded) but is listed as ${state}`);
      if (fate === 'created' && !state) figures.failures.push(`${name} was created but is lost: not listed by docker ps -a`);
      if (state && !['created', 'running', 'exited'].includes(state)) figures.failures.push(`${name} is in state ${state}`);
    }
    for (const name of listed.keys()) if (!known.has(name)) figures.failures.push(`${name} is listed but the soak never made it`);
    // a container said to run has a live process
    for (const [name, state] of listed) {
      if (state !== 'running') continue;
      const pid = Number((await docker(engine, ['inspect', '--format', '{{.State.Pid}}', name])).stdout);
      if (!(pid > 0 && isAlive(pid))) figures.failures.push(`${name} is listed running but its pid ${pid} is not alive`);
    }

    // ---- clean up through the API, then nothing may be left --------------------------------
    if (listed.size) {
      const rm = await retry(engine, ['rm', '-f', ...listed.keys()], (r) => r.code === 0);
      if (rm.code !== 0) figures.failures.push(`docker rm -f of the survivors failed: ${rm.stderr.split('\n')[0]}`);
    }
    await engine.stop();
    // A shim ends on its own after containerd's Shutdown, which may come after dockerd's answer
    // to rm -f; under load that took over 500 ms. What is still there after 5 s is left behind.
    let left: string[] = [];
    await pollUntil(() => !(left = leftovers(engine)).length, { timeoutMs: scaled(5000), intervalMs: 250 });
    for (const l of left) figures.failures.push(`left after rm -f and daemon stop: ${l}`);
  } catch (err) {
    figures.failures.push(`soak aborted: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    stopping = true;
    await engine.stop().catch(() => undefined);
    if (figures.failures.length) keepLogs(engine, figures.seed, log);
    if (figures.failures.length) log(`# soak: daemon log tail:\n${engine.logTail(400).split("\n").filter((l) => /level=(error|warning)/.test(l)).slice(-12).join("\n")}`);
    const problems = await engine.cleanup();
    for (const p of problems) figures.failures.push(`sweep: ${p}`);
    figures.seconds = Math.round((Date.now() - t0) / 100) / 10;
  }
  return figures;
}

/** The engine's directory goes with the sweep: keep the daemons' logs of a failed run for reading. */
function keepLogs(engine: ManagedEngine, seed: number, log: (l: string) => void): void {
  const dir = `/tmp/dockspec-soak-${seed}`;
  try {
    mkdirSync(dir, { recursive: true });
    copyFileSync(engine.logFile, join(dir, 'dockerd.log'));
    copyFileSync(join(engine.dataRoot, 'containerd', 'containerd.log'), join(dir, 'containerd.log'));
    log(`# soak: logs kept in ${dir}`);
  } catch {
    // a log that was never written
  }
}

export function formatFigures(f: SoakFigures): string {
  return (
    `soak (seed ${f.seed}, ${f.seconds} s): ${f.lifecycles} lifecycles done, ${f.interrupted} interrupted by kills; ` +
    `kills: dockerd ${f.kills.dockerd}, containerd ${f.kills.containerd}, shim ${f.kills.shim}; ` +
    `recoveries ${f.recoveries}; containers created ${f.containersCreated}, removed ${f.removed}, left listed ${f.listedAtEnd}; ` +
    `${Object.keys(f.errors).length ? `cut by: ${Object.entries(f.errors).map(([k, v]) => `${v}× ${k}`).join('; ')}; ` : ''}` +
    `failures ${f.failures.length}${f.failures.length ? `:\n  ${f.failures.join('\n  ')}` : ''}`
  );
}

export async function soakMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { iterations: { type: 'string' }, seconds: { type: 'string' }, seed: { type: 'string' }, workers: { type: 'string' }, kill: { type: 'string' } },
  });
  const num = (v: string | undefined, env: string | undefined, dflt: number) => Number(v ?? env ?? dflt);
  const f = await soak({
    iterations: num(values.iterations, process.env.SOAK_ITERATIONS, 200),
    seconds: num(values.seconds, process.env.SOAK_SECONDS, 120),
    seed: num(values.seed, process.env.SOAK_SEED, Date.now() % 100000),
    workers: num(values.workers, process.env.SOAK_WORKERS, 3),
    kill: parseKill(values.kill ?? process.env.SOAK_KILL),
  });
  process.stdout.write(`${formatFigures(f)}\n`);
  return f.failures.length ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await soakMain(process.argv.slice(2));
}
