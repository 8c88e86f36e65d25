import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readCatalogue, sourceKinds } from './catalogue.js';
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

test('every scenario says where its claim comes from (a Source: line: the account, a documentation page, a measurement)', () => {
  const unsourced = catalogue
    .filter((e) => {
      const k = sourceKinds(e.source);
      return !k.account && !k.docs.length && !k.measured;
    })
    .map((e) => `${e.uri}:${e.line} ${e.scenario}`);
  assert.deepEqual(unsourced, [], 'scenarios without a "Source:" naming the account (docs/design.md), a "Title" (https://…) page or "measured on Docker <version>"');
});

test("a Source: cites only the repository's own files and public addresses", () => {
  for (const e of catalogue) {
    for (const path of e.source.match(/(?<![\w/.-])(?:docs|deviations|features)\/[\w./-]+\.(?:md|json|feature)\b/g) ?? []) {
      assert.ok(existsSync(join(PROJECT_ROOT, path)), `${e.uri}:${e.line}: its Source cites ${path}, which the repository does not have`);
    }
    for (const doc of sourceKinds(e.source).docs) assert.match(doc.url, /^https:\/\/[a-z0-9.-]+\.[a-z]+\//, `${e.uri}:${e.line}: ${doc.url}`);
  }
  // A clone has only the repository: nothing under features/ may point outside it.
  const outside = /\.\.\/shared|\/work\/|\b(?:DESIGN|STYLE|docker-facts|containerd-facts)\.md\b/;
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  for (const file of walk(join(PROJECT_ROOT, 'features'))) {
    const hit = readFileSync(file, 'utf8').split('\n').findIndex((l) => outside.test(l));
    assert.equal(hit, -1, `${file}:${hit + 1} cites a path outside the repository`);
  }
});

test('a Source: that says 26.1.5 differs is a listed deviation of docker26, and only then', () => {
  const deviations = JSON.parse(readFileSync(join(PROJECT_ROOT, 'deviations', 'docker26.json'), 'utf8')) as Record<string, string>;
  for (const e of catalogue) {
    const differs = /26\.1\.5 differs/.test(e.source);
    assert.equal(differs, e.reqId in deviations, `${e.uri}:${e.line} @req:${e.reqId}: its Source ${differs ? 'says 26.1.5 differs, but deviations/docker26.json does not list it' : 'does not say that 26.1.5 differs, but deviations/docker26.json lists it'}`);
  }
  const docker = JSON.parse(readFileSync(join(PROJECT_ROOT, 'deviations', 'docker.json'), 'utf8')) as Record<string, string>;
  for (const e of catalogue) assert.ok(!(e.reqId in docker && /measured on Docker 20\.10/.test(e.source)), `@req:${e.reqId} is a deviation of docker (20.10) but its Source says it was measured there`);
});
