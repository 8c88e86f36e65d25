// Phrases about `docker events`, the engine daemon's record of what happened to its containers.
// Glossary:
//   the time now is noted as <now>   <now> is this moment, as seconds.nanoseconds (what --since and
//                             --until take; their durations, "10s", count whole seconds only)
//   "CMD" is streaming events   CMD (a `docker events …`) runs in the background from here to the
//                             end of the scenario (with --since <now> it misses nothing that happens
//                             while it connects). A `container=<x>` filter names the scenario's
//                             container <x> (as `--name <x>` will).
//   within N seconds the streamed events of container "X" are "A, B, …"
//                             the container events the stream printed for X (by id or name), exactly
//                             these actions in this order
//   … include "A, B, …" in this order      these actions appear in this order, others may come between
//   the streamed "ACTION" event of container "X" has the attribute KEY "VALUE"
//   its output lines are "A, B, …"        the last command printed exactly these lines
import { Given, Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import { DockspecWorld } from './support/world.js';
import { EventStream, type StreamedEvent } from './support/event-stream.js';
import { eventually } from '../harness/run-command.js';

const list = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);

function stream(world: DockspecWorld): EventStream {
  if (!world.eventStream) throw new Error('no docker events is streaming: add "Given \\"docker events …\\" is streaming events" first');
  return world.eventStream;
}

async function containerEvents(world: DockspecWorld, name: string): Promise<StreamedEvent[]> {
  const id = (await world.run(`docker inspect -f '{{.Id}}' ${name}`)).stdout.trim();
  return stream(world)
    .events()
    .filter((e) => e.Type === 'container' && ((id && e.Actor?.ID === id) || e.Actor?.Attributes?.name === name));
}

function isSubsequence(want: string[], got: string[]): boolean {
  let i = 0;
  for (const a of got) if (a === want[i]) i++;
  return i === want.length;
}

Given('the time now is noted as <now>', function (this: DockspecWorld) {
  const now = Date.now();
  this.vars.set('now', `${Math.floor(now / 1000)}.${String(now % 1000).padStart(3, '0')}000000`);
});

Given('{string} is streaming events', async function (this: DockspecWorld, command: string) {
  for (const m of command.matchAll(/container=<([a-z][a-z0-9_]*)>/g)) this.containerName(m[1]);
  const cmd = await this.resolve(command);
  const s = new EventStream(cmd, this.commandEnv());
  this.eventStream = s;
  this.cleanups.push(async () => {
    await s.stop();
    this.attach(`$ ${cmd} (in the background)\n--- stdout ---\n${s.lines.join('\n')}\n--- stderr ---\n${s.stderr}`, 'text/plain');
  });
  // a command that fails at once (a bad flag, no daemon) says so here rather than as "no events"
  await new Promise((r) => setTimeout(r, 200));
  if (!s.running) throw new Error(`"${cmd}" exited at once: ${s.stderr.trim()}`);
});

Then('within {int} seconds the streamed events of container {container} are {string}', async function (this: DockspecWorld, seconds: number, name: string, actions: string) {
  const want = list(actions);
  let got: string[] = [];
  await eventually(
    `the events of ${name} to be ${want.join(', ')}`,
    async () => {
      got = (await containerEvents(this, name)).map((e) => e.Action ?? '');
      if (got.length > want.length) throw new Error(`the events of ${name} were ${got.join(', ')}; expected ${want.join(', ')}`);
      return got.join(',') === want.join(',');
    },
    seconds * 1000,
    200,
  ).catch((err: Error) => {
    throw new Error(`${err.message} (streamed for ${name}: ${got.join(', ') || 'nothing'})`);
  });
});

Then('within {int} seconds the streamed events of container {container} include {string} in this order', async function (this: DockspecWorld, seconds: number, name: string, actions: string) {
  const want = list(actions);
  let got: string[] = [];
  await eventually(
    `the events of ${name} to include ${want.join(', ')} in this order`,
    async () => {
      got = (await containerEvents(this, name)).map((e) => e.Action ?? '');
      return isSubsequence(want, got);
    },
    seconds * 1000,
    200,
  ).catch((err: Error) => {
    throw new Error(`${err.message} (streamed for ${name}: ${got.join(', ') || 'nothing'})`);
  });
});

Then('the streamed {string} event of container {container} has the attribute {word} {string}', async function (this: DockspecWorld, action: string, name: string, key: string, value: string) {
  const events = (await containerEvents(this, name)).filter((e) => e.Action === action);
  expect(events.length, `"${action}" events streamed for ${name}`).to.equal(1);
  expect(events[0]!.Actor?.Attributes ?? {}, `attributes of the ${action} event of ${name}`).to.have.property(key, value);
});

Then('its output lines are {string}', function (this: DockspecWorld, lines: string) {
  const got = (this.last?.stdout ?? '').split('\n').filter(Boolean);
  expect(got, `lines printed by "${this.last?.command}"`).to.deep.equal(list(lines));
});
