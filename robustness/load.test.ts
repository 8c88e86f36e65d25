// npm test's short form of the load run: 50 concurrent `docker run -d`, then 50 `docker rm -f`,
// no error, nothing left, and ref-dockerd's RSS back within 30 MB of where it started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLoad, load } from './load.js';

test('load: 50 concurrent docker run -d and docker rm -f through the CLI, memory returns near its start', { timeout: 150000 }, async () => {
  const f = await load(Number(process.env.LOAD_CONTAINERS ?? 50), 10);
  process.stdout.write(`# ${formatLoad(f)}\n`);
  assert.deepEqual(f.runErrors, [], 'docker run -d errors');
  assert.deepEqual(f.rmErrors, [], 'docker rm -f errors');
  assert.deepEqual(f.leftovers, [], 'left behind after rm -f and daemon stop');
  assert.ok(f.rssAfter - f.rssBefore < 30, `RSS after (${f.rssAfter.toFixed(1)} MB) within 30 MB of before (${f.rssBefore.toFixed(1)} MB)`);
});
