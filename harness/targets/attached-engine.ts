// An engine the harness did not start: the one DOCKER_HOST names (unix://, tcp:// or ssh://). It
// belongs to someone else and is shared by the scenarios that run in parallel, so the harness
//   - names what a scenario creates with the scenario's own suffix (World.resolve: `--name <app>`),
//     and removes exactly that after the scenario, pass, fail or interrupt;
//   - imports the test image once per engine for the whole run (all workers), labelled, and removes
//     it when the last worker is done, unless the image was there before the run;
//   - counts as "the engine's processes" of a scenario only the daemons and what belongs to that
//     scenario's containers and ports, never the owner's or another scenario's;
//   - keeps what it needs to clean up after a killed worker in files under
//     <DOCKSPEC_WORKDIR>/attached/<engine>/, which sweepAttachedEngines() reads.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORK_ROOT } from '../resources.js';
import { waitForLock } from '../../lib/dir-lock.js';
import { runCommand } from '../run-command.js';
import { descendantsOf, isAlive, listenersOnPort, processExists, ProcessInfo, processName } from '../../lib/proc.js';
import { listeningUnixSockets, removeIfEmpty } from './sweeper.js';
import { Role } from './types.js';
import { HostView, hostViewFor } from './host-view.js';
import { writeJsonAtomic } from '../../lib/atomic-file.js';

export const ATTACHED_DIR = join(WORK_ROOT, 'attached');

/** Every object the suite creates on an engine carries this label (containers inherit it from the image). */
export const LABEL = 'io.dockspec';

/** What a scenario owns on a shared engine: its containers (full ids and addresses) and host ports. */
export interface Owned {
  ids: string[];
  ips: string[];
  ports: number[];
}

interface EngineState {
  dockerHost: string;
  /** the test image's id, and whether this run imported it (then it goes when the run ends) */
  imageId?: string;
  imported?: boolean;
}

async function docker(dockerHost: string, command: string, timeoutMs = 60000): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return runCommand(command, { DOCKER_HOST: dockerHost, DOCKER_CLI_HINTS: 'false' }, timeoutMs);
}

export function engineKey(dockerHost: string): string {
  return createHash('sha256').update(dockerHost).digest('hex').slice(0, 12);
}

/** A lock between the workers of a run (and concurrent runs) on one engine (lib/dir-lock.ts). */
export async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  // The engine's directory is made again on every try: the worker that held the lock may have
  // removed it since (removeEngineDir after the last release; cucumber's workers release together).
  const unlock = await waitForLock(join(dir, 'lock'), { timeoutMs: 120000, makeParent: true });
  try {
    return await fn();
  } finally {
    unlock();
  }
}

/** An engine's directory goes once nothing is recorded in it any more (rmdir fails otherwise). */
function removeEngineDir(dir: string): void {
  removeIfEmpty([join(dir, 'scenarios'), dir]);
}

function readState(dir: string): EngineState | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as EngineState;
  } catch {
    return undefined;
  }
}

// a worker that reads while another writes sees the old state or the new one, never half of it
function writeState(dir: string, state: EngineState): void {
  writeJsonAtomic(join(dir, 'state.json'), state, { durable: false });
}

function liveEntries(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => {
      try {
        return processExists(Number(readFileSync(join(dir, name), 'utf8')));
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

/** Remove the containers (with their anonymous volumes) and networks whose names carry `suffix`. */
export async function removeNamed(dockerHost: string, suffix: string): Promise<string[]> {
  const problems: string[] = [];
  const filter = `--filter name=${suffix}`;
  const c = await docker(dockerHost, `ids=$(docker ps -aq ${filter}); [ -z "$ids" ] || docker rm -f -v $ids >/dev/null`);
  if (c.exitCode !== 0) problems.push(`docker rm -f of the containers named *${suffix}: ${c.stderr.trim()}`);
  const n = await docker(dockerHost, `ids=$(docker network ls -q ${filter}); [ -z "$ids" ] || docker network rm $ids >/dev/null`);
  if (n.exitCode !== 0) problems.push(`docker network rm of the networks named *${suffix}: ${n.stderr.trim()}`);
  const left = await docker(dockerHost, `docker ps -a ${filter} --format '{{.Names}}'; docker network ls ${filter} --format '{{.Name}}'`);
  const names = left.stdout.split('\n').filter(Boolean);
  if (names.length) problems.push(`still on the engine: ${names.join(', ')}`);
  return problems;
}

/** The end of the run on an engine: the test image goes unless it was there before. */
async function finishEngine(dir: string, state: EngineState | undefined): Promise<string[]> {
  const problems: string[] = [];
  if (state?.imported && state.imageId) {
    const r = await docker(state.dockerHost, `docker image inspect ${state.imageId} >/dev/null 2>&1 || exit 0; docker rmi ${state.imageId} >/dev/null`);
    if (r.exitCode !== 0) problems.push(`docker rmi of the test image ${state.imageId}: ${r.stderr.trim()}`);
  }
  rmSync(join(dir, 'state.json'), { force: true });
  rmSync(join(dir, 'users'), { recursive: true, force: true });
  return problems;
}

export class AttachedEngine {
  readonly dir: string;
  readonly host: HostView;
  private pid = 0;
  private pidStart = 0;
  private bridgeInfo?: { name: string; subnet: string };
  private registered = false;

  constructor(
    readonly dockerHost: string,
    private readonly roleNames: Record<Role, string>,
  ) {
    this.dir = join(ATTACHED_DIR, engineKey(dockerHost));
    this.host = hostViewFor(dockerHost);
  }

  /** Note that this worker uses the engine (so the image stays until the last one is done). */
  private register(): void {
    if (this.registered) return;
    mkdirSync(join(this.dir, 'users'), { recursive: true });
    writeFileSync(join(this.dir, 'users', String(process.pid)), String(process.pid));
    this.registered = true;
  }

  /** The test image, imported once per engine and run; `importCmd` is run through the scenario (its transcript). */
  async ensureImage(image: string, importImage: () => Promise<void>): Promise<void> {
    await withLock(this.dir, async () => {
      this.register();
      const state = readState(this.dir) ?? { dockerHost: this.dockerHost };
      const id = (await docker(this.dockerHost, `docker image inspect -f '{{.Id}}' ${image}`)).stdout.trim();
      if (id) {
        // There before the run (no state yet): it is the owner's and stays.
        if (state.imported === undefined) writeState(this.dir, { ...state, imageId: id, imported: false });
        return;
      }
      await importImage();
      const newId = (await docker(this.dockerHost, `docker image inspect -f '{{.Id}}' ${image}`)).stdout.trim();
      writeState(this.dir, { ...state, imageId: newId, imported: state.imported ?? true });
    });
  }

  /** The end of this worker: the last one out removes the test image it imported. */
  async release(): Promise<string[]> {
    if (!this.registered) return [];
    const problems = await withLock(this.dir, async () => {
      rmSync(join(this.dir, 'users', String(process.pid)), { force: true });
      this.registered = false;
      if (liveEntries(join(this.dir, 'users')).length) return [];
      return finishEngine(this.dir, readState(this.dir));
    });
    removeEngineDir(this.dir);
    return problems;
  }

  /** A scenario's suffix is recorded while it runs, so that a sweep can remove its objects after a kill. */
  beginScenario(suffix: string): void {
    mkdirSync(join(this.dir, 'scenarios'), { recursive: true });
    if (!readState(this.dir)) writeState(this.dir, { dockerHost: this.dockerHost });
    writeFileSync(join(this.dir, 'scenarios', suffix), String(process.pid));
  }

  async endScenario(suffix: string): Promise<string[]> {
    const problems = await removeNamed(this.dockerHost, suffix);
    if (!problems.length) rmSync(join(this.dir, 'scenarios', suffix), { force: true });
    return problems;
  }

  /** What a scenario owns now: its containers (by name suffix), their addresses, and its ports. */
  async owned(suffix: string, ports: number[]): Promise<Owned> {
    const r = await docker(
      this.dockerHost,
      `ids=$(docker ps -aq --no-trunc --filter name=${suffix}); [ -z "$ids" ] || docker inspect -f '{{.Id}} {{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' $ids`,
    );
    const ids: string[] = [];
    const ips: string[] = [];
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const [id, ...addrs] = line.trim().split(/\s+/);
      ids.push(id);
      ips.push(...addrs.filter(Boolean));
    }
    return { ids, ips, ports };
  }

  /** The engine daemon: the process that listens on DOCKER_HOST's socket or port, on the engine's host. */
  async daemonPid(): Promise<number> {
    if (this.pid && (await this.host.isAlive(this.pid, this.pidStart))) return this.pid;
    const all = await this.host.listProcesses();
    const daemons = all.filter((p) => processName(p) === this.roleNames.dockerd);
    const address = await this.host.daemonAddress(this.dockerHost);
    let found: ProcessInfo | undefined;
    if (address.socket) {
      const path = this.host.local ? safeRealpath(address.socket) : address.socket;
      for (const d of daemons) if ((await this.host.listeningUnixSockets([d.pid])).some((s) => s === path || s === address.socket)) found = d;
    } else if (address.port) {
      const owners = this.host.local ? listenersOnPort(address.port, all) : await this.host.listenersOnPort(address.port, all);
      found = daemons.find((d) => owners.some((o) => o.process.pid === d.pid));
    }
    if (!found) throw new Error(`no ${this.roleNames.dockerd} process on the engine's host serves ${this.dockerHost} (looked at: ${daemons.map((d) => d.pid).join(', ') || 'none'})`);
    this.pid = found.pid;
    this.pidStart = found.startTime;
    return found.pid;
  }

  /** The bridge of the engine's default network and its subnet, as the engine reports them. */
  async bridge(): Promise<{ name: string; subnet: string }> {
    if (this.bridgeInfo) return this.bridgeInfo;
    const r = await docker(this.dockerHost, `docker network inspect bridge -f '{{index .Options "com.docker.network.bridge.name"}} {{range .IPAM.Config}}{{.Subnet}}{{end}}'`);
    const [name, subnet] = r.stdout.trim().split(/\s+/);
    if (r.exitCode !== 0 || !name || !subnet) throw new Error(`the engine's default bridge network could not be inspected: ${r.stderr.trim() || r.stdout.trim()}`);
    this.bridgeInfo = { name, subnet };
    return this.bridgeInfo;
  }

  /**
   * The engine's processes as one scenario may count them: the daemons (the engine daemon and the
   * containerd below it), and what belongs to the scenario's containers: their shims and
   * everything below those, runtime calls that name them, and the proxies of the scenario's ports
   * or container addresses. Another scenario's or the owner's containers are never counted.
   */
  async processes(owned: Owned, all: ProcessInfo[]): Promise<ProcessInfo[]> {
    const daemonPid = await this.daemonPid();
    const seen = new Map<number, ProcessInfo>();
    const add = (p: ProcessInfo, withChildren: boolean) => {
      if (seen.has(p.pid)) return;
      seen.set(p.pid, p);
      if (withChildren) for (const d of descendantsOf(p.pid, all)) seen.set(d.pid, d);
    };
    const daemon = all.find((p) => p.pid === daemonPid);
    if (daemon) add(daemon, false);
    for (const p of descendantsOf(daemonPid, all)) if (processName(p) === this.roleNames.containerd) add(p, false);
    const ids = new Set(owned.ids);
    const ports = new Set(owned.ports.map(String));
    const ips = new Set(owned.ips);
    for (const p of all) {
      if (p.argv.some((a) => ids.has(a))) add(p, true);
      else if (processName(p) === this.roleNames['docker-proxy']) {
        const arg = (flag: string) => p.argv[p.argv.indexOf(flag) + 1];
        if (ports.has(arg('-host-port')) || ips.has(arg('-container-ip'))) add(p, true);
      }
    }
    return [...seen.values()];
  }
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

const engines = new Map<string, AttachedEngine>();

/** One per engine and worker process. */
export function attachedEngine(dockerHost: string, roleNames: Record<Role, string>): AttachedEngine {
  let e = engines.get(dockerHost);
  if (!e) engines.set(dockerHost, (e = new AttachedEngine(dockerHost, roleNames)));
  return e;
}

export function attachedEngines(): AttachedEngine[] {
  return [...engines.values()];
}

/**
 * After workers were killed (Ctrl-C, a crash): remove the objects of scenarios whose worker is
 * gone, and when no worker of a run is left, the test image that run imported. Returns how many
 * scenarios it cleaned up after.
 */
export async function sweepAttachedEngines(): Promise<number> {
  let dirs: string[];
  try {
    dirs = readdirSync(ATTACHED_DIR).map((d) => join(ATTACHED_DIR, d));
  } catch {
    return 0;
  }
  let n = 0;
  for (const dir of dirs) {
    const state = readState(dir);
    if (!state) continue;
    await withLock(dir, async () => {
      const scenariosDir = join(dir, 'scenarios');
      const live = new Set(liveEntries(scenariosDir));
      for (const suffix of existsSync(scenariosDir) ? readdirSync(scenariosDir) : []) {
        if (live.has(suffix)) continue;
        const problems = await removeNamed(state.dockerHost, suffix);
        if (!problems.length) rmSync(join(scenariosDir, suffix), { force: true });
        n++;
      }
      if (!liveEntries(join(dir, 'users')).length && !liveEntries(scenariosDir).length) await finishEngine(dir, state);
    });
    removeEngineDir(dir);
  }
  return n;
}

export { isAlive };
