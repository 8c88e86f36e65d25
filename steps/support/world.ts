// The typed World: one per scenario. It owns the engine(s) the scenario started, the values that
// fill placeholders, the last command's result, and the clean-up that must run whatever happens.
import { World, IWorldOptions, setWorldConstructor } from '@cucumber/cucumber';
import { getTarget, Target } from '../../harness/targets/index.js';
import { ManagedEngine } from '../../harness/targets/managed-engine.js';
import { EngineOptions, Role, ROLES } from '../../harness/targets/types.js';
import { engineProcesses } from '../../harness/targets/sweeper.js';
import { AttachedEngine, attachedEngine, LABEL, Owned } from '../../harness/targets/attached-engine.js';
import { HostView, localHost } from '../../harness/targets/host-view.js';
import { CommandResult, runCommand } from '../../harness/run-command.js';
import type { ContainerBeforeOutage, ExternalContainerd } from './engine-control.js';
import type { ContainerCgroup } from './cgroups.js';
import type { SshServer } from './transports/sshd.js';
import { freePort, release, shortId } from '../../harness/resources.js';
import { imageTarball, TEST_IMAGE } from '../../harness/test-image.js';
import type { EventStream } from './event-stream.js';
import type { TerminalSession } from './terminal.js';
import { NOT_CONTROLLED } from '../../reports/run-info.js';
import { SNAPSHOT_MEDIA_TYPE, SnapshotProcess, ProcessSnapshot } from '../../lib/process-snapshot.js';
import { descendantsOf, listProcesses, ProcessInfo, processName, tcpListeners, socketInodes } from '../../lib/proc.js';

export interface DockspecParameters {
  target: string;
}

export type { SnapshotProcess, ProcessSnapshot } from '../../lib/process-snapshot.js';
export { SNAPSHOT_MEDIA_TYPE };

export class DockspecWorld extends World<DockspecParameters> {
  readonly target: Target;
  /** engines started by this scenario; the first is "the engine" */
  readonly engines: ManagedEngine[] = [];
  /** values of <placeholders> */
  readonly vars = new Map<string, string>();
  last?: CommandResult;
  /** run in reverse order after the scenario, before the engines are swept */
  readonly cleanups: Array<() => Promise<void> | void> = [];
  private readonly claimedPorts: number[] = [];
  private readonly imported = new Set<ManagedEngine | 'attached'>();
  /** environment that every later command of the scenario gets (e.g. PATH with an ssh wrapper) */
  readonly clientEnv: NodeJS.ProcessEnv = {};
  /**
   * Ends every name this scenario gives (`--name <app>` → app-dsp1a2b3c4d): scenarios that share
   * an engine (attached mode, parallel workers) never collide, and the After hook removes exactly
   * what carries it.
   */
  readonly suffix = `dsp${shortId()}`;
  /** the engine DOCKER_HOST names, when the target is attached to it */
  readonly attachedEngine?: AttachedEngine;
  private ownedCache?: Owned;
  /** the `docker events` this scenario left running (events.steps.ts) */
  eventStream?: EventStream;
  /** State.Pid of containers when a step noted it, by container name (restart.steps.ts) */
  readonly notedPids = new Map<string, number>();
  /** terminals the scenario opened for the docker CLI (terminal.ts); the last is "the terminal" */
  readonly terminals: TerminalSession[] = [];
  /** cgroup files a scenario found frozen: thawed at its end, so that nothing stays stuck */
  readonly frozenCgroups = new Set<string>();

  // ---- what a step notes for later steps of the same scenario --------------------------------
  /** the process(es) "it" refers to (support/processes.ts) */
  subject?: ProcessInfo[];
  /** containers as they were just before the daemons were killed, by name (support/engine-control.ts) */
  readonly beforeOutage = new Map<string, ContainerBeforeOutage>();
  /** a second engine daemon started with the first one's pid file */
  secondEngine?: ManagedEngine;
  /** the containerd the scenario runs for its engine, outside the engine daemon */
  externalContainerd?: ExternalContainerd;
  /** what `ctr events`, left running, has printed so far */
  containerdEvents?: { output: string };
  /** a container's PID 1 and shim as they were when noted, by container name */
  readonly notedShims = new Map<string, { pid: number; startTime: number; shimPid: number; shimStart: number }>();
  /** what ps inside a container listed besides itself */
  seenInside?: Array<{ container: string; pid: number; args: string }>;
  /** the bridge a container's veth was found attached to */
  vethBridge?: string;
  /** containers' cgroups as last read, by container name */
  readonly cgroups = new Map<string, ContainerCgroup>();
  /** a command the scenario left running in the background */
  background?: Promise<CommandResult>;
  /** the ssh server the scenario started */
  sshServer?: SshServer;

  constructor(options: IWorldOptions<DockspecParameters>) {
    super(options);
    this.target = getTarget(options.parameters.target ?? 'reference');
    if (this.target.info.mode === 'attached') this.attachedEngine = attachedEngine(process.env.DOCKER_HOST!, this.target.info.roleNames);
  }

  get attached(): boolean {
    return this.target.info.mode === 'attached';
  }

  /** The machine the engine runs on, as process-observing steps read it (through ssh for ssh://). */
  get host(): HostView {
    return this.attachedEngine?.host ?? localHost;
  }

  /** Skip the scenario: the engine is attached, and this would need to start or reconfigure it. */
  skipNotControlled(why: string): 'skipped' {
    this.attach(`skipped: ${NOT_CONTROLLED}: it is attached through ${process.env.DOCKER_HOST}, and ${why}`, 'text/plain');
    return 'skipped';
  }

  /**
   * For steps that read the engine's host in ways only this machine allows (its network, its
   * files by inode, its cgroup tree sampled every few milliseconds): 'skipped', with the reason
   * attached, when the engine runs elsewhere.
   */
  skipUnlessLocalHost(what: string): 'skipped' | undefined {
    if (this.host.local) return undefined;
    this.attach(`skipped: the engine runs on ${this.host.description}; this step ${what}, which dockspec does only on the machine it runs on`, 'text/plain');
    return 'skipped';
  }

  /** The engine under test; a step that needs one it cannot have fails with a clear message. */
  get engine(): ManagedEngine {
    const e = this.engines[0];
    if (!e) throw new Error('this step needs an engine the harness manages: add "Given a running engine" before it');
    return e;
  }

  get dockerHost(): string {
    if (this.attached && !this.engines.length) return process.env.DOCKER_HOST!;
    return this.engine.dockerHost;
  }

  /** Environment for commands a person would type against the engine. */
  commandEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { DOCKER_CLI_HINTS: 'false' };
    if (this.engines.length || this.attached) env.DOCKER_HOST = this.dockerHost;
    // An explicit DOCKER_HOST in `extra` wins: the After hook reaches each engine it cleans up.
    return { ...env, ...this.clientEnv, ...extra };
  }

  roleName(role: Role): string {
    return this.target.info.roleNames[role];
  }

  /**
   * A managed engine, registered for cleanup, whose <engine_dir> and <sock> placeholders are known
   * before it starts, so that its -H flags can name its own socket.
   */
  newEngine(): ManagedEngine {
    const engine = this.target.newEngine();
    this.engines.push(engine);
    this.vars.set('engine_dir', engine.root);
    this.vars.set('sock', engine.defaultSocket);
    return engine;
  }

  /**
   * Start a managed engine (not in attached mode). An engine made with newEngine() and not started
   * yet is the one started: a step may prepare what the daemon will be given inside its directory
   * (an external containerd, a runtime wrapper) before "a running engine started with …".
   */
  async startEngine(opts: EngineOptions = {}): Promise<ManagedEngine> {
    const engine = this.engines.find((e) => e.daemonPid === 0) ?? this.newEngine();
    await engine.start(opts);
    return engine;
  }

  async ensureImage(name = TEST_IMAGE): Promise<void> {
    const key = this.engines[0] ?? 'attached';
    if (this.imported.has(key)) return;
    if (name.replace(/:latest$/, '') !== TEST_IMAGE.replace(/:latest$/, '')) {
      throw new Error(`only the test image ${TEST_IMAGE} can be provided (no registry access); got ${name}`);
    }
    // Labelled, so that every container made from it carries the label too (`docker ps --filter label=io.dockspec`).
    const importImage = async () => {
      const r = await this.run(`docker import --change 'LABEL ${LABEL}=test-image' ${imageTarball()} ${TEST_IMAGE}`, 120000);
      if (r.exitCode !== 0) throw new Error(`docker import failed (${r.exitCode}): ${r.stderr}`);
    };
    // An attached engine gets it once per run, whichever worker asks first (attached-engine.ts).
    if (this.attachedEngine && !this.engines.length) await this.attachedEngine.ensureImage(TEST_IMAGE, importImage);
    else await importImage();
    this.imported.add(key);
  }

  /**
   * Replace <name> placeholders; <port>, <port2>, <hostport>… get a free port on first use, and a
   * placeholder given to `--name` (`--name <app>`) a name of this scenario's own on first use.
   */
  async resolve(text: string): Promise<string> {
    for (const m of text.matchAll(/--name[ =]<([a-z][a-z0-9_]*)>/g)) this.containerName(m[1]);
    const names = [...text.matchAll(/<([a-z][a-z0-9_]*)>/g)].map((m) => m[1]);
    for (const name of names) {
      if (this.vars.has(name)) continue;
      if (/port/.test(name)) {
        const port = await freePort();
        this.claimedPorts.push(port);
        this.vars.set(name, String(port));
      } else {
        throw new Error(`placeholder <${name}> has no value in this scenario`);
      }
    }
    return text.replace(/<([a-z][a-z0-9_]*)>/g, (_, n: string) => this.vars.get(n)!);
  }

  /** The scenario's own name for `base` (a placeholder's name): base-<suffix>, made on first use. */
  containerName(base: string): string {
    if (!this.vars.has(base)) {
      this.vars.set(base, `${base}-${this.suffix}`);
      this.attachedEngine?.beginScenario(this.suffix);
    }
    return this.vars.get(base)!;
  }

  async run(command: string, timeoutMs = 60000, extraEnv: NodeJS.ProcessEnv = {}, input?: string): Promise<CommandResult> {
    // Any command may create or remove containers: what the scenario owns is looked up again.
    this.ownedCache = undefined;
    const result = await runCommand(command, this.commandEnv(extraEnv), timeoutMs, input);
    this.attach(
      `$ ${command}\n[exit ${result.exitCode}${result.timedOut ? ', killed at its deadline' : ''}, ${result.durationMs} ms]\n` +
        (result.stdout ? `--- stdout ---\n${result.stdout}` : '') +
        (result.stderr ? `--- stderr ---\n${result.stderr}` : ''),
      'text/plain',
    );
    return result;
  }

  /** Run and require exit 0, returning trimmed stdout. */
  async must(command: string, timeoutMs = 60000): Promise<string> {
    const r = await this.run(command, timeoutMs);
    if (r.exitCode !== 0) throw new Error(`"${command}" failed with exit code ${r.exitCode}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout.trim();
  }

  /** The host PID of a container's PID 1, from `docker inspect`. */
  async containerPid(nameOrId: string): Promise<number> {
    const pid = Number(await this.must(`docker inspect -f '{{.State.Pid}}' ${nameOrId}`));
    if (!pid) throw new Error(`container ${nameOrId} has no running process (State.Pid is 0)`);
    return pid;
  }

  /** Every process on the engine's host (this machine's /proc, or the remote one's through ssh). */
  listProcesses(): Promise<ProcessInfo[]> {
    return this.host.listProcesses();
  }

  /**
   * The engine's processes (daemons, shims, containers, proxies) as the kernel shows them. On a
   * managed engine that is everything the engine runs; on an attached one, shared with its owner
   * and other scenarios, the daemons and what belongs to this scenario's containers and ports.
   */
  async engineProcesses(all?: ProcessInfo[]): Promise<ProcessInfo[]> {
    const procs = all ?? (await this.listProcesses());
    if (this.engines.length || !this.attachedEngine) return this.managedProcesses(procs);
    this.ownedCache ??= await this.attachedEngine.owned(this.suffix, [...this.claimedPorts]);
    return this.attachedEngine.processes(this.ownedCache, procs);
  }

  private managedProcesses(all: ProcessInfo[]): ProcessInfo[] {
    return this.engines.flatMap((e) => engineProcesses(e.record, all));
  }

  /** The pid of the engine daemon (on the engine's host). */
  async daemonPid(): Promise<number> {
    if (this.engines.length || !this.attachedEngine) return this.engine.daemonPid;
    return this.attachedEngine.daemonPid();
  }

  /** The engine daemon and everything below it. */
  async daemonTree(all?: ProcessInfo[]): Promise<Set<number>> {
    const pid = await this.daemonPid();
    const procs = all ?? (await this.listProcesses());
    return new Set([pid, ...descendantsOf(pid, procs).map((p) => p.pid)]);
  }

  /** The bridge of the engine's default network and its subnet (CIDR). */
  async bridge(): Promise<{ name: string; subnet: string }> {
    if (this.engines.length || !this.attachedEngine) return { name: this.engine.bridge, subnet: this.engine.subnet.network };
    return this.attachedEngine.bridge();
  }

  roleOf(p: ProcessInfo): Role | undefined {
    const name = processName(p);
    return ROLES.find((r) => this.roleName(r) === name);
  }

  /** Processes of the engine playing a role, e.g. every docker-proxy. */
  async processesOfRole(role: Role, all?: ProcessInfo[]): Promise<ProcessInfo[]> {
    return (await this.engineProcesses(all)).filter((p) => this.roleOf(p) === role);
  }

  snapshot(label: string): ProcessSnapshot | undefined {
    if (!this.engines.length) return undefined;
    const all = listProcesses();
    const listeners = tcpListeners();
    const procs = this.managedProcesses(all).map((p): SnapshotProcess => {
      const inodes = socketInodes(p.pid);
      return {
        pid: p.pid,
        ppid: p.ppid,
        pgid: p.pgid,
        sid: p.sid,
        state: p.state,
        name: processName(p),
        argv: p.argv,
        nspid: p.nspid,
        role: this.roleOf(p),
        listens: listeners.filter((l) => inodes.has(l.inode)).map((l) => (l.family === 6 ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`)),
      };
    });
    const snap: ProcessSnapshot = { label, target: this.target.info.name, daemonPid: this.engine.daemonPid, processes: procs };
    this.attach(JSON.stringify(snap), SNAPSHOT_MEDIA_TYPE);
    return snap;
  }

  releasePorts(): void {
    for (const p of this.claimedPorts.splice(0)) release('port', p);
  }
}

setWorldConstructor(DockspecWorld);
