// Phrases about a container's cgroup, as the host's cgroup files show it, and about what its limits
// do under pressure. Its namespaces: isolation.steps.ts.
// Glossary:
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
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DockspecWorld } from './support/world.js';
import { eventually } from '../harness/run-command.js';
import { scaled } from '../lib/time-scale.js';
import { isAlive, readProcess, ProcessInfo } from '../lib/proc.js';
import { describeProcess } from './support/processes.js';
import { cgroupOf, controllerDir, readCgroupFile, type ContainerCgroup } from './support/cgroups.js';
import { unifiedOnly } from '../lib/cgroup-dirs.js';

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
