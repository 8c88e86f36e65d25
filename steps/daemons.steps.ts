// Phrases about the engine's two daemons: the engine daemon (dockerd) and its containerd.
// Glossary ("it" is the process or processes the previous step found, as in processes.steps.ts):
//   it leads a session of its own               sid == pid, and not the engine daemon's session
//   the file "PATH" holds the pid of the engine daemon / of it     pid file content (placeholders resolved)
//   the path "PATH" exists / does not exist     any kind of file: socket, pid file, directory
//   the path "PATH" is a unix socket
//   the engine daemon is stopped with SIGTERM   graceful stop; it must exit 0 within 30 s
//   the engine daemon is killed with SIGKILL    no clean-up possible; notes each running container's
//                                               PID 1, shim, address and last log line first
//   the engine is started again                 same roots, same -H and flags (a restart)
//   the engine daemon is still running / has answered again
//   a second engine daemon is started with the same pid file
//   the second engine daemon exits with code N within S seconds
//   the second engine daemon's output says "TEXT"   its stdout/stderr (dockerd logs there)
//   the gRPC health service on "SOCKET" answers "STATUS"   grpc.health.v1.Health/Check, service ""
//   an external containerd listening on <containerd_sock>
//                     the target's own containerd run as a separate daemon (not started by the
//                     engine), everything inside the engine's directory; sets <containerd_sock>
//   the external containerd is killed with SIGKILL / is started again
//   the engine daemon has no {role} child
//   the {role} process of the engine is killed with SIGKILL   (it := that process, as it was)
//   within N seconds a new {role} process is a child of the engine daemon   (it := the new one)
//   "CMD" succeeds within N seconds             polls CMD until it exits 0
//   within N seconds "CMD" fails with exit code C and says "TEXT"   polls CMD until one run exits C with
//                                               TEXT on stderr (the last run becomes "the command")
//   its arguments include "ARGS"                ARGS appear, in order and together, after argv[0]
//   within N seconds the engine has no {role} process      polls until none is left (zombies count as gone)
// Placeholders set by every started engine: <engine_dir>, <sock>, <exec_root>, <data_root>, <pidfile>.
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockspecWorld } from './support/world.js';
import { Role } from '../harness/targets/types.js';
import { eventually } from '../harness/run-command.js';
import { healthCheck } from './support/grpc-health.js';
import { childrenOf, descendantsOf, isAlive, listProcesses, ProcessInfo, readProcess } from '../lib/proc.js';
import { describeProcess, setSubject, subjectOf } from './support/processes.js';
import { engineOf, killEngineDaemon, preparedEngine, restartEngine } from './support/engine-control.js';

/** The engine's processes of a role whose parent is the engine daemon. */
function childrenOfRole(world: DockspecWorld, role: Role, all: ProcessInfo[] = listProcesses()): ProcessInfo[] {
  return childrenOf(world.engine.daemonPid, all).filter((p) => world.roleOf(p) === role);
}

Then('it leads a session of its own', function (this: DockspecWorld) {
  const daemon = readProcess(this.engine.daemonPid);
  for (const p of subjectOf(this)) {
    expect(p.sid, `${describeProcess(p)}: session id should be its own pid (setsid)`).to.equal(p.pid);
    expect(p.sid, `${describeProcess(p)}: session should differ from the engine daemon's (sid ${daemon?.sid})`).not.to.equal(daemon?.sid);
  }
});

Then('the file {string} holds the pid of the engine daemon', async function (this: DockspecWorld, path: string) {
  engineOf(this);
  const file = await this.resolve(path);
  expect(readFileSync(file, 'utf8').trim(), `content of ${file}`).to.equal(String(this.engine.daemonPid));
});

Then('the file {string} holds the pid of it', async function (this: DockspecWorld, path: string) {
  engineOf(this);
  const file = await this.resolve(path);
  const s = subjectOf(this);
  expect(s.length, `"it" should be one process: ${s.map(describeProcess).join('; ')}`).to.equal(1);
  expect(readFileSync(file, 'utf8').trim(), `content of ${file}`).to.equal(String(s[0].pid));
});

Then('the path {string} exists', async function (this: DockspecWorld, path: string) {
  engineOf(this);
  const p = await this.resolve(path);
  expect(existsSync(p), `${p} should exist`).to.equal(true);
});

Then('the path {string} is a unix socket', async function (this: DockspecWorld, path: string) {
  engineOf(this);
  const p = await this.resolve(path);
  expect(existsSync(p) && lstatSync(p).isSocket(), `${p} should be a unix socket`).to.equal(true);
});

Then('the path {string} does not exist', async function (this: DockspecWorld, path: string) {
  engineOf(this);
  const p = await this.resolve(path);
  expect(existsSync(p), `${p} should not exist`).to.equal(false);
});

When('the engine daemon is stopped with SIGTERM', async function (this: DockspecWorld) {
  const engine = engineOf(this);
  engine.signal('SIGTERM');
  const code = await engine.waitExit(30000);
  expect(code, `exit code of the engine daemon after SIGTERM\n${engine.logTail(15)}`).to.equal(0);
});

When('the engine daemon is killed with SIGKILL', async function (this: DockspecWorld) {
  await killEngineDaemon(this);
});

When('the engine is started again', async function (this: DockspecWorld) {
  await restartEngine(this);
  this.snapshot('after the engine was started again');
});

Then('the engine daemon is still running', async function (this: DockspecWorld) {
  expect(this.engine.running, `engine daemon pid ${this.engine.daemonPid}\n${this.engine.logTail(15)}`).to.equal(true);
  await this.must('docker version --format "{{.Server.Version}}"');
});

// --- a second daemon on the same pid file ---------------------------------------------------

When('a second engine daemon is started with the same pid file', async function (this: DockspecWorld) {
  const first = engineOf(this);
  // Its own roots, sockets and bridge, so that only the pid file is shared. The last --pidfile wins.
  const second = this.target.newEngine();
  this.engines.push(second);
  this.secondEngine = second;
  await second.start({ flags: ['--pidfile', first.pidFile], noWait: true });
});

Then('the second engine daemon exits with code {int} within {int} seconds', async function (this: DockspecWorld, code: number, seconds: number) {
  const second = this.secondEngine;
  if (!second) throw new Error('no second engine daemon was started');
  const exit = await second.waitExit(seconds * 1000);
  expect(exit, `exit code of the second daemon\n${second.logTail(10)}`).to.equal(code);
});

Then('the second engine daemon\'s output says {string}', async function (this: DockspecWorld, text: string) {
  const second = this.secondEngine;
  if (!second) throw new Error('no second engine daemon was started');
  expect(second.log()).to.include(await this.resolve(text));
});

// --- gRPC --------------------------------------------------------------------------------------

Then('the gRPC health service on {string} answers {string}', async function (this: DockspecWorld, socket: string, status: string) {
  if (this.engines.length) engineOf(this);
  else {
    // An attached engine's exec root is what its daemon was started with (dockerd's default otherwise).
    const skip = this.skipUnlessLocalHost('opens a unix socket of the engine');
    if (skip) return skip;
    const daemon = await this.host.readProcess(await this.daemonPid());
    const argv = daemon?.argv ?? [];
    const at = argv.findIndex((a) => a === '--exec-root' || a.startsWith('--exec-root='));
    this.vars.set('exec_root', at < 0 ? '/var/run/docker' : argv[at].includes('=') ? argv[at].split('=')[1] : argv[at + 1]);
  }
  const path = await this.resolve(socket);
  expect(await healthCheck(path), `grpc.health.v1.Health/Check on ${path}`).to.equal(status);
  return undefined;
});

// --- an external containerd -------------------------------------------------------------------

function startExternal(world: DockspecWorld): void {
  const ext = world.externalContainerd!;
  const log = openSync(join(ext.dir, 'containerd.log'), 'a');
  const child = spawn(ext.argv[0], ext.argv.slice(1), { stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  child.unref();
  ext.pid = child.pid!;
  // The engine's sweep ends it (and anything it started) whatever happens to the scenario.
  world.engine.adopt(ext.pid);
}

Given('an external containerd listening on <containerd_sock>', async function (this: DockspecWorld) {
  // Inside the engine's directory: the shims it starts name this socket on their command line, so
  // the engine's sweep finds them even though they are not the engine daemon's descendants.
  const engine = preparedEngine(this);
  const dir = join(engine.root, 'ext-containerd');
  mkdirSync(dir, { recursive: true });
  const { argv, address } = this.target.info.externalContainerd(dir);
  this.externalContainerd = { argv, address, pid: 0, dir };
  startExternal(this);
  this.vars.set('containerd_sock', address);
  await eventually(`the external containerd to answer on ${address}`, async () => (await healthCheck(address, '', 1000)) === 'SERVING', 15000, 100);
});

When('the external containerd is killed with SIGKILL', async function (this: DockspecWorld) {
  const ext = this.externalContainerd;
  if (!ext) throw new Error('no external containerd in this scenario');
  process.kill(ext.pid, 'SIGKILL');
  await eventually(`external containerd (pid ${ext.pid}) to die`, () => !isAlive(ext.pid), 5000, 20);
});

When('the external containerd is started again', async function (this: DockspecWorld) {
  const ext = this.externalContainerd;
  if (!ext) throw new Error('no external containerd in this scenario');
  startExternal(this);
  await eventually(`the external containerd to answer on ${ext.address}`, async () => (await healthCheck(ext.address, '', 1000)) === 'SERVING', 15000, 100);
});

Then('the engine daemon has no {role} child', function (this: DockspecWorld, role: Role) {
  const all = listProcesses();
  const found = childrenOfRole(this, role, all);
  expect(found.map(describeProcess), `${this.roleName(role)} children of the engine daemon`).to.deep.equal([]);
  // Not further down either: the engine started none at all.
  const below = descendantsOf(this.engine.daemonPid, all).filter((p) => this.roleOf(p) === role);
  expect(below.map(describeProcess), `${this.roleName(role)} processes below the engine daemon`).to.deep.equal([]);
});

// --- a managed containerd that dies ------------------------------------------------------------

When('the {role} process of the engine is killed with SIGKILL', function (this: DockspecWorld, role: Role) {
  const found = childrenOfRole(this, role);
  expect(found.length, `one ${this.roleName(role)} child of the engine daemon: ${found.map(describeProcess).join('; ')}`).to.equal(1);
  setSubject(this, found);
  process.kill(found[0].pid, 'SIGKILL');
});

Then('within {int} seconds a new {role} process is a child of the engine daemon', async function (this: DockspecWorld, seconds: number, role: Role) {
  const old = new Set(subjectOf(this).map((p) => `${p.pid}/${p.startTime}`));
  const fresh = await eventually(`a new ${this.roleName(role)} child of the engine daemon (pid ${this.engine.daemonPid})`, () => {
    const found = childrenOfRole(this, role).filter((p) => !old.has(`${p.pid}/${p.startTime}`) && p.state !== 'Z');
    return found.length ? found : undefined;
  }, seconds * 1000, 200);
  setSubject(this, fresh);
  this.snapshot(`a new ${role} was started`);
});

Then('{string} succeeds within {int} seconds', async function (this: DockspecWorld, command: string, seconds: number) {
  const cmd = await this.resolve(command);
  this.last = await eventually(`"${cmd}" to succeed`, async () => {
    const r = await this.run(cmd, 20000);
    if (r.exitCode !== 0) throw new Error(`it exited ${r.exitCode}: ${r.stderr.trim()}`);
    return r;
  }, seconds * 1000, 250);
});

// Right after a daemon dies, its peer may not have noticed yet: dockerd's gRPC channel first
// reports "connection closed" and only its next dial meets "connection refused".
When('within {int} seconds {string} fails with exit code {int} and says {string}', async function (this: DockspecWorld, seconds: number, command: string, code: number, text: string) {
  const cmd = await this.resolve(command);
  const want = await this.resolve(text);
  this.last = await eventually(`"${cmd}" to fail with exit code ${code} saying "${want}"`, async () => {
    const r = await this.run(cmd, 20000);
    if (r.exitCode !== code || !r.stderr.includes(want)) throw new Error(`it exited ${r.exitCode}: ${r.stderr.trim()}`);
    return r;
  }, seconds * 1000, 250);
});

Then('its arguments include {string}', async function (this: DockspecWorld, args: string) {
  const want = (await this.resolve(args)).split(/\s+/).filter(Boolean);
  for (const p of subjectOf(this)) {
    const argv = p.argv.slice(1);
    const at = argv.findIndex((_, i) => want.every((w, k) => argv[i + k] === w));
    expect(at, `arguments of ${describeProcess(p)} should include "${want.join(' ')}"`).to.be.at.least(0);
  }
});

Then('within {int} seconds the engine has no {role} process', async function (this: DockspecWorld, seconds: number, role: Role) {
  await eventually(`the engine's ${this.roleName(role)} processes to be gone`, async () => {
    const left = (await this.processesOfRole(role)).filter((p) => p.state !== 'Z');
    if (left.length) throw new Error(`still there: ${left.map(describeProcess).join('; ')}`);
    return true;
  }, seconds * 1000, 50);
});
