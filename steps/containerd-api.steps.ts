// containerd as a service of its own: what a client other than the engine daemon (`ctr`) sees
// through containerd's API, and a containerd that comes back to its running shims.
//
//   its output lists container "X" as RUNNING with the PID that docker inspect shows
//                     a line of `ctr tasks ls`: the full container id, that PID, RUNNING
//   the engine's containerd socket is at "<exec_root>/…"   makes <exec_root> known
//   "ctr … events" watches containerd's events
//                     runs until the scenario ends; its output is kept
//   within N seconds the events seen by ctr include "/tasks/exit" for container "X"
//   the shim of container "X" is noted / container "X" runs the same PID 1 under the same shim as noted
import { Given, Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { DockspecWorld } from './support/world.js';
import { eventually } from '../harness/run-command.js';
import { isAlive, readProcess } from '../lib/proc.js';
import { describeProcess } from './support/processes.js';
import { exposeEnginePaths } from './support/engine-control.js';

async function idAndPid(world: DockspecWorld, name: string): Promise<{ id: string; pid: number }> {
  const [id, pid] = (await world.must(`docker inspect -f '{{.Id}} {{.State.Pid}}' ${name}`)).split(' ');
  return { id: id!, pid: Number(pid) };
}

/** Names the engine's files (<exec_root> …) for the commands that follow. */
Given('the engine\'s containerd socket is at {string}', function (this: DockspecWorld, _where: string) {
  if (this.attached) return this.skipNotControlled("where its containerd listens is the engine's own setting, which the harness did not choose");
  exposeEnginePaths(this, this.engine);
  return undefined;
});

Then('its output lists container {container} as RUNNING with the PID that docker inspect shows', async function (this: DockspecWorld, name: string) {
  const out = this.last?.stdout ?? '';
  const { id, pid } = await idAndPid(this, name);
  expect(pid, `docker inspect ${name}: State.Pid`).to.be.greaterThan(0);
  const row = out.split('\n').find((l) => l.split(/\s+/)[0] === id);
  expect(row, `a row for ${id} in:\n${out}`).to.not.equal(undefined);
  expect(row!.trim().split(/\s+/), `the row of ${name}`).to.deep.equal([id, String(pid), 'RUNNING']);
});

Given('{string} watches containerd\'s events', async function (this: DockspecWorld, command: string) {
  const argv = (await this.resolve(command)).split(/\s+/);
  const w = { output: '' };
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.setEncoding('utf8').on('data', (d: string) => (w.output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (w.output += d));
  this.containerdEvents = w;
  this.cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    this.attach(`$ ${argv.join(' ')}\n${w.output}`, 'text/plain');
  });
  // subscribed once ctr has had a moment to dial; an early exit is a failure to subscribe
  await new Promise((r) => setTimeout(r, 500));
  expect(child.exitCode, `${argv.join(' ')} exited: ${w.output}`).to.equal(null);
});

Then('within {int} seconds the events seen by ctr include {string} for container {container}', async function (this: DockspecWorld, seconds: number, topic: string, name: string) {
  const w = this.containerdEvents;
  if (!w) throw new Error('no ctr events watch in this scenario');
  const { id } = await idAndPid(this, name);
  await eventually(`${topic} of ${name} (${id.slice(0, 12)}) in ctr's events`, () => w.output.split('\n').some((l) => l.includes(` ${topic} `) && l.includes(id)), seconds * 1000, 100);
});

Given('the shim of container {container} is noted', async function (this: DockspecWorld, name: string) {
  const { pid } = await idAndPid(this, name);
  const p = readProcess(pid);
  const shim = p && readProcess(p.ppid);
  expect(shim && this.roleOf(shim), `parent of PID 1 of ${name}: ${shim ? describeProcess(shim) : 'gone'}`).to.equal('containerd-shim');
  this.notedShims.set(name, { pid, startTime: p!.startTime, shimPid: shim!.pid, shimStart: shim!.startTime });
});

Then('container {container} runs the same PID 1 under the same shim as noted', async function (this: DockspecWorld, name: string) {
  const n = this.notedShims.get(name);
  if (!n) throw new Error(`the shim of ${name} was not noted`);
  expect(isAlive(n.pid, n.startTime), `PID 1 of ${name} (${n.pid}) still runs`).to.equal(true);
  expect(isAlive(n.shimPid, n.shimStart), `the shim of ${name} (${n.shimPid}) still runs: it was reconnected, not replaced`).to.equal(true);
  expect((await idAndPid(this, name)).pid, `docker inspect ${name}: State.Pid`).to.equal(n.pid);
  expect(readProcess(n.pid)?.ppid, `parent of PID 1 of ${name}`).to.equal(n.shimPid);
});
