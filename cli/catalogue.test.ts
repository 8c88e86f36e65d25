import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCatalogue } from './catalogue.js';
import { PROJECT_ROOT } from './run.js';

const catalogue = readCatalogue(join(PROJECT_ROOT, 'features'));
const AREAS = ['transports', 'init', 'proxy', 'daemons', 'shim', 'runtime', 'isolation', 'events', 'restart'];

test('every scenario has exactly one @req id, unique across the catalogue', () => {
  const missing = catalogue.filter((e) => !e.reqId).map((e) => `${e.uri}:${e.line} ${e.scenario}`);
  assert.deepEqual(missing, [], 'scenarios without a @req: tag');
  const seen = new Map<string, string>();
  for (const e of catalogue) {
    const here = `${e.uri}:${e.line}`;
    assert.ok(!seen.has(e.reqId) || seen.get(e.reqId) === here, `@req:${e.reqId} used twice: ${seen.get(e.reqId)} and ${here}`);
    seen.set(e.reqId, here);
  }
});

test('every requirement id names its area, and its feature carries the area tag', () => {
  for (const e of catalogue) {
    assert.ok(AREAS.includes(e.area), `${e.uri}:${e.line}: @req:${e.reqId} is in no known area (${AREAS.join(', ')})`);
    assert.ok(e.featureTags.includes(`@${e.area}`), `${e.uri}: the Feature of @req:${e.reqId} lacks the tag @${e.area}`);
  }
});

test('every scenario says how it was seen failing (docs/design.md principle 4)', () => {
  const unproven = catalogue.filter((e) => !e.seenFailing).map((e) => `${e.uri}:${e.line} ${e.scenario}`);
  assert.deepEqual(unproven, [], 'scenarios without a "# seen failing: …" comment above them');
});

test('features/README.md lists exactly the requirement ids of the features', () => {
  const readme = readFileSync(join(PROJECT_ROOT, 'features', 'README.md'), 'utf8');
  const listed = new Set([...readme.matchAll(/`([a-z]+\.[a-z0-9-]+)`/g)].map((m) => m[1]));
  const actual = new Set(catalogue.map((e) => e.reqId));
  assert.deepEqual([...actual].filter((id) => !listed.has(id)).sort(), [], 'ids missing from features/README.md');
  assert.deepEqual([...listed].filter((id) => !actual.has(id)).sort(), [], 'ids in features/README.md that no scenario has');
});
