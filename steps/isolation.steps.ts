// Phrases about what isolates a container: its namespaces, as /proc/<pid>/ns shows them; the pid,
// uts and network namespaces as seen from inside and from the host. Its cgroup: cgroups.steps.ts.
// Glossary ("it" as in processes.steps.ts):
//   container "X" has namespaces of its own, unlike the host:     (table: pid | mnt | uts | ipc | net)
//                     readlink /proc/<PID 1>/ns/<ns> differs from the test runner's /proc/self/ns/<ns>
//   container "X" shares these namespaces with the host:          (table) … is the same link
//   containers "A" and "B" are in different namespaces:           (table) PID 1 of A against PID 1 of B
//   a "CMD" process of the engine is running                      anywhere in the engine's process tree (it := them)
//   it is in the same namespaces as PID 1 of container "X":       (table) for a process found before
//   inside container "X", ps lists only these processes besides itself:   (table, one command line a row)
//                     `docker exec X ps -o pid,args`, the ps line itself left out; remembers their PIDs
//   the host sees each of them under another PID, with the container's PID last in its NSpid
//   the host's hostname is not "NAME"
//   the hostname inside container "X" is the first 12 characters of its id
//   the network interfaces inside container "X" are "lo, eth0"    names from `ip -o link`, in any order
//   eth0 inside container "X" is one end of a veth pair whose host end is attached to the engine's bridge
//   the engine's bridge exists on the host but not inside container "X"
import { Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { DockspecWorld } from './support/world.js';
import { eventually } from '../harness/run-command.js';
import { describeProcess, setSubject, subjectOf } from './support/processes.js';

// --- namespaces ---------------------------------------------------------------------------------

const NAMESPACES = ['pid', 'mnt', 'uts', 'ipc', 'net', 'user', 'cgroup', 'time'];

function namespaceLink(pid: number | 'self', ns: string): string {
  if (!NAMESPACES.includes(ns)) throw new Error(`"${ns}" is not a namespace this step knows (${NAMESPACES.join(', ')})`);
  return readlinkSync(`/proc/${pid}/ns/${ns}`);
}

/** Namespace names from a table written as one row (| pid | mnt |) or one column. */
function namesOf(table: { raw(): string[][] }): string[] {
  return table.raw().flat().map((s) => s.trim()).filter(Boolean);
}

Then('container {container} has namespaces of its own, unlike the host:', async function (this: DockspecWorld, name: string, table: { raw(): string[][] }) {
  const skip = this.skipUnlessLocalHost('reads /proc/<pid>/ns of the container and of the host');
  if (skip) return skip;
  const pid = await this.containerPid(name);
  const seen: string[] = [];
  for (const ns of namesOf(table)) {
    const mine = namespaceLink(pid, ns);
    const host = namespaceLink('self', ns);
    seen.push(`${ns}: container ${mine}, host ${host}`);
    expect(mine, `the ${ns} namespace of ${name}'s PID 1 (host pid ${pid}) should not be the host's\n${seen.join('\n')}`).not.to.equal(host);
  }
  this.attach(seen.join('\n'), 'text/plain');
  this.snapshot(`container ${name} has its own namespaces`);
});

Then('container {container} shares these namespaces with the host:', async function (this: DockspecWorld, name: string, table: { raw(): string[][] }) {
  const skip = this.skipUnlessLocalHost('reads /proc/<pid>/ns of the container and of the host');
  if (skip) return skip;
  const pid = await this.containerPid(name);
  for (const ns of namesOf(table)) {
    expect(namespaceLink(pid, ns), `the ${ns} namespace of ${name}'s PID 1 (host pid ${pid})`).to.equal(namespaceLink('self', ns));
  }
});

Then('containers {container} and {container} are in different namespaces:', async function (this: DockspecWorld, a: string, b: string, table: { raw(): string[][] }) {
  const skip = this.skipUnlessLocalHost('reads /proc/<pid>/ns of both containers');
  if (skip) return skip;
  const pa = await this.containerPid(a);
  const pb = await this.containerPid(b);
  for (const ns of namesOf(table)) {
    expect(namespaceLink(pa, ns), `the ${ns} namespace of ${a} (pid ${pa}) against ${b} (pid ${pb})`).not.to.equal(namespaceLink(pb, ns));
  }
  this.snapshot(`containers ${a} and ${b}, each in its own namespaces`);
});

Then('a {string} process of the engine is running', async function (this: DockspecWorld, cmd: string) {
  const want = await this.resolve(cmd);
  // Processes that docker exec starts are children of the shim, not of the container's PID 1.
  const found = await eventually(`a live "${want}" among the engine's processes`, async () => {
    const p = (await this.engineProcesses()).filter((x) => x.argv.join(' ') === want && x.state !== 'Z');
    return p.length ? p : undefined;
  }, 5000, 50);
  setSubject(this, found);
  this.snapshot(`the engine runs "${want}"`);
});

Then('it is in the same namespaces as PID 1 of container {container}:', async function (this: DockspecWorld, name: string, table: { raw(): string[][] }) {
  const skip = this.skipUnlessLocalHost('reads /proc/<pid>/ns');
  if (skip) return skip;
  const pid = await this.containerPid(name);
  for (const p of subjectOf(this)) {
    for (const ns of namesOf(table)) {
      expect(namespaceLink(p.pid, ns), `the ${ns} namespace of ${describeProcess(p)} against ${name}'s PID 1 (pid ${pid})`).to.equal(namespaceLink(pid, ns));
    }
  }
});

// --- the pid namespace as ps shows it -----------------------------------------------------------

Then('inside container {container}, ps lists only these processes besides itself:', async function (this: DockspecWorld, name: string, table: { raw(): string[][] }) {
  const want = table.raw().map((r) => r[0].trim()).sort();
  const PS = 'ps -o pid,args';
  const listed = await eventually(`ps inside ${name} to list exactly ${JSON.stringify(want)}`, async () => {
    const out = await this.must(`docker exec ${name} ${PS}`);
    const rows = out.split('\n').slice(1).map((l) => /^\s*(\d+)\s+(.*)$/.exec(l)).filter((m): m is RegExpExecArray => !!m);
    const others = rows.filter((m) => m[2].trim() !== PS).map((m) => ({ container: name, pid: Number(m[1]), args: m[2].trim() }));
    const got = others.map((o) => o.args).sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`ps lists:\n${out}`);
    return others;
  }, 5000, 200);
  this.seenInside = listed;
});

Then('the host sees each of them under another PID, with the container\'s PID last in its NSpid', async function (this: DockspecWorld) {
  const skip = this.skipUnlessLocalHost('reads /proc/<pid>/ns');
  if (skip) return skip;
  const inside = this.seenInside;
  if (!inside?.length) throw new Error('no process was listed inside a container first');
  const pid1 = await this.containerPid(inside[0].container);
  const pid1Ns = namespaceLink(pid1, 'pid');
  const all = await this.engineProcesses();
  const lines: string[] = [];
  for (const s of inside) {
    // The same process in the host's view: in the container's pid namespace, with the PID it has there.
    const host = all.find((p) => p.nspid.length >= 2 && p.nspid[p.nspid.length - 1] === s.pid && p.argv.join(' ') === s.args && safeNs(p.pid) === pid1Ns);
    expect(host, `a host process in ${s.container}'s pid namespace whose NSpid ends with ${s.pid} and runs "${s.args}"`).not.to.equal(undefined);
    expect(host!.pid, `${describeProcess(host!)}: the host pid should differ from the container's`).not.to.equal(s.pid);
    lines.push(`container PID ${s.pid} = host PID ${host!.pid}: ${s.args}`);
  }
  this.attach(lines.join('\n'), 'text/plain');
  this.snapshot('the same processes, seen from the host');
});

function safeNs(pid: number): string | undefined {
  try {
    return namespaceLink(pid, 'pid');
  } catch {
    return undefined;
  }
}

// --- hostname (uts namespace) -------------------------------------------------------------------

Then('the host\'s hostname is not {string}', function (this: DockspecWorld, name: string) {
  const skip = this.skipUnlessLocalHost('reads the host\'s hostname');
  if (skip) return skip;
  expect(readFileSync('/proc/sys/kernel/hostname', 'utf8').trim()).not.to.equal(name);
});

Then('the hostname inside container {container} is the first 12 characters of its id', async function (this: DockspecWorld, name: string) {
  const id = await this.must(`docker inspect -f '{{.Id}}' ${name}`);
  expect(id, `id of ${name}`).to.match(/^[0-9a-f]{64}$/);
  const hostname = await this.must(`docker exec ${name} hostname`);
  expect(hostname, `hostname inside ${name} (id ${id})`).to.equal(id.slice(0, 12));
});

// --- network namespace --------------------------------------------------------------------------

async function interfacesInside(world: DockspecWorld, name: string): Promise<string[]> {
  const out = await world.must(`docker exec ${name} ip -o link`);
  // "1122: eth0@if1123: <…>": the part after @ names the peer's index, not the interface.
  return out.split('\n').map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1]).filter((n): n is string => !!n);
}

Then('the network interfaces inside container {container} are {string}', async function (this: DockspecWorld, name: string, list: string) {
  const want = list.split(',').map((s) => s.trim()).sort();
  expect((await interfacesInside(this, name)).sort(), `interfaces inside ${name}`).to.deep.equal(want);
});

Then('eth0 inside container {container} is one end of a veth pair whose host end is attached to the engine\'s bridge', async function (this: DockspecWorld, name: string) {
  const skip = this.skipUnlessLocalHost('reads the host\'s /sys/class/net');
  if (skip) return skip;
  // A veth end's iflink is the ifindex of its peer, counted in the peer's namespace: here the host's.
  const [index, peerIndex] = (await this.must(`docker exec ${name} cat /sys/class/net/eth0/ifindex /sys/class/net/eth0/iflink`)).split('\n').map(Number);
  const read = (n: string, f: string) => {
    try {
      return Number(readFileSync(`/sys/class/net/${n}/${f}`, 'utf8'));
    } catch {
      return -1;
    }
  };
  const hostEnd = readdirSync('/sys/class/net').find((n) => read(n, 'ifindex') === peerIndex);
  if (!hostEnd) throw new Error(`no host interface has ifindex ${peerIndex}, the peer of eth0 in ${name}`);
  expect(read(hostEnd, 'iflink'), `${hostEnd}'s peer should be eth0 of ${name} (ifindex ${index})`).to.equal(index);
  expect(readlinkSync(`/sys/class/net/${hostEnd}`), `${hostEnd} should be a virtual interface`).to.include('/devices/virtual/');
  expect(existsSync(`/sys/class/net/${hostEnd}/master`), `${hostEnd} should be attached to a bridge`).to.equal(true);
  const master = basename(readlinkSync(`/sys/class/net/${hostEnd}/master`));
  expect(existsSync(`/sys/class/net/${master}/bridge`), `${master}, which ${hostEnd} is attached to, should be a bridge`).to.equal(true);
  expect(master, `the bridge ${hostEnd} is attached to`).to.equal((await this.bridge()).name);
  this.attach(`eth0 in ${name} (ifindex ${index}) ↔ ${hostEnd} on the host (ifindex ${peerIndex}), attached to ${master}`, 'text/plain');
  this.vethBridge = master;
});

Then('the engine\'s bridge exists on the host but not inside container {container}', async function (this: DockspecWorld, name: string) {
  const skip = this.skipUnlessLocalHost('reads the host\'s /sys/class/net');
  if (skip) return skip;
  const bridge = this.vethBridge ?? (await this.bridge()).name;
  expect(existsSync(`/sys/class/net/${bridge}/bridge`), `the bridge ${bridge} on the host`).to.equal(true);
  expect(await interfacesInside(this, name), `interfaces inside ${name}`).not.to.include(bridge);
});
