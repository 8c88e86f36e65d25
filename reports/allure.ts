// Allure: the run writes standard allure-results JSON per target through allure-cucumberjs (so
// Allure 2's allure-commandline reads them too); `dockspec report --allure` renders them with
// Allure 3 as one single-file HTML report, one Allure environment per column of the matrix.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunInfo } from './run-info.js';

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
