// Phrases about the per-container shim and about containers living through an outage of the daemons.
// Glossary ("it" as in processes.steps.ts):
//   the parent of PID 1 of container "X" is a {role} process   (it := that parent)
//   it is outside the engine daemon's process tree   neither the engine daemon nor anything below it
//                                               (containerd included) is its ancestor
//   the containers "A" and "B" have different shims   each PID 1 has its own shim parent
//   the PID 1 that container "X" had before the outage is still running, a child of the same shim
//   the PID 1 that container "X" had before the outage is sent SIGNAL from the host
//                     kill(2) on its host pid (same process: start time checked), while the daemons are down
//   the PID 1 that container "X" had before the outage exits within N seconds; its shim does not
//   the PID 1 that container "X" had before the outage is gone within N seconds, and so is its shim
//   container "X" runs the same PID 1 as before the outage      `docker inspect` State.Pid, same process
//   a TCP connection to "HOST:PORT" is accepted / is refused   (placeholders resolved)
//   a TCP connection to port N of container "X" is accepted    at the address noted before the outage
//                                               or, with the daemons up, from `docker inspect`
//   the logs of container "X" have reached "TEXT"        polls `docker logs` (10 s)
//   the daemons stay down for N seconds         a wait the behaviour needs: time for output to pile up
//   the shim of container "X" runs in the container's bundle, beside its config.json
//                     the shim (parent of PID 1) has the bundle as its working directory (it := that shim)
//   the shim listens on a unix socket whose address the bundle's "address" file records
//                     among its listening unix sockets is the one `unix://<path>` in <bundle>/address names
//   no {role} process of the engine is running its "start" step   none has the argument "start"
//   the logs of container "X" count on from line0 with no line missing, past the outage
//                     `docker logs` holds line0, line1, … in order, without a gap, up to a line at
//                     least N lines after the last one logged before the outage (N = 5)
import { Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { connect } from 'node:net';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DockspecWorld } from './support/world.js';
import { Role } from '../harness/targets/types.js';
import { eventually } from '../harness/run-command.js';
import { isAlive, readProcess, socketInodes } from '../lib/proc.js';
import { containerTree, describeProcess, setSubject, subjectOf } from './support/processes.js';
import { ContainerBeforeOutage } from './support/engine-control.js';

function noted(world: DockspecWorld, name: string): ContainerBeforeOutage {
  const c = world.beforeOutage.get(name);
  if (!c) throw new Error(`container ${name} was not running when the engine daemon was killed, so nothing was noted about it`);
  return c;
}

/** Resolves to 'accepted' or the connect error's code (ECONNREFUSED, ETIMEDOUT …). */
function tryConnect(host: string, port: number, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve('ETIMEDOUT');
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve('accepted');
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code ?? err.message);
    });
  });
}

function splitHostPort(text: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (!m) throw new Error(`"${text}" is not HOST:PORT`);
  return { host: m[1], port: Number(m[2]) };
}

Then('the parent of PID 1 of container {container} is a {role} process', async function (this: DockspecWorld, name: string, role: Role) {
  const { init } = await containerTree(this, name);
  const parent = await this.host.readProcess(init.ppid);
  if (!parent) throw new Error(`the parent (pid ${init.ppid}) of ${describeProcess(init)} is gone`);
  expect(this.roleOf(parent), `parent of PID 1 of ${name}: ${describeProcess(parent)}; should be ${this.roleName(role)}`).to.equal(role);
  setSubject(this, [parent]);
  this.snapshot(`the shim of ${name}`);
});

Then('it is outside the engine daemon\'s process tree', async function (this: DockspecWorld) {
  const all = await this.listProcesses();
  const daemon = await this.daemonPid();
  const tree = await this.daemonTree(all);
  const byPid = new Map(all.map((p) => [p.pid, p]));
  for (const p of subjectOf(this)) {
    const chain: string[] = [];
    for (let q = byPid.get(p.pid); q && q.pid > 1; q = byPid.get(q.ppid)) {
      chain.push(describeProcess(q));
      expect(tree.has(q.pid), `ancestry of ${describeProcess(p)}:\n${chain.join('\n')}\nreaches the engine daemon (pid ${daemon})`).to.equal(false);
    }
  }
});

Then('the containers {container} and {container} have different shims', async function (this: DockspecWorld, a: string, b: string) {
  const ta = await containerTree(this, a);
  const tb = await containerTree(this, b);
  expect(ta.init.ppid, `PID 1 of ${a}: ${describeProcess(ta.init)}; of ${b}: ${describeProcess(tb.init)}`).not.to.equal(tb.init.ppid);
  for (const [name, t] of [[a, ta], [b, tb]] as const) {
    const shim = await this.host.readProcess(t.init.ppid);
    expect(shim && this.roleOf(shim), `parent of PID 1 of ${name}: ${shim ? describeProcess(shim) : 'gone'}`).to.equal('containerd-shim');
  }
});

Then('the PID 1 that container {container} had before the outage is still running, a child of the same shim', function (this: DockspecWorld, name: string) {
  const c = noted(this, name);
  const p = readProcess(c.pid);
  expect(p && isAlive(c.pid, c.pidStartTime), `PID 1 of ${name} (host pid ${c.pid}) should still run: ${p ? describeProcess(p) : 'gone'}`).to.equal(true);
  expect(p!.ppid, `parent of ${describeProcess(p!)}: the shim was pid ${c.shimPid}`).to.equal(c.shimPid);
  const shim = readProcess(c.shimPid);
  expect(shim && this.roleOf(shim), `shim of ${name}: ${shim ? describeProcess(shim) : 'gone'}`).to.equal('containerd-shim');
  this.snapshot(`${name} and its shim while the daemons are down`);
});

When('the PID 1 that container {container} had before the outage is sent {word} from the host', function (this: DockspecWorld, name: string, signal: string) {
  const c = noted(this, name);
  if (!isAlive(c.pid, c.pidStartTime)) throw new Error(`PID 1 of ${name} (host pid ${c.pid}) is gone already: nothing to send ${signal} to`);
  process.kill(c.pid, signal as NodeJS.Signals);
});

Then('the PID 1 that container {container} had before the outage exits within {int} seconds; its shim does not', async function (this: DockspecWorld, name: string, seconds: number) {
  const c = noted(this, name);
  await eventually(`PID 1 of ${name} (host pid ${c.pid}) to exit and be reaped`, () => !readProcess(c.pid) || readProcess(c.pid)!.startTime !== c.pidStartTime, seconds * 1000, 100);
  const shim = readProcess(c.shimPid);
  expect(shim && isAlive(c.shimPid), `the shim of ${name} (pid ${c.shimPid}) keeps the exit status until asked; it should still run`).to.equal(true);
  this.snapshot(`${name} has exited; its shim waits`);
});

Then('the PID 1 that container {container} had before the outage is gone within {int} seconds, and so is its shim', async function (this: DockspecWorld, name: string, seconds: number) {
  const c = noted(this, name);
  await eventually(`PID 1 of ${name} (host pid ${c.pid}) and its shim (pid ${c.shimPid}) to be gone`, () => {
    const left = [c.pid, c.shimPid].map((pid) => readProcess(pid)).filter((p) => p && p.state !== 'Z');
    if (left.length) throw new Error(`still there: ${left.map((p) => describeProcess(p!)).join('; ')}`);
    return true;
  }, seconds * 1000, 100);
});

Then('container {container} runs the same PID 1 as before the outage', async function (this: DockspecWorld, name: string) {
  const c = noted(this, name);
  const pid = await this.containerPid(name);
  expect(pid, `State.Pid of ${name} after the restart`).to.equal(c.pid);
  expect(isAlive(pid, c.pidStartTime), `host pid ${pid} should be the same process (same start time)`).to.equal(true);
});

Then('a TCP connection to {string} is accepted', async function (this: DockspecWorld, target: string) {
  const { host, port } = splitHostPort(await this.resolve(target));
  expect(await tryConnect(host, port), `connecting to ${host}:${port}`).to.equal('accepted');
});

Then('a TCP connection to {string} is refused', async function (this: DockspecWorld, target: string) {
  const { host, port } = splitHostPort(await this.resolve(target));
  expect(await tryConnect(host, port), `connecting to ${host}:${port}`).to.equal('ECONNREFUSED');
});

Then('a TCP connection to port {int} of container {container} is accepted', async function (this: DockspecWorld, port: number, name: string) {
  const before = this.beforeOutage.get(name);
  const address = this.engine.running
    ? await this.must(`docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' ${name}`)
    : before?.address;
  if (!address) throw new Error(`no address known for container ${name}`);
  // httpd may still be starting right after `docker run`.
  await eventually(`a TCP connection to ${address}:${port} (container ${name})`, async () => (await tryConnect(address, port)) === 'accepted', 5000, 100);
});

Then('the logs of container {container} have reached {string}', async function (this: DockspecWorld, name: string, text: string) {
  await eventually(`"${text}" in the logs of ${name}`, async () => (await this.must(`docker logs ${name}`)).includes(text), 10000, 100);
});

When('the daemons stay down for {int} seconds', async function (this: DockspecWorld, seconds: number) {
  // The behaviour under test needs time to pass: the container keeps writing while nobody reads.
  expect(this.engine.running, 'the engine daemon should be down').to.equal(false);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  this.snapshot('while the daemons are down');
});

Then('the logs of container {container} count on from line0 with no line missing, past the outage', async function (this: DockspecWorld, name: string) {
  const c = noted(this, name);
  const lastBefore = Number(/line(\d+)/.exec(c.lastLogLine)?.[1] ?? NaN);
  if (Number.isNaN(lastBefore)) throw new Error(`the last line logged before the outage was "${c.lastLogLine}", not lineN`);
  await eventually(`the logs of ${name} to run without a gap from line0 to beyond line${lastBefore + 5}`, async () => {
    const lines = (await this.must(`docker logs ${name}`)).split('\n').filter(Boolean);
    lines.forEach((l, i) => {
      if (l !== `line${i}`) throw new Error(`line ${i + 1} of the logs is "${l}", expected "line${i}" (lines around it: ${lines.slice(Math.max(0, i - 2), i + 3).join(' ')})`);
    });
    if (lines.length - 1 < lastBefore + 5) throw new Error(`the logs end at "${lines[lines.length - 1]}"; the last line before the outage was line${lastBefore}`);
    return true;
  }, 10000, 200);
});

/** The paths of the unix sockets `pid` listens on (/proc/<pid>/net/unix rows with __SO_ACCEPTCON). */
function unixListenerPaths(pid: number): string[] {
  const mine = socketInodes(pid);
  const ACCEPTCON = 0x10000;
  const out: string[] = [];
  for (const row of readFileSync(`/proc/${pid}/net/unix`, 'utf8').split('\n').slice(1)) {
    // Num RefCount Protocol Flags Type St Inode [Path]
    const f = row.trim().split(/\s+/);
    if (f.length < 8) continue;
    if ((parseInt(f[3]!, 16) & ACCEPTCON) && mine.has(Number(f[6]))) out.push(f.slice(7).join(' '));
  }
  return out;
}

Then('the shim of container {container} runs in the container\'s bundle, beside its config.json', async function (this: DockspecWorld, name: string) {
  const skip = this.skipUnlessLocalHost("reads the shim's working directory and its listening sockets");
  if (skip) return skip;
  const { init } = await containerTree(this, name);
  const shim = readProcess(init.ppid);
  if (!shim || this.roleOf(shim) !== 'containerd-shim') throw new Error(`the parent of PID 1 of ${name} is not a shim: ${shim ? describeProcess(shim) : 'gone'}`);
  const cwd = readlinkSync(`/proc/${shim.pid}/cwd`);
  expect(existsSync(join(cwd, 'config.json')), `working directory of ${describeProcess(shim)} is ${cwd}, which has no config.json`).to.equal(true);
  const id = (await this.run(`docker inspect -f '{{.Id}}' ${name}`)).stdout.trim();
  expect(cwd.endsWith(`/${id}`), `working directory of the shim of ${name} (${cwd}) should be the bundle named after the container id ${id}`).to.equal(true);
  setSubject(this, [shim]);
});

Then('the shim listens on a unix socket whose address the bundle\'s {string} file records', function (this: DockspecWorld, file: string) {
  for (const shim of subjectOf(this)) {
    const bundle = readlinkSync(`/proc/${shim.pid}/cwd`);
    const recorded = readFileSync(join(bundle, file), 'utf8').trim();
    const listening = unixListenerPaths(shim.pid);
    expect(listening.map((p) => `unix://${p}`), `${describeProcess(shim)} listens on ${JSON.stringify(listening)}; ${bundle}/${file} says ${recorded}`).to.include(recorded);
  }
});

Then('no {role} process of the engine is running its {string} step', async function (this: DockspecWorld, role: Role, action: string) {
  const found = (await this.processesOfRole(role)).filter((p) => p.argv.includes(action));
  expect(found.map(describeProcess), `${this.roleName(role)} processes still in their "${action}" step`).to.deep.equal([]);
});
