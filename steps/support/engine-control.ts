// Controlling the engine's daemons from steps of several areas: the engine a step prepares before
// it starts, its paths as placeholders, and killing and restarting it with what a restart must find
// again noted first.
import type { DockspecWorld } from './world.js';
import type { ManagedEngine } from '../../harness/targets/managed-engine.js';
import { eventually } from '../../harness/run-command.js';
import { isAlive, listProcesses, readProcess } from '../../lib/proc.js';

/** What a container looked like just before the daemons were killed. */
export interface ContainerBeforeOutage {
  name: string;
  pid: number;
  pidStartTime: number;
  shimPid: number;
  address: string;
  lastLogLine: string;
}

/** An external containerd a scenario runs for its engine (not started by the engine daemon). */
export interface ExternalContainerd {
  argv: string[];
  address: string;
  pid: number;
  dir: string;
}

/** The engine's placeholders, so that scenarios can name its files as a person would. */
export function exposeEnginePaths(world: DockspecWorld, engine: ManagedEngine): void {
  world.vars.set('exec_root', engine.execRoot);
  world.vars.set('data_root', engine.dataRoot);
  world.vars.set('pidfile', engine.pidFile);
}

/** The engine that the next "a running engine…" step will start: made now if there is none yet. */
export function preparedEngine(world: DockspecWorld): ManagedEngine {
  return world.engines.find((e) => e.daemonPid === 0) ?? world.newEngine();
}

/** The engine under test, its paths made placeholders for the steps that follow. */
export function engineOf(world: DockspecWorld): ManagedEngine {
  const e = world.engine;
  exposeEnginePaths(world, e);
  return e;
}

/** Kill the engine daemon outright and note what a restart must find again. */
export async function killEngineDaemon(world: DockspecWorld): Promise<void> {
  const engine = engineOf(world);
  const names = (await world.must(`docker ps --format '{{.Names}}'`)).split('\n').filter(Boolean);
  const all = listProcesses();
  for (const name of names) {
    const pid = await world.containerPid(name);
    const p = all.find((x) => x.pid === pid);
    const address = await world.must(`docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' ${name}`);
    const logs = await world.run(`docker logs --tail 1 ${name}`);
    world.beforeOutage.set(name, {
      name,
      pid,
      pidStartTime: p?.startTime ?? 0,
      shimPid: p?.ppid ?? 0,
      address,
      lastLogLine: (logs.stdout + logs.stderr).trim(),
    });
  }
  const containerds = await world.processesOfRole('containerd', all);
  world.snapshot('before the engine daemon is killed');
  const killedAt = Date.now();
  engine.signal('SIGKILL');
  // a containerd started beside the daemon (the containerd variants) is the other daemon
  engine.killSeparateContainerd();
  await engine.waitExit(5000);
  // Its containerd dies with it (parent-death signal), but the zombie is reaped by PID 1 in its own
  // time; a daemon started before that finds containerd's pid file naming a "live" pid and waits
  // for a socket nobody serves ("timeout waiting for containerd to start"). So "killed" means:
  // both daemons gone from /proc, as a person would check with ps before starting again.
  await eventually('the engine\'s containerd to die with it and leave /proc', () => containerds.every((c) => !isAlive(c.pid, c.startTime) && readProcess(c.pid)?.startTime !== c.startTime), 15000, 50);
  world.attach(`the engine daemon and its containerd were gone ${Date.now() - killedAt} ms after SIGKILL`, 'text/plain');
}

export async function restartEngine(world: DockspecWorld): Promise<void> {
  const engine = engineOf(world);
  if (engine.running) throw new Error(`the engine daemon (pid ${engine.daemonPid}) is still running; stop or kill it first`);
  await engine.start({ hosts: engine.hosts, flags: engine.flags, clientHost: engine.dockerHost });
}
