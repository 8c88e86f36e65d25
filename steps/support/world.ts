// The typed World: one per scenario. It owns the engine(s) the scenario started, the values that
// fill placeholders, the last command's result, and the clean-up that must run whatever happens.
import { World, IWorldOptions, setWorldConstructor } from '@cucumber/cucumber';
import { getTarget, Target } from './targets/index.js';
import { ManagedEngine } from './targets/managed-engine.js';
import { EngineOptions, Role, ROLES } from './targets/types.js';
import { engineProcesses } from './targets/sweeper.js';
import { CommandResult, runCommand } from './run-command.js';
import { freePort, release } from './resources.js';
import { imageTarball, TEST_IMAGE } from './test-image.js';
import { SNAPSHOT_MEDIA_TYPE, SnapshotProcess, ProcessSnapshot } from '../../lib/process-snapshot.js';
import { listProcesses, ProcessInfo, processName, tcpListeners, socketInodes } from '../../lib/proc.js';

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
  /** containers that existed before the scenario, on an attached engine */
  attachedBaseline?: Set<string>;

  constructor(options: IWorldOptions<DockspecParameters>) {
    super(options);
    this.target = getTarget(options.parameters.target ?? 'reference');
  }

  get attached(): boolean {
    return this.target.info.mode === 'attached';
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
    const r = await this.run(`docker import ${imageTarball()} ${TEST_IMAGE}`, 120000);
    if (r.exitCode !== 0) throw new Error(`docker import failed (${r.exitCode}): ${r.stderr}`);
    this.imported.add(key);
  }

  /** Replace <name> placeholders; <port>, <port2>, <hostport>… get a free port on first use. */
  async resolve(text: string): Promise<string> {
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

  async run(command: string, timeoutMs = 60000, extraEnv: NodeJS.ProcessEnv = {}, input?: string): Promise<CommandResult> {
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

  /** The engine's processes (daemons, shims, containers, proxies) as the kernel shows them. */
  engineProcesses(all: ProcessInfo[] = listProcesses()): ProcessInfo[] {
    return this.engines.flatMap((e) => engineProcesses(e.record, all));
  }

  roleOf(p: ProcessInfo): Role | undefined {
    const name = processName(p);
    return ROLES.find((r) => this.roleName(r) === name);
  }

  /** Processes of the engine playing a role, e.g. every docker-proxy. */
  processesOfRole(role: Role, all: ProcessInfo[] = listProcesses()): ProcessInfo[] {
    return this.engineProcesses(all).filter((p) => this.roleOf(p) === role);
  }

  snapshot(label: string): ProcessSnapshot | undefined {
    if (!this.engines.length) return undefined;
    const all = listProcesses();
    const listeners = tcpListeners();
    const procs = this.engineProcesses(all).map((p): SnapshotProcess => {
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
