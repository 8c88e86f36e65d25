// Allure: the run writes standard allure-results JSON per target through allure-cucumberjs (so
// Allure 2's allure-commandline reads them too); `dockspec report --allure` renders them with
// Allure 3 as one single-file HTML report, one Allure environment per column of the matrix.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunInfo } from './run-info.js';
import { ScenarioOutcome } from './outcomes.js';

export const ALLURE_RESULTS_DIR = 'allure-results';
/** the label each result carries, so that one report can keep the engines apart */
export const TARGET_LABEL = 'dockspec.target';

/** --format-options for allure-cucumberjs: where to write, and labels naming the column. */
export function allureFormatOptions(resultsDir: string, info: RunInfo): Record<string, unknown> {
  return {
    resultsDir,
    globalLabels: { [TARGET_LABEL]: info.target, parentSuite: `${info.target} · ${info.host}` },
    environmentInfo: { target: info.target, host: info.host, engine: info.engineVersion, kernel: info.kernel },
  };
}

/** The parameter that keeps one scenario on several engines apart in Allure 2 and 3. */
export const ENGINE_PARAMETER = 'engine';

/**
 * Allure 2 (allure-commandline) and Allure 3 take results with one historyId for retries of one
 * test, and what they count as failed must be what `dockspec run` counts as failed:
 *  - each result gets the parameter engine=<target> and a historyId that includes it, so the same
 *    scenario on reference and docker stays two results in one report;
 *  - an expected deviation (deviations/<target>.json) becomes skipped with statusDetails.known and
 *    its measured reason, and categories.json files it under "Expected deviations (known issues)".
 * Returns how many results were rewritten.
 */
export function finishAllureResults(resultsDir: string, target: string, scenarios: ScenarioOutcome[]): number {
  if (!existsSync(resultsDir)) return 0;
  const unmatched = [...scenarios];
  const md5 = (x: string) => createHash('md5').update(x).digest('hex');
  let n = 0;
  for (const file of readdirSync(resultsDir).filter((f) => f.endsWith('-result.json')).sort()) {
    const path = join(resultsDir, file);
    const r = JSON.parse(readFileSync(path, 'utf8')) as AllureResult;
    r.parameters = [...(r.parameters ?? []).filter((p) => p.name !== ENGINE_PARAMETER), { name: ENGINE_PARAMETER, value: target }];
    const testCaseId = r.testCaseId ?? md5(r.fullName ?? r.name);
    r.historyId = `${testCaseId}:${md5(r.parameters.map((p) => `${p.name}=${p.value}`).join(','))}`;
    // fullName is "<package name>:<uri relative to the package>#<name>"; the scenario's uri is relative to cucumber's cwd
    const i = unmatched.findIndex((s) => (r.fullName ?? '').endsWith(`${s.uri}#${s.name}`));
    const s = i >= 0 ? unmatched.splice(i, 1)[0] : undefined;
    if (s?.outcome === 'deviation') {
      const original = r.statusDetails?.message ? `\n\nwhat the engine did:\n${r.statusDetails.message}` : '';
      r.status = 'skipped';
      r.statusDetails = { ...r.statusDetails, known: true, message: `expected deviation (deviations/${target}.json): ${s.reason ?? ''}${original}` };
    } else if (s?.outcome === 'unexpected-pass') {
      r.statusDetails = { ...r.statusDetails, message: `${s.reason}: remove it from deviations/${target}.json` };
    }
    writeFileSync(path, JSON.stringify(r));
    n++;
  }
  writeFileSync(join(resultsDir, 'categories.json'), JSON.stringify(ALLURE_CATEGORIES, null, 2) + '\n');
  return n;
}

interface AllureResult {
  name: string;
  fullName?: string;
  historyId?: string;
  testCaseId?: string;
  status: string;
  statusDetails?: { message?: string; trace?: string; known?: boolean };
  parameters?: Array<{ name: string; value: string }>;
}

/** Allure 2's categories (Allure 3 shows the statuses and the known flag). Java regexes, matched whole. */
export const ALLURE_CATEGORIES = [
  { name: 'Expected deviations (known issues)', matchedStatuses: ['skipped'], messageRegex: '(?s)expected deviation.*' },
  { name: 'Skipped, with the reason', matchedStatuses: ['skipped'] },
  { name: 'Failed scenarios', matchedStatuses: ['failed', 'broken'] },
];

function environmentId(target: string): string {
  // Allure 3 wants environment ids made of letters, digits, '-' and '_'.
  return target.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * Render the allure-results directories into `outDir` as Allure 3's single-file report
 * (outDir/index.html). Returns that file.
 */
export function renderAllure(resultsDirs: string[], targets: string[], outDir: string, projectRoot: string, name = 'dockspec conformance'): string {
  const dirs = resultsDirs.filter((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('-result.json')));
  if (!dirs.length) throw new Error(`no Allure results in ${resultsDirs.join(', ') || '(none given)'}: run "dockspec run" first, it writes <target>/${ALLURE_RESULTS_DIR}`);
  const cli = join(projectRoot, 'node_modules', 'allure', 'cli.js');
  if (!existsSync(cli)) throw new Error(`the allure package is not installed (${cli}): npm ci installs it`);
  // A JavaScript config: Allure 3 matches environments with functions. Same scenario, two engines:
  // without environments Allure would take the second result for a retry of the first.
  const conf = mkdtempSync(join(tmpdir(), 'dockspec-allure-'));
  const envs = [...new Set(targets)]
    .map((t) => `${JSON.stringify(environmentId(t))}: { name: ${JSON.stringify(t)}, matcher: ({ labels }) => labels.some((l) => l.name === ${JSON.stringify(TARGET_LABEL)} && l.value === ${JSON.stringify(t)}) }`)
    .join(',\n    ');
  const config = join(conf, 'allurerc.mjs');
  writeFileSync(
    config,
    `export default {
  name: ${JSON.stringify(name)},
  output: ${JSON.stringify(outDir)},
  environments: {
    ${envs}
  },
  plugins: { awesome: { options: { singleFile: true, reportName: ${JSON.stringify(name)}, groupBy: ['parentSuite', 'feature'] } } },
};
`,
  );
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  try {
    const r = spawnSync(process.execPath, [cli, 'generate', '--config', config, '--output', outDir, ...dirs], {
      cwd: projectRoot,
      encoding: 'utf8',
      timeout: 300000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    if (r.status !== 0) throw new Error(`allure generate exited with ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').slice(-8).join('\n')}`);
  } finally {
    rmSync(conf, { recursive: true, force: true });
  }
  const index = join(outDir, 'index.html');
  if (!existsSync(index)) throw new Error(`allure generate wrote no ${index}`);
  return index;
}
