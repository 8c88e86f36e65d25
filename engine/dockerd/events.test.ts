import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventLog, EVENTS_LIMIT, eventJson } from './events.js';
import { includeEvent, parseEventTime } from './api/events.js';
import type { Container } from './container-store.js';

const c = { rec: { ID: 'a'.repeat(64), Name: '/web', Config: { Image: 'busybox', Labels: { zz: '1', app: 'x' } } } } as unknown as Container;

test("a container event has Docker's fields, the attributes sorted, and strictly increasing times", () => {
  const log = new EventLog();
  const a = log.container(c, 'die', { exitCode: '3' });
  const b = log.container(c, 'destroy');
  assert.deepEqual(Object.keys(a), ['status', 'id', 'from', 'Type', 'Action', 'Actor', 'scope', 'time', 'timeNano']);
  assert.deepEqual(Object.keys(a.Actor.Attributes), ['app', 'exitCode', 'image', 'name', 'zz']);
  assert.equal(a.from, 'busybox');
  assert.equal(a.Actor.Attributes.name, 'web');
  assert.ok(b.timeNano > a.timeNano);
  assert.equal(BigInt(a.time), a.timeNano / 1_000_000_000n);
  // every digit of the int64, as Go writes it
  assert.ok(eventJson(a).endsWith(`"time":${a.time},"timeNano":${a.timeNano}}`), eventJson(a));
  assert.equal(JSON.parse(eventJson(a)).Action, 'die');
});

test('the log keeps the last EVENTS_LIMIT events', () => {
  const log = new EventLog();
  for (let i = 0; i < EVENTS_LIMIT + 5; i++) log.container(c, 'start');
  assert.equal(log.past().length, EVENTS_LIMIT);
});

test('filters: container by name or id prefix, event, type, label', () => {
  const m = new EventLog().container(c, 'exec_create: sh -c true');
  assert.equal(includeEvent({ container: ['web'] }, m), true);
  assert.equal(includeEvent({ container: ['aaaa'] }, m), true);
  assert.equal(includeEvent({ container: ['other'] }, m), false);
  assert.equal(includeEvent({ event: ['exec_create'] }, m), true);
  assert.equal(includeEvent({ event: ['die'] }, m), false);
  assert.equal(includeEvent({ type: ['network'] }, m), false);
  assert.equal(includeEvent({ label: ['app=x'] }, m), true);
  assert.equal(includeEvent({ label: ['app=y'] }, m), false);
});

test('since and until as the CLI sends them, and Go strconv errors', () => {
  assert.equal(parseEventTime('since', null), undefined);
  assert.equal(parseEventTime('since', '12'), 12_000_000_000n);
  assert.equal(parseEventTime('since', '12.5'), 12_500_000_000n);
  assert.equal(parseEventTime('since', '1.000000001'), 1_000_000_001n);
  assert.throws(() => parseEventTime('since', 'abc'), /strconv.ParseInt: parsing "abc": invalid syntax/);
});
