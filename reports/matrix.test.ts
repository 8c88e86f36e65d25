// The matrix from real cucumber message files (generated from reports/fixtures): shards of one
// target on one host merge into one column; another target makes a second column; deviations
// apply per target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMatrix, loadRun } from './matrix.js';
import { FIXTURE_DEVIATIONS, fixtureInfo, generateFixtureRuns, runFixture } from './fixtures/generate.js';
import { processTreeSvg } from './process-tree-svg.js';
import { renderHtml } from './html.js';

const work = mkdtempSync(join(tmpdir(), 'dockspec-matrix-test-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

// Two cucumber runs take a few seconds: the tests that only read them share one pair.
let shared: ReturnType<typeof generateFixtureRuns> | undefined;
const twoRuns = () => (shared ??= generateFixtureRuns(join(work, 'two')));

test('two targets give two columns with the fixture outcomes', () => {
  const runs = twoRuns();
  const m = buildMatrix([loadRun(runs.reference.messages, FIXTURE_DEVIATIONS), loadRun(runs.docker.messages, FIXTURE_DEVIATIONS)]);
  assert.deepEqual(m.columns.map((c) => c.target), ['reference', 'docker']);
  assert.equal(m.rows.length, 7);
  assert.deepEqual(m.columns[0].counts, { passed: 6, failed: 0, skipped: 0, deviation: 1, 'unexpected-pass': 0 });
  assert.deepEqual(m.columns[1].counts, { passed: 4, failed: 1, skipped: 1, deviation: 0, 'unexpected-pass': 1 });
  const reaping = m.rows.find((r) => r.reqId === 'init.reaping')!;
  assert.equal(reaping.differs, true);
  const failed = reaping.cells[m.columns[1].key]!;
  assert.match(failed.reason ?? '', /zombie/);
  const skipped = m.rows.find((r) => r.reqId === 'init.daemon-flag')!.cells[m.columns[1].key]!;
  assert.match(skipped.reason ?? '', /attached/);
  assert.deepEqual(m.areas, ['init', 'proxy']);
  assert.equal(m.countsByArea.proxy[m.columns[0].key].passed, 2);
});

test('shards of one target on one host merge into one column', () => {
  const a = runFixture(join(work, 'shard1'), fixtureInfo('docker', { shard: '1/2' }), { attached: true });
  const b = runFixture(join(work, 'shard2'), fixtureInfo('docker', { shard: '2/2', startedAt: '2025-01-01T10:05:00.000Z' }), { attached: true });
  const m = buildMatrix([loadRun(a.messages, FIXTURE_DEVIATIONS), loadRun(b.messages, FIXTURE_DEVIATIONS)]);
  assert.equal(m.columns.length, 1);
  assert.deepEqual(m.columns[0].shards.sort(), ['1/2', '2/2']);
  assert.equal(m.columns[0].files.length, 2);
  assert.equal(m.rows.length, 7);
  assert.equal(m.columns[0].startedAt, '2025-01-01T10:00:00.000Z');
});

test('another host is another column', () => {
  const a = runFixture(join(work, 'hostA'), fixtureInfo('docker'));
  const b = runFixture(join(work, 'hostB'), fixtureInfo('docker', { host: 'ci-runner-2', engineVersion: 'Docker version 26.1.5' }));
  const m = buildMatrix([loadRun(a.messages, FIXTURE_DEVIATIONS), loadRun(b.messages, FIXTURE_DEVIATIONS)]);
  assert.equal(m.columns.length, 2);
  assert.deepEqual(m.columns.map((c) => c.host).sort(), ['ci-runner-2', 'fixture-host']);
});

test('without run.json the target comes from the directory name', () => {
  const runs = generateFixtureRuns(join(work, 'norun'));
  rmSync(join(runs.docker.dir, 'run.json'));
  const r = loadRun(runs.docker.messages, FIXTURE_DEVIATIONS);
  assert.equal(r.info.target, 'docker');
  assert.equal(r.info.host, 'unknown host');
});

test('the process tree draws every process with parent edges, nested pids and listeners', () => {
  const runs = twoRuns();
  const m = buildMatrix([loadRun(runs.docker.messages, FIXTURE_DEVIATIONS)]);
  const row = m.rows.find((r) => r.reqId === 'proxy.per-mapping')!;
  const snap = row.cells[m.columns[0].key]!.snapshots[0];
  const svg = processTreeSvg(snap);
  assert.equal((svg.match(/<g class="proc/g) ?? []).length, snap.processes.length);
  // dockerd → containerd, dockerd → 2 proxies, shim → docker-init → sleep
  assert.equal((svg.match(/class="edge"/g) ?? []).length, 5);
  assert.match(svg, /pid 1 in container/);
  assert.match(svg, /listens \[::\]:8080/);
  assert.match(svg, /reparented to the host init/);
  const html = renderHtml(m);
  assert.ok(!/<(script|link|img)[^>]+(src|href)=["']?https?:/i.test(html), 'the report must not load anything from the network');
  assert.ok(readFileSync(runs.docker.messages, 'utf8').includes('"testRunFinished"'), 'fixture is a complete cucumber message stream');
});
