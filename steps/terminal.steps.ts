// Phrases about a container's terminal and about pausing it. The docker CLI gets a terminal of its
// own (support/terminal.ts) so that `-it` works as it does for a person.
// Glossary:
//   I run "CMD" in a terminal                    runs CMD on a pty until it ends (60 s); "its output"
//                                                is the screen, "the command" its exit code
//   I start "CMD" in a terminal                  CMD keeps running: "the terminal" from now on
//   I type "TEXT" in the terminal                TEXT and Enter
//   within N seconds the terminal shows "TEXT"   the screen, escapes and carriage returns dropped
//   PID 1 of container "X" has a terminal whose master only its shim holds
//                                                fd 0 of PID 1 is a pts of a devpts mounted at
//                                                /dev/pts in the container and not on the host;
//                                                of every process on the host, exactly the parent
//                                                of PID 1 (a containerd-shim) holds its master
//   the cgroup of container "X" is frozen / is not frozen
//                                                v1: freezer.state FROZEN / THAWED; v2: cgroup.freeze 1 / 0
import { Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { DockspecWorld } from './support/world.js';
import { TerminalSession } from './support/terminal.js';
import { freezerOf, thaw } from './support/cgroup-freezer.js';
import { masterHolders, mountOf, ptsOf } from './support/pty.js';
import { listProcesses, processName, readProcess } from '../lib/proc.js';

function openTerminal(world: DockspecWorld, command: string): TerminalSession {
  const t = new TerminalSession(command, world.commandEnv());
  world.terminals.push(t);
  world.cleanups.push(() => t.close());
  return t;
}

function theTerminal(world: DockspecWorld): TerminalSession {
  const t = world.terminals.at(-1);
  if (!t) throw new Error('no terminal was opened: a step "I start "…" in a terminal" must come first');
  return t;
}

function record(world: DockspecWorld, t: TerminalSession, note = ''): void {
  world.attach(`$ ${t.command}   (on a terminal${note})\n--- screen ---\n${t.screen}`, 'text/plain');
}

When('I run {string} in a terminal', async function (this: DockspecWorld, command: string) {
  const cmd = await this.resolve(command);
  const t = openTerminal(this, cmd);
  const { exitCode, timedOut } = await t.finish(60000);
  record(this, t, `, exit ${exitCode}${timedOut ? ', killed at its deadline' : ''}`);
  this.last = { command: cmd, exitCode, stdout: t.screen, stderr: t.screen, durationMs: Date.now() - t.started, timedOut };
});

When('I start {string} in a terminal', async function (this: DockspecWorld, command: string) {
  openTerminal(this, await this.resolve(command));
});

When('I type {string} in the terminal', function (this: DockspecWorld, text: string) {
  theTerminal(this).typeLine(text);
});

Then('within {int} seconds the terminal shows {string}', async function (this: DockspecWorld, seconds: number, text: string) {
  const t = theTerminal(this);
  try {
    await t.waitFor(await this.resolve(text), seconds * 1000);
  } finally {
    record(this, t);
  }
});

Then('PID 1 of container {container} has a terminal whose master only its shim holds', async function (this: DockspecWorld, name: string) {
  const skip = this.skipUnlessLocalHost("reads the file descriptors of the host's processes");
  if (skip) return skip;
  const pid = await this.containerPid(name);
  const pts = ptsOf(pid, 0);
  expect(pts, `fd 0 of PID 1 of ${name} (pid ${pid}) should be a pts`).not.to.equal(undefined);
  // made inside the container: a devpts of the container's own, not the host's
  const inside = mountOf(pid, pts!.mntId);
  const host = mountOf(process.pid, pts!.mntId);
  expect(inside, `mount ${pts!.mntId} of ${pts!.path} in PID 1 of ${name}`).to.deep.equal({ mountPoint: '/dev/pts', devpts: true });
  expect(host, `mount ${pts!.mntId} (the container's /dev/pts) should not be a mount of the host`).to.equal(undefined);
  const all = listProcesses();
  const holders = masterHolders(pts!, all.map((p) => p.pid)).map((h) => readProcess(h)).filter((p) => !!p);
  const shown = holders.map((p) => `${p!.pid} ${processName(p!)} (ppid ${p!.ppid})`);
  this.attach(`PID 1 of ${name}: pid ${pid}, fd 0 → ${pts!.path} (devpts mount ${pts!.mntId}); master held by:\n${shown.join('\n') || 'nobody'}`, 'text/plain');
  const init = readProcess(pid)!;
  expect(holders.map((p) => p!.pid), `holders of the master of ${pts!.path}: ${shown.join('; ') || 'none'}; the parent of PID 1 is ${init.ppid}`).to.deep.equal([init.ppid]);
  expect(this.roleOf(holders[0]!), `the holder ${shown[0]}`).to.equal('containerd-shim');
});

async function freezerOfContainer(world: DockspecWorld, name: string) {
  const f = freezerOf(await world.containerPid(name));
  world.attach(`${f.file}: ${f.value}`, 'text/plain');
  return f;
}

Then('the cgroup of container {container} is frozen', async function (this: DockspecWorld, name: string) {
  const skip = this.skipUnlessLocalHost("reads the container's cgroup files");
  if (skip) return skip;
  const f = await freezerOfContainer(this, name);
  if (f.frozen && !this.frozenCgroups.has(f.file)) {
    this.frozenCgroups.add(f.file);
    // Frozen processes do not die of SIGKILL: a scenario that fails here must not leave them stuck.
    this.cleanups.push(() => thaw(f.file, f.thawValue));
  }
  expect(f.frozen, `${f.file} says ${f.value}`).to.equal(true);
});

Then('the cgroup of container {container} is not frozen', async function (this: DockspecWorld, name: string) {
  const skip = this.skipUnlessLocalHost("reads the container's cgroup files");
  if (skip) return skip;
  const f = await freezerOfContainer(this, name);
  expect(f.frozen || f.value === 'FREEZING', `${f.file} says ${f.value}`).to.equal(false);
});
