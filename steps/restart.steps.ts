// Phrases about restart policies: what the engine daemon does after a container's command ends.
// Glossary:
//   the PID 1 of container "X" is killed with SIGKILL from the host
//                             kill(2) on the host pid of the container's PID 1, from outside the engine
//                             (not `docker kill`, which tells the engine the user stopped it)
//   within N seconds container "X" runs again with another PID 1
//                             State.Running, and State.Pid is not the one killed
//   within N seconds container "X" settles in state "S"
//                             State.Status is S, and still is 2 seconds later (the first restart
//                             comes 100 ms after an exit, so a restart would show)
//   within N seconds container "X" has been restarted at least K times
//                             RestartCount ≥ K, and its logs hold at least K+1 lines (one a run)
//   container "X" is restarted K times and then stays exited
//                             within 30 s: RestartCount K, State.Status exited and staying so, K+1
//                             lines logged
// The deadlines are generous: Docker restarts within a second, the reference on a loaded machine
// takes seconds per start; a policy that does not restart fails them all the same.
import { Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { DockspecWorld } from './support/world.js';
import { eventually, throughout } from '../harness/run-command.js';

const HOLD_MS = 2000;

interface Seen {
  status: string;
  running: boolean;
  pid: number;
  restartCount: number;
  exitCode: number;
}

async function inspect(world: DockspecWorld, name: string): Promise<Seen> {
  const out = await world.must(`docker inspect -f '{{.State.Status}} {{.State.Running}} {{.State.Pid}} {{.RestartCount}} {{.State.ExitCode}}' ${name}`);
  const [status, running, pid, restartCount, exitCode] = out.split(' ');
  return { status: status!, running: running === 'true', pid: Number(pid), restartCount: Number(restartCount), exitCode: Number(exitCode) };
}

const describe = (s: Seen) => `status ${s.status}, pid ${s.pid}, RestartCount ${s.restartCount}, exit code ${s.exitCode}`;

async function logLines(world: DockspecWorld, name: string): Promise<number> {
  return (await world.must(`docker logs ${name}`)).split('\n').filter(Boolean).length;
}

/** The state stays `status` (and the restart count `count`, if given) for HOLD_MS. */
async function holds(world: DockspecWorld, name: string, status: string, count?: number): Promise<Seen> {
  return throughout(async () => {
    const s = await inspect(world, name);
    if (s.status !== status || (count !== undefined && s.restartCount !== count)) {
      throw new Error(`container ${name} was ${status} but did not stay so: now ${describe(s)}`);
    }
    return s;
  }, HOLD_MS, 200);
}

When('the PID 1 of container {container} is killed with SIGKILL from the host', async function (this: DockspecWorld, name: string) {
  const skip = this.skipUnlessLocalHost('sends a signal to a host process');
  if (skip) return skip;
  const pid = await this.containerPid(name);
  this.notedPids.set(name, pid);
  process.kill(pid, 'SIGKILL');
  return undefined;
});

Then('within {int} seconds container {container} runs again with another PID 1', async function (this: DockspecWorld, seconds: number, name: string) {
  const killed = this.notedPids.get(name);
  if (killed === undefined) throw new Error(`no PID 1 of ${name} was killed in this scenario`);
  let s: Seen | undefined;
  await eventually(`${name} to run again with a PID 1 other than ${killed}`, async () => {
    s = await inspect(this, name);
    return s.running && s.pid !== 0 && s.pid !== killed;
  }, seconds * 1000, 100).catch((err: Error) => {
    throw new Error(`${err.message} (last seen: ${s ? describe(s) : 'nothing'})`);
  });
});

Then('within {int} seconds container {container} settles in state {string}', async function (this: DockspecWorld, seconds: number, name: string, status: string) {
  let s: Seen | undefined;
  await eventually(`${name} to be ${status}`, async () => {
    s = await inspect(this, name);
    return s.status === status;
  }, seconds * 1000, 100).catch((err: Error) => {
    throw new Error(`${err.message} (last seen: ${s ? describe(s) : 'nothing'})`);
  });
  await holds(this, name, status);
});

Then('within {int} seconds container {container} has been restarted at least {int} times', async function (this: DockspecWorld, seconds: number, name: string, times: number) {
  let s: Seen | undefined;
  let lines = 0;
  await eventually(`${name} to have been restarted ${times} times`, async () => {
    s = await inspect(this, name);
    lines = await logLines(this, name);
    return s.restartCount >= times && lines >= times + 1;
  }, seconds * 1000, 100).catch((err: Error) => {
    throw new Error(`${err.message} (last seen: ${s ? describe(s) : 'nothing'}, ${lines} lines logged)`);
  });
});

Then('container {container} is restarted {int} times and then stays exited', async function (this: DockspecWorld, name: string, times: number) {
  let s: Seen | undefined;
  await eventually(`${name} to be exited after ${times} restarts`, async () => {
    s = await inspect(this, name);
    if (s.restartCount > times) throw new Error(`restarted more than ${times} times`);
    return s.status === 'exited' && s.restartCount === times;
  }, 30000, 100).catch((err: Error) => {
    throw new Error(`${err.message} (last seen: ${s ? describe(s) : 'nothing'})`);
  });
  await holds(this, name, 'exited', times);
  expect(await logLines(this, name), `lines logged by ${name}, one a run`).to.equal(times + 1);
});
