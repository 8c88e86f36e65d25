// The report as people see it: built from real cucumber message files (the fixture features run
// by cucumber-js), opened from file:// in headless Chromium (Debian's chromium driven by
// playwright-core, no browser download). The counts it shows must be the counts in the message
// files, its filters must work, and it leaves a screenshot at reports/out/report.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildReport } from './report.js';
import { FIXTURE_DEVIATIONS, generateFixtureRuns } from './fixtures/generate.js';

const CHROMIUM = process.env.DOCKSPEC_CHROMIUM ?? '/usr/bin/chromium';
const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCREENSHOT = join(PROJECT_ROOT, 'reports', 'out', 'report.png');

/**
 * Outcome counts straight from a message stream, without the report's own parser: the worst step
 * status of each test case's last attempt, then the fixture's deviation lists by @req tag.
 */
function countFromMessages(file: string, deviations: Record<string, string>): Record<string, number> {
  const pickles = new Map<string, string[]>();
  const caseToPickle = new Map<string, string>();
  const startedToCase = new Map<string, string>();
  const worst = new Map<string, string>();
  const rank = ['PASSED', 'SKIPPED', 'PENDING', 'UNDEFINED', 'AMBIGUOUS', 'FAILED'];
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const m = JSON.parse(line);
    if (m.pickle) pickles.set(m.pickle.id, m.pickle.tags.map((t: { name: string }) => t.name));
    if (m.testCase) caseToPickle.set(m.testCase.id, m.testCase.pickleId);
    if (m.testCaseStarted) {
      const pickle = caseToPickle.get(m.testCaseStarted.testCaseId)!;
      startedToCase.set(m.testCaseStarted.id, pickle);
      worst.set(pickle, 'PASSED');
    }
    if (m.testStepFinished) {
      const pickle = startedToCase.get(m.testStepFinished.testCaseStartedId)!;
      const s = m.testStepFinished.testStepResult.status;
      if (rank.indexOf(s) > rank.indexOf(worst.get(pickle)!)) worst.set(pickle, s);
    }
  }
  const counts: Record<string, number> = { passed: 0, failed: 0, skipped: 0, deviation: 0, 'unexpected-pass': 0 };
  for (const [pickle, status] of worst) {
    const listed = pickles.get(pickle)!.some((t) => t.startsWith('@req:') && t.slice(5) in deviations);
    const outcome = status === 'PASSED' ? (listed ? 'unexpected-pass' : 'passed') : status === 'SKIPPED' ? 'skipped' : listed ? 'deviation' : 'failed';
    counts[outcome]++;
  }
  return counts;
}

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: apt-get install chromium to run the report's browser test`;
if (skip) process.stdout.write(`# SKIP report browser test: ${skip}\n`);

test('the report shows the message files\' counts, filters, and draws the process trees', { skip, timeout: 120000 }, async () => {
  const { chromium } = await import('playwright-core');
  const work = mkdtempSync(join(tmpdir(), 'dockspec-report-test-'));
  const profile = mkdtempSync(join(tmpdir(), 'dockspec-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
  });
  try {
    const runs = generateFixtureRuns(join(work, 'runs'));
    const out = join(work, 'index.html');
    buildReport({ inputs: [runs.reference.dir, runs.docker.dir], out, deviationsDir: FIXTURE_DEVIATIONS });
    const page = await browser.newPage();
    // Self-contained: anything but the file itself would be a request to somewhere else.
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (r.url() !== pathToFileURL(out).href && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(out).href);

    const expected = [
      countFromMessages(runs.reference.messages, JSON.parse(readFileSync(join(FIXTURE_DEVIATIONS, 'reference.json'), 'utf8'))),
      countFromMessages(runs.docker.messages, JSON.parse(readFileSync(join(FIXTURE_DEVIATIONS, 'docker.json'), 'utf8'))),
    ];
    // The fixture reaches every outcome somewhere, or this test would prove little.
    for (const o of Object.keys(expected[0])) assert.ok(expected[0][o] + expected[1][o] > 0, `the fixture has no ${o} scenario`);
    for (const [col, counts] of expected.entries()) {
      for (const [outcome, n] of Object.entries(counts)) {
        const shown = await page.locator(`.colcard .n[data-col="${col}"][data-outcome="${outcome}"]`).textContent();
        assert.equal(Number(shown), n, `column ${col}: ${outcome}`);
      }
    }
    const total = expected[0].passed + expected[0].failed + expected[0].skipped + expected[0].deviation + expected[0]['unexpected-pass'];
    assert.equal(await page.locator('tbody.scn:not([hidden])').count(), total);
    assert.equal(await page.locator('#shown').getAttribute('data-shown'), String(total));

    // Outcome filter: only failures.
    for (const o of ['passed', 'skipped', 'deviation', 'unexpected-pass']) await page.locator(`.ofilter input[value="${o}"]`).uncheck();
    assert.equal(await page.locator('tbody.scn:not([hidden])').count(), expected[0].failed + expected[1].failed);
    for (const o of ['passed', 'skipped', 'deviation', 'unexpected-pass']) await page.locator(`.ofilter input[value="${o}"]`).check();
    // Area filter and text filter.
    await page.selectOption('#area', 'proxy');
    assert.equal(await page.locator('tbody.scn:not([hidden])').count(), 2);
    assert.equal(await page.locator('tbody.areahead[data-area="init"]').isHidden(), true);
    await page.selectOption('#area', '');
    await page.fill('#q', 'reaps orphans');
    assert.equal(await page.locator('tbody.scn:not([hidden])').count(), 1);

    // The failure opens to the failing step, its error and the command output before it.
    await page.locator('tbody.scn:not([hidden]) tr.sum').click();
    const detail = page.locator('tbody.scn:not([hidden]) tr.detail');
    assert.equal(await detail.isVisible(), true);
    assert.match((await detail.locator('.failure').textContent()) ?? '', /the fixture holds except on the "docker" target[\s\S]*zombie[\s\S]*\$ echo reaping/);
    // Process trees: both targets side by side, with the roles drawn.
    assert.equal(await detail.locator('figure.tree svg').count(), 2);
    assert.equal(await detail.locator('figure.tree svg g[data-role="docker-init"]').count(), 2);

    // A screenshot with a proxy scenario opened, for people and for README.
    // (the failure opened above stays open)
    await page.fill('#q', '');
    await page.locator('tbody.scn[data-search*="proxy.per-mapping"] tr.sum').click();
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    // The whole page in one viewport: a sticky filter bar misplaces itself in stitched full-page shots.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1440, height });
    await page.screenshot({ path: SCREENSHOT });
    assert.deepEqual(errors, [], 'no script errors');
    assert.deepEqual(foreign, [], 'no requests beyond the file itself');
  } finally {
    await browser.close();
    rmSync(work, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
});
