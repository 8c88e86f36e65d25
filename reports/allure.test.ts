// Allure from real cucumber runs of the fixture: standard allure-results per target, rendered by
// Allure 3 into one file where the same scenario on two engines stays two results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALLURE_RESULTS_DIR, ENGINE_PARAMETER, TARGET_LABEL, finishAllureResults, renderAllure } from './allure.js';
import { loadDeviations, parseMessages } from './outcomes.js';
import { FIXTURE_DEVIATIONS, generateFixtureRuns } from './fixtures/generate.js';

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('allure-results per target render as one single-file Allure 3 report with an environment per target', { timeout: 120000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'dockspec-allure-test-'));
  try {
    const runs = generateFixtureRuns(join(work, 'runs'), true);
    const dirs = [runs.reference.dir, runs.docker.dir].map((d) => join(d, ALLURE_RESULTS_DIR));
    // Standard result files (what Allure 2 reads too), each naming its target.
    for (const [i, dir] of dirs.entries()) {
      const results = readdirSync(dir).filter((f) => f.endsWith('-result.json'));
      assert.equal(results.length, 7);
      const r = JSON.parse(readFileSync(join(dir, results[0]), 'utf8'));
      assert.ok(r.uuid && r.historyId && r.status && Array.isArray(r.steps));
      assert.ok(r.labels.some((l: { name: string; value: string }) => l.name === TARGET_LABEL && l.value === ['reference', 'docker'][i]));
    }
    // What dockspec run does after cucumber: engine parameter, deviations as known issues.
    for (const t of ['reference', 'docker'] as const) {
      const scenarios = parseMessages(readFileSync(runs[t].messages, 'utf8'), loadDeviations(t, FIXTURE_DEVIATIONS)).scenarios;
      assert.equal(finishAllureResults(join(runs[t].dir, ALLURE_RESULTS_DIR), t, scenarios), 7);
    }
    const all = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(readFileSync(join(d, f), 'utf8'))));
    assert.equal(new Set(all.map((r) => r.historyId)).size, 14, 'Allure 2 takes one historyId for retries: each engine needs its own');
    assert.ok(all.every((r) => r.parameters.some((p: { name: string; value: string }) => p.name === ENGINE_PARAMETER)));
    const signals = all.filter((r) => r.labels.some((l: { value: string }) => l.value === '@req:init.signals'));
    const refSignals = signals.find((r) => r.parameters.some((p: { value: string }) => p.value === 'reference'));
    assert.equal(refSignals.status, 'skipped');
    assert.equal(refSignals.statusDetails.known, true);
    assert.match(refSignals.statusDetails.message, /^expected deviation \(deviations\/reference\.json\)/);
    assert.ok(existsSync(join(dirs[0]!, 'categories.json')));
    assert.equal(all.filter((r) => r.status === 'failed' || r.status === 'broken').length, 1, 'only the docker fixture failure fails');
    const index = renderAllure(dirs, ['reference', 'docker'], join(work, 'allure'), PROJECT_ROOT);
    assert.ok(existsSync(index));
    // Single file: the report is index.html with its data inside, no data/ directory beside it.
    assert.ok(!existsSync(join(work, 'allure', 'data')));
    const summary = JSON.parse(readFileSync(join(work, 'allure', 'summary.json'), 'utf8'));
    assert.equal(summary.stats.total, 14, 'the same scenario on two engines is two results, not a retry');
    const byEnv: Record<string, number> = {};
    for (const t of Object.values(JSON.parse(readFileSync(join(work, 'allure', 'test-results.json'), 'utf8')).byId) as Array<{ environment: string }>) byEnv[t.environment] = (byEnv[t.environment] ?? 0) + 1;
    assert.deepEqual(byEnv, { reference: 7, docker: 7 });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
