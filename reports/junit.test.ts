// JUnit, summary.json, rerun.txt and the GitHub output from real cucumber runs of the fixture:
// they must count as `dockspec run` counts (a listed deviation is skipped, not failed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_DEVIATIONS, generateFixtureRuns } from './fixtures/generate.js';
import { loadDeviations, parseMessages, formatCounts, countOutcomes } from './outcomes.js';
import { junitXml } from './junit.js';
import { githubAnnotations, githubStepSummary, rerunText, summarizeRun, summarizeTarget } from './summary.js';

const work = mkdtempSync(join(tmpdir(), 'dockspec-junit-test-'));
test.after(() => rmSync(work, { recursive: true, force: true }));
let shared: ReturnType<typeof generateFixtureRuns> | undefined;
const runs = () => (shared ??= generateFixtureRuns(join(work, 'runs')));
const outcomes = (target: 'reference' | 'docker') =>
  parseMessages(readFileSync(runs()[target].messages, 'utf8'), loadDeviations(target, FIXTURE_DEVIATIONS)).scenarios;

test('an expected deviation is a skipped test with its reason and the requirement id in the name', () => {
  const xml = junitXml(outcomes('reference'), runs().reference.info);
  assert.match(xml, /<testsuites name="dockspec reference" tests="7" failures="0" errors="0" skipped="1"/);
  const signals = /<testcase [^>]*name="init\.signals: [^"]+"[^>]*>\s*<skipped message="expected deviation \(deviations\/reference\.json\): fixture: the reference engine forwards SIGTERM late[^"]*"\/>/.exec(xml);
  assert.ok(signals, xml);
  assert.doesNotMatch(xml, /<failure/);
  for (const name of xml.matchAll(/<testcase [^>]*name="([^"]+)"/g)) assert.match(name[1]!, /^[a-z]+\.[a-z0-9-]+: /);
});

test('a failure carries its step and message; a skip its reason; a listed deviation that passed is a pass', () => {
  const xml = junitXml(outcomes('docker'), runs().docker.info);
  assert.match(xml, /tests="7" failures="1" errors="0" skipped="1"/);
  assert.match(xml, /<failure type="FAILED" message="[^"]*zombie/);
  assert.match(xml, /<skipped message="[^"]*attached/);
  assert.match(xml, /init\.exit-status: [^>]*>\s*<system-out>listed as a deviation/);
});

test('summary.json, rerun.txt and GitHub output count the way the run does', () => {
  const ref = summarizeTarget(outcomes('reference'), runs().reference.info, 1);
  const dock = summarizeTarget(outcomes('docker'), runs().docker.info, 1);
  assert.deepEqual(ref.counts, { passed: 6, failed: 0, skipped: 0, deviation: 1, 'unexpected-pass': 0 });
  assert.equal(ref.areas.init!.deviation, 1);
  assert.equal(dock.failures.length, 1);
  assert.match(dock.failures[0]!.step ?? '', /\S/);
  assert.match(dock.failures[0]!.message, /zombie/);
  assert.equal(formatCounts(countOutcomes(outcomes('reference'))), '7 scenarios: 6 passed, 1 expected deviation, 0 failed');
  assert.equal(rerunText(outcomes('reference')), '');
  assert.match(rerunText(outcomes('docker')), /^reports\/fixtures\/features\/init\/\S+\.feature:\d+\n$|^features\/init\/\S+\.feature:\d+\n$/);
  const annotations = githubAnnotations(dock);
  assert.match(annotations, /^::error file=[^,]+\.feature,line=\d+,title=docker%3A init\.reaping [^:]*::.*zombie/m);
  assert.match(annotations, /^::warning .*now passes/m);
  const run = summarizeRun([ref, dock], 1, false, '0.0.0');
  assert.equal(run.counts.deviation, 1);
  assert.match(githubStepSummary(run), /\| reference \| [^|]+ \| 6 \| 1 \| 0 \| 0 \| 0 \|/);
});
