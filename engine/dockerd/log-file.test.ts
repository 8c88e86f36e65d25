import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JsonFileLogger, readLogFile } from './log-file.js';

test('lines are split at newlines and partial lines flushed at close', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logs-'));
  const file = path.join(dir, 'x-json.log');
  const l = new JsonFileLogger(file);
  l.write('stdout', Buffer.from('one\ntw'));
  l.write('stderr', Buffer.from('err\n'));
  l.write('stdout', Buffer.from('o\nthree'));
  l.close();
  const got = readLogFile(file).map((e) => [e.stream, e.log]);
  assert.deepEqual(got, [
    ['stdout', 'one\n'],
    ['stderr', 'err\n'],
    ['stdout', 'two\n'],
    ['stdout', 'three'],
  ]);
  assert.match(readLogFile(file)[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  fs.rmSync(dir, { recursive: true });
});
