import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, formatLine, parseLogLevel } from './logrus.js';
import { rfc3339Nano } from './clock.js';

test('a log line reads like dockerd and containerd write it', () => {
  const line = formatLine('info', 'task exit', { id: 'abc', exitStatus: 137, error: 'a b', skipped: undefined }, '2026-01-02T03:04:05.5Z');
  assert.equal(line, 'time="2026-01-02T03:04:05.5Z" level=info msg="task exit" error="a b" exitStatus=137 id=abc\n');
});

test('levels below the minimum are dropped; warn is spelled warning', () => {
  const lines: string[] = [];
  const log = createLogger((l) => lines.push(l), parseLogLevel('warn'));
  log.info('quiet');
  log.warn('loud');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /level=warning msg="loud"/);
});

test('times are RFC 3339 in UTC with the fraction trimmed as Go trims it', () => {
  assert.equal(rfc3339Nano(1_767_323_045_120_000_000n), '2026-01-02T03:04:05.12Z');
  assert.equal(rfc3339Nano(1_767_323_045_000_000_000n), '2026-01-02T03:04:05Z');
  assert.equal(rfc3339Nano(1_767_323_045_000_000_001n), '2026-01-02T03:04:05.000000001Z');
  assert.match(rfc3339Nano(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
});
