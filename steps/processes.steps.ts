// Generic phrases about processes, as `ps` and /proc show them; reusable by every area.
// Glossary ("it" is the process or processes the previous step found):
//   container "<x>"                            the container the scenario named with `--name <x>`
//                                               (World.containerName: x-<scenario suffix>)
//   PID 1 of container "X" is "CMD"             from the host: the container's main process runs CMD
//                                               and its innermost NSpid is 1
//   inside container "X", PID 1 is "CMD"        from inside: `docker exec X ps -o pid,args` lists PID 1 as CMD
//   "CMD" runs as a child of PID 1 in container "X"    its parent is the container's PID 1 (it := CMD)
//   a "CMD" process runs in container "X"       CMD runs somewhere in the container (it := CMD)
//   it leads its own process group              pgid == pid
//   it is reaped within N seconds               its pid leaves /proc (no zombie remains)
//   a {role} process listens on port <port>     the engine's ROLE process(es) listen on the port (it := them)
//   a {role} process listens on ADDR:<port>     one ROLE process listens on that address (it := it);
//                                               ADDR is 0.0.0.0, 127.0.0.1, [::] …
//   no {role} process listens on port <port>    none of the engine's ROLE processes does
//   its arguments are "ARGS"                    argv after argv[0], joined by spaces (placeholders resolved)
//   the engine daemon is its parent             PPID of each of them is the engine's daemon
//   the engine has no {role} process
//   the engine has N {role} processes
//   container "X" has a zombie "NAME" whose parent is its PID 1   (waits up to 5 s for it to appear)
//   container "X" has no zombie process         neither PID 1 nor anything below it is in state Z
//   the container "X" is in state "STATE"       `docker inspect -f {{.State.Status}}` (created, running, exited …)
// Steps that establish the shape of a process tree record it (World.snapshot) for the report.
// {role} is one of dockerd, containerd, containerd-shim, runc, docker-init, docker-proxy; the target
// maps it to its own process name (docker-proxy on docker, ref-docker-proxy on the reference engine).
import { Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import { DockspecWorld } from './support/world.js';
import { eventually } from '../harness/run-command.js';
import { Role } from '../harness/targets/types.js';
import { ProcessInfo } from '../lib/proc.js';
import { containerTree, describeProcess, parseHostPort, setSubject, subjectOf } from './support/processes.js';

function commandLine(p: ProcessInfo): string {
  return p.argv.join(' ');
}

async function resolvePort(world: DockspecWorld, text: string): Promise<number> {
  const port = Number(await world.resolve(text));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`"${text}" is not a port`);
  return port;
}

Then('PID 1 of container {container} is {string}', async function (this: DockspecWorld, name: string, cmd: string) {
  const want = await this.resolve(cmd);
  // Between `runc start` returning and the exec of the user's command there is a short window.
  const init = await eventually(`PID 1 of ${name} to run "${want}"`, async () => {
    const { init } = await containerTree(this, name);
    if (commandLine(init) !== want) throw new Error(`it runs ${describeProcess(init)}`);
    return init;
  }, 5000);
  expect(init.nspid.length, `NSpid of ${describeProcess(init)}: the container should have its own pid namespace`).to.be.at.least(2);
  expect(init.nspid[init.nspid.length - 1], `innermost NSpid of ${describeProcess(init)}`).to.equal(1);
  setSubject(this, [init]);
  this.snapshot(`PID 1 of ${name} is "${want}"`);
});

Then('inside container {container}, PID 1 is {string}', async function (this: DockspecWorld, name: string, cmd: string) {
  const want = await this.resolve(cmd);
  await eventually(`ps inside ${name} to list PID 1 as "${want}"`, async () => {
    const out = await this.must(`docker exec ${name} ps -o pid,args`);
    const line = out.split('\n').find((l) => /^\s*1\s/.test(l));
    if (!line) throw new Error(`ps lists no PID 1:\n${out}`);
    const args = line.trim().replace(/^1\s+/, '');
    if (args !== want) throw new Error(`ps shows PID 1 as "${args}"`);
    return true;
  }, 5000);
});

Then('{string} runs as a child of PID 1 in container {container}', async function (this: DockspecWorld, cmd: string, name: string) {
  const want = await this.resolve(cmd);
  const child = await eventually(`"${want}" as a child of PID 1 in ${name}`, async () => {
    const { init, below } = await containerTree(this, name);
    const found = below.find((p) => commandLine(p) === want);
    if (!found) throw new Error(`below PID 1 (${describeProcess(init)}) there are:\n${below.map(describeProcess).join('\n') || '(nothing)'}`);
    if (found.ppid !== init.pid) throw new Error(`${describeProcess(found)} is not a child of ${describeProcess(init)}`);
    return found;
  }, 5000);
  setSubject(this, [child]);
  this.snapshot(`"${want}" is a child of PID 1 in ${name}`);
});

Then('a {string} process runs in container {container}', async function (this: DockspecWorld, cmd: string, name: string) {
  // The process may live a second: each look through ssh (docker inspect, then /proc) takes about that long.
  const skip = this.skipUnlessLocalHost('must catch a process that lives for about a second');
  if (skip) return skip;
  const want = await this.resolve(cmd);
  const found = await eventually(`a live "${want}" in ${name}`, async () => {
    const { init, below } = await containerTree(this, name);
    const all = [init, ...below];
    const p = all.find((x) => commandLine(x) === want && x.state !== 'Z');
    if (!p) throw new Error(`the container runs:\n${all.map(describeProcess).join('\n')}`);
    return p;
  }, 5000, 20);
  setSubject(this, [found]);
  return undefined;
});

Then('it leads its own process group', function (this: DockspecWorld) {
  for (const p of subjectOf(this)) expect(p.pgid, describeProcess(p)).to.equal(p.pid);
});

Then('it is reaped within {int} seconds', async function (this: DockspecWorld, seconds: number) {
  for (const p of subjectOf(this)) {
    await eventually(`${describeProcess(p)} to be reaped (gone from /proc)`, async () => {
      const now = await this.host.readProcess(p.pid);
      if (now && now.startTime === p.startTime) throw new Error(`it is still there: ${describeProcess(now)}`);
      return true;
    }, seconds * 1000);
  }
});

async function roleListeners(world: DockspecWorld, role: Role, port: number): Promise<{ address: string; process: ProcessInfo }[]> {
  const all = await world.listProcesses();
  const ours = new Set((await world.processesOfRole(role, all)).map((p) => p.pid));
  return (await world.host.listenersOnPort(port, all))
    .filter((o) => ours.has(o.process.pid))
    .map((o) => ({ address: o.listener.address, process: o.process }));
}

async function listenersReport(world: DockspecWorld, port: number): Promise<string> {
  const owners = await world.host.listenersOnPort(port);
  return owners.length
    ? owners.map((o) => `${o.listener.address}:${port} held by ${describeProcess(o.process)}`).join('\n')
    : `nothing listens on port ${port}`;
}

Then('a {role} process listens on port {word}', async function (this: DockspecWorld, role: Role, portText: string) {
  const port = await resolvePort(this, portText);
  const found = await roleListeners(this, role, port);
  expect(found.length, `a ${this.roleName(role)} listening on port ${port}:\n${await listenersReport(this, port)}`).to.be.above(0);
  setSubject(this, [...new Map(found.map((f) => [f.process.pid, f.process])).values()]);
  this.snapshot(`${this.roleName(role)} listening on port ${port}`);
});

Then('a {role} process listens on {word}', async function (this: DockspecWorld, role: Role, hostPort: string) {
  const { address, port } = parseHostPort(await this.resolve(hostPort));
  const found = (await roleListeners(this, role, port)).filter((f) => f.address === address);
  expect(found.length, `one ${this.roleName(role)} listening on ${hostPort}:\n${await listenersReport(this, port)}`).to.equal(1);
  setSubject(this, [found[0].process]);
  this.snapshot(`${this.roleName(role)} listening on ${address}:${port}`);
});

Then('no {role} process listens on port {word}', async function (this: DockspecWorld, role: Role, portText: string) {
  const port = await resolvePort(this, portText);
  const found = await roleListeners(this, role, port);
  expect(found.map((f) => `${f.address}: ${describeProcess(f.process)}`), `${this.roleName(role)} processes listening on ${port}`).to.deep.equal([]);
});

Then('its arguments are {string}', async function (this: DockspecWorld, args: string) {
  const want = await this.resolve(args);
  const s = subjectOf(this);
  expect(s.length, `"it" should be one process, is ${s.length}: ${s.map(describeProcess).join('; ')}`).to.equal(1);
  expect(s[0].argv.slice(1).join(' '), describeProcess(s[0])).to.equal(want);
});

Then('the engine daemon is its parent', async function (this: DockspecWorld) {
  const daemon = await this.daemonPid();
  for (const p of subjectOf(this)) expect(p.ppid, `${describeProcess(p)}: parent should be the engine daemon (pid ${daemon})`).to.equal(daemon);
});

Then('the engine has no {role} process', async function (this: DockspecWorld, role: Role) {
  expect((await this.processesOfRole(role)).map(describeProcess), `${this.roleName(role)} processes of the engine`).to.deep.equal([]);
  this.snapshot(`no ${this.roleName(role)}`);
});

Then('the engine has {int} {role} processes', async function (this: DockspecWorld, n: number, role: Role) {
  const found = await this.processesOfRole(role);
  expect(found.length, `${this.roleName(role)} processes of the engine:\n${found.map(describeProcess).join('\n')}`).to.equal(n);
  setSubject(this, found);
  this.snapshot(`${n} ${this.roleName(role)} processes`);
});

Then('container {container} has a zombie {string} whose parent is its PID 1', async function (this: DockspecWorld, name: string, comm: string) {
  // A zombie has no command line any more, only its kernel name (comm).
  const z = await eventually(`a zombie "${comm}" in ${name}`, async () => {
    const { init, below } = await containerTree(this, name);
    const found = below.find((p) => p.state === 'Z' && p.comm === comm);
    if (!found) throw new Error(`the container runs:\n${[init, ...below].map(describeProcess).join('\n')}`);
    if (found.ppid !== init.pid) throw new Error(`${describeProcess(found)} is not a child of PID 1 (${describeProcess(init)})`);
    return found;
  }, 5000);
  setSubject(this, [z]);
  this.snapshot(`zombie ${comm} in ${name}`);
});

Then('container {container} has no zombie process', async function (this: DockspecWorld, name: string) {
  const { init, below } = await containerTree(this, name);
  const zombies = [init, ...below].filter((p) => p.state === 'Z');
  expect(zombies.map(describeProcess), `zombies in ${name}`).to.deep.equal([]);
});

Then('the container {container} is in state {string}', async function (this: DockspecWorld, name: string, state: string) {
  const status = await this.must(`docker inspect -f '{{.State.Status}}' ${name}`);
  expect(status, `state of ${name}`).to.equal(state);
});
