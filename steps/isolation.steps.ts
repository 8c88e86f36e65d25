// Phrases about what isolates a container: its namespaces, as /proc/<pid>/ns shows them, and its
// cgroup, as the host's cgroup files show it.
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
//   the cgroup of container "X" holds its PID 1 and is named after its full id
//                     in every hierarchy /proc/<PID 1>/cgroup names; remembers the directories
//   the cgroup of container "X" limits memory to N bytes          memory.limit_in_bytes (v1) / memory.max (v2)
//   the cgroup of container "X" limits it to N processes          pids.max
//   the cgroup of container "X" allows N microseconds of CPU time every M microseconds
//                                                                 cpu.cfs_quota_us, cpu.cfs_period_us (v1) / cpu.max (v2)
//   the cgroup of container "X" sets no memory, process or CPU limit
//   the cgroup that container "X" had is gone, and so are the processes that were in it   (polls 5 s)
//   the processes in the cgroup of container "X" never number more than N, and the kernel refuses forks beyond that
//                     samples pids.current every 10 ms until pids.events counts a refused fork
//                     (10 s; where the file is missing: until pids.current is N), then for 1 s more
//   within N seconds container "X" reports between A and B failed forks    `forks failed: K` in docker logs
//   the host can still start a process
//   its output is a memory use above zero out of "LIMIT"          `docker stats --format '{{.MemUsage}}'`
//   inside container "X", every line of /proc/self/cgroup names the root "/"
//                     `docker exec X cat /proc/self/cgroup`: a cgroup namespace rooted at its cgroup
// Cgroup directories are found as a person would: the lines of /proc/<pid>/cgroup, each mapped to
// where that hierarchy is mounted (/proc/self/mountinfo). cgroup v2 (unified, when
// /sys/fs/cgroup/cgroup.controllers exists) uses the unified file names. The engine's
// --cgroup-parent directories are removed by the harness's sweeper (cgroupParentDirs), not here.
import { Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DockspecWorld } from './support/world.js';
import { eventually } from '../harness/run-command.js';
import { scaled } from '../lib/time-scale.js';
import { isAlive, readProcess, ProcessInfo } from '../lib/proc.js';
import { describeProcess, setSubject, subjectOf } from './support/processes.js';
import { cgroupOf, controllerDir, readCgroupFile, type ContainerCgroup } from './support/cgroups.js';
import { unifiedOnly } from '../lib/cgroup-dirs.js';

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

// --- cgroups ------------------------------------------------------------------------------------

async function containerCgroup(world: DockspecWorld, name: string): Promise<ContainerCgroup> {
  const pid = await world.containerPid(name);
  const id = await world.must(`docker inspect -f '{{.Id}}' ${name}`);
  const cg = cgroupOf(pid, id);
  world.cgroups.set(name, cg);
  rememberProcs(cg);
  world.attach(`/proc/${pid}/cgroup:\n${cg.lines.join('\n')}\n\ndirectories:\n${[...cg.dirs].map(([c, d]) => `${c || '(v2)'}: ${d}`).join('\n')}`, 'text/plain');
  return cg;
}

/** The processes in the cgroup now, so that a later step can tell that they are gone. */
function rememberProcs(cg: ContainerCgroup): void {
  cg.procs = procsIn(cg).map((p) => readProcess(p)).filter((p): p is ProcessInfo => !!p);
}

function procsIn(cg: ContainerCgroup): number[] {
  const dir = controllerDir(cg, 'pids');
  try {
    return readCgroupFile(dir, 'cgroup.procs').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

Then('the cgroup of container {container} holds its PID 1 and is named after its full id', async function (this: DockspecWorld, name: string) {
  const skip = this.skipUnlessLocalHost('reads the container\'s cgroup files');
  if (skip) return skip;
  const cg = await containerCgroup(this, name);
  const id = cg.id;
  expect(id, `id of ${name}`).to.match(/^[0-9a-f]{64}$/);
  const wanted = unifiedOnly() ? [''] : ['memory', 'pids', 'cpu'];
  for (const c of wanted) {
    const dir = controllerDir(cg, c);
    // cgroupfs names it <id>, the systemd driver docker-<id>.scope: either way the full id.
    expect(basename(dir), `the ${c || 'v2'} cgroup of ${name}`).to.include(id);
    expect(readCgroupFile(dir, 'cgroup.procs').split('\n').map(Number), `${dir}/cgroup.procs`).to.include(cg.pid);
  }
});

Then('the cgroup of container {container} limits memory to {int} bytes', async function (this: DockspecWorld, name: string, bytes: number) {
  const skip = this.skipUnlessLocalHost('reads the container\'s cgroup files');
  if (skip) return skip;
  const dir = controllerDir(await containerCgroup(this, name), 'memory');
  const file = unifiedOnly() ? 'memory.max' : 'memory.limit_in_bytes';
  expect(readCgroupFile(dir, file), `${dir}/${file}`).to.equal(String(bytes));
});

Then('the cgroup of container {container} limits it to {int} processes', async function (this: DockspecWorld, name: string, n: number) {
  const skip = this.skipUnlessLocalHost('reads the container\'s cgroup files');
  if (skip) return skip;
  const dir = controllerDir(await containerCgroup(this, name), 'pids');
  expect(readCgroupFile(dir, 'pids.max'), `${dir}/pids.max`).to.equal(String(n));
});

Then('the cgroup of container {container} allows {int} microseconds of CPU time every {int} microseconds', async function (this: DockspecWorld, name: string, quota: number, period: number) {
  const skip = this.skipUnlessLocalHost('reads the container\'s cgroup files');
  if (skip) return skip;
  const dir = controllerDir(await containerCgroup(this, name), 'cpu');
  if (unifiedOnly()) {
    expect(readCgroupFile(dir, 'cpu.max'), `${dir}/cpu.max`).to.equal(`${quota} ${period}`);
  } else {
    expect(readCgroupFile(dir, 'cpu.cfs_quota_us'), `${dir}/cpu.cfs_quota_us`).to.equal(String(quota));
    expect(readCgroupFile(dir, 'cpu.cfs_period_us'), `${dir}/cpu.cfs_period_us`).to.equal(String(period));
  }
});

Then('the cgroup of container {container} sets no memory, process or CPU limit', async function (this: DockspecWorld, name: string) {
  const skip = this.skipUnlessLocalHost('reads the container\'s cgroup files');
  if (skip) return skip;
  const cg = await containerCgroup(this, name);
  const mem = controllerDir(cg, 'memory');
  const pids = controllerDir(cg, 'pids');
  const cpu = controllerDir(cg, 'cpu');
  if (unifiedOnly()) {
    expect(readCgroupFile(mem, 'memory.max'), `${mem}/memory.max`).to.equal('max');
    expect(readCgroupFile(cpu, 'cpu.max').split(' ')[0], `${cpu}/cpu.max`).to.equal('max');
  } else {
    // v1 writes "no limit" as the largest page-aligned value (PAGE_COUNTER_MAX pages).
    expect(BigInt(readCgroupFile(mem, 'memory.limit_in_bytes')) > 2n ** 62n, `${mem}/memory.limit_in_bytes`).to.equal(true);
    expect(readCgroupFile(cpu, 'cpu.cfs_quota_us'), `${cpu}/cpu.cfs_quota_us`).to.equal('-1');
  }
  expect(readCgroupFile(pids, 'pids.max'), `${pids}/pids.max`).to.equal('max');
});

Then('the cgroup that container {container} had is gone, and so are the processes that were in it', async function (this: DockspecWorld, name: string) {
  const skip = this.skipUnlessLocalHost('reads the container\'s cgroup files');
  if (skip) return skip;
  const cg = this.cgroups.get(name);
  if (!cg) throw new Error(`the cgroup of ${name} was not looked at before: a step about its cgroup must come first`);
  // Only the container's own directories: the parent (--cgroup-parent) stays for the next container.
  const dirs = [...new Set(cg.dirs.values())].filter((d) => basename(d).includes(cg.id));
  await eventually(`the cgroup directories of ${name} to disappear`, () => {
    const left = dirs.filter((d) => existsSync(d));
    if (left.length) throw new Error(`still there:\n${left.join('\n')}`);
    return true;
  }, 5000);
  const alive = cg.procs.filter((p) => isAlive(p.pid, p.startTime));
  expect(alive.map(describeProcess), `processes that were in ${name}'s cgroup`).to.deep.equal([]);
});

// --- pids limit under pressure ------------------------------------------------------------------

Then('the processes in the cgroup of container {container} never number more than {int}, and the kernel refuses forks beyond that', async function (this: DockspecWorld, name: string, limit: number) {
  const skip = this.skipUnlessLocalHost('samples the container\'s cgroup files every 10 ms');
  if (skip) return skip;
  const cg = await containerCgroup(this, name);
  const dir = controllerDir(cg, 'pids');
  const events = join(dir, 'pids.events');
  const samples: number[] = [];
  const sample = () => {
    const n = Number(readCgroupFile(dir, 'pids.current'));
    samples.push(n);
    if (n > limit) throw new Error(`pids.current is ${n}, above ${limit}`);
    return n;
  };
  // pids.events counts the forks refused at pids.max ("max N"). Where a kernel lacks the file,
  // seeing pids.current at the limit is the evidence instead.
  const refusedSoFar = () => (existsSync(events) ? Number(/^max (\d+)/m.exec(readCgroupFile(dir, 'pids.events'))?.[1] ?? 0) : sample() === limit ? 1 : 0);
  // a slow host (DOCKSPEC_TIME_SCALE) takes longer to fork up to the limit; it is still reached
  const windowMs = scaled(10000);
  const until = Date.now() + windowMs;
  while (sample() >= 0 && refusedSoFar() === 0) {
    if (Date.now() > until) throw new Error(`no fork was refused within ${windowMs / 1000} s; pids.current samples ${samples.slice(-10).join(', ')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  // Keep watching while the bomb still pushes against the limit.
  const watchUntil = Date.now() + 1000;
  while (Date.now() < watchUntil) {
    sample();
    await new Promise((r) => setTimeout(r, 10));
  }
  rememberProcs(cg);
  const refused = existsSync(events) ? readCgroupFile(dir, 'pids.events') : 'no pids.events file';
  this.attach(`${samples.length} samples of ${dir}/pids.current, highest ${Math.max(...samples)}\n${events}: ${refused}`, 'text/plain');
  this.snapshot(`container ${name} at its pids limit`);
});

Then('within {int} seconds container {container} reports between {int} and {int} failed forks', async function (this: DockspecWorld, seconds: number, name: string, low: number, high: number) {
  const n = await eventually(`"forks failed: N" in the logs of ${name}`, async () => {
    const r = await this.run(`docker logs ${name}`);
    const m = /forks failed: (\d+)/.exec(r.stdout + r.stderr);
    return m ? Number(m[1]) : undefined;
  }, seconds * 1000, 250);
  expect(n, `failed forks reported by ${name}`).to.be.within(low, high);
});

Then('the host can still start a process', async function (this: DockspecWorld) {
  const skip = this.skipUnlessLocalHost('starts a process on the host');
  if (skip) return skip;
  await new Promise<void>((resolve, reject) => {
    execFile('true', [], { timeout: scaled(5000) }, (err) => (err ? reject(new Error(`the host could not run "true": ${err.message}`)) : resolve()));
  });
});

Then('inside container {container}, every line of \\/proc\\/self\\/cgroup names the root {string}', async function (this: DockspecWorld, name: string, root: string) {
  const text = await this.must(`docker exec ${name} cat /proc/self/cgroup`);
  this.attach(text, 'text/plain');
  const lines = text.split('\n').filter(Boolean);
  expect(lines, 'lines of /proc/self/cgroup').to.not.be.empty;
  for (const line of lines) expect(line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1), line).to.equal(root);
});

// --- docker stats -------------------------------------------------------------------------------

const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4, kB: 1e3, MB: 1e6, GB: 1e9 };

function size(text: string): number {
  const m = /^([\d.]+)\s*([A-Za-z]+)$/.exec(text.trim());
  if (!m || !(m[2] in UNITS)) throw new Error(`"${text}" is not a size such as 576KiB`);
  return Number(m[1]) * UNITS[m[2]];
}

Then('its output is a memory use above zero out of {string}', function (this: DockspecWorld, limit: string) {
  const out = this.last?.stdout.trim() ?? '';
  const m = /^(\S+) \/ (\S+)$/.exec(out);
  if (!m) throw new Error(`expected "USE / LIMIT", got "${out}"`);
  expect(size(m[1]), `memory use in "${out}"`).to.be.above(0);
  expect(m[2], `limit in "${out}"`).to.equal(limit);
});
