// `dockspec run`: the scenarios against one or more targets, through cucumber-js, with the
// message stream, JUnit XML and cucumber's HTML written per target under reports/out/<target>/.
import { spawn } from 'node:child_process';
import { mkdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRun, countOutcomes, ScenarioOutcome } from '../reports/outcomes.js';
import { sweepOrphanedEngines } from '../steps/support/targets/sweeper.js';
import { getTarget } from '../steps/support/targets/index.js';
import { checkRequirements, TargetName } from './requirements.js';
import { bundleInstalled } from '../steps/support/targets/bundles.js';
import { bundlesOf } from './bundle-deps.js';
// Report inputs and the conformance report (issue 7).
import { rmSync } from 'node:fs';
import { collectRunInfo, writeRunInfo } from '../reports/run-info.js';
import { ALLURE_RESULTS_DIR, allureFormatOptions } from '../reports/allure.js';
import { buildReport } from '../reports/report.js';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RunOptions {
  targets: string[];
  tags?: string;
  parallel: number;
  shard?: string;
  outDir: string;
  /** extra arguments for cucumber-js, after `--` */
  extra: string[];
}

export interface TargetRunResult {
  target: string;
  messagesFile: string;
  scenarios: ScenarioOutcome[];
  cucumberExit: number;
}

function cucumberBin(): string {
  return join(PROJECT_ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js');
}

let interrupted = false;

async function runTarget(target: string, runOpts: RunOptions): Promise<TargetRunResult> {
  // A variant without --tags runs the areas that exercise its swapped component (variants.ts).
  const opts = { ...runOpts, tags: runOpts.tags ?? getTarget(target).info.defaultTags };
  const dir = join(opts.outDir, target);
  mkdirSync(dir, { recursive: true });
  const messagesFile = join(dir, 'messages.ndjson');
  // --- report inputs (issue 7): run.json names the report's column (target, engine version,
  // host, date); allure-results is rewritten per run so that no stale results of an older run mix in.
  const info = collectRunInfo(target, PROJECT_ROOT, { shard: opts.shard, tags: opts.tags });
  writeRunInfo(dir, info);
  const allureDir = join(dir, ALLURE_RESULTS_DIR);
  rmSync(allureDir, { recursive: true, force: true });
  // --- end of report inputs
  const progress = process.stdout.isTTY ? 'progress-bar' : join(PROJECT_ROOT, 'dist', 'reports', 'scenario-lines.js');
  const args = [
    cucumberBin(),
    '--profile', target.split('+')[0],
    '--world-parameters', JSON.stringify({ target }),
    '--format', progress,
    '--format', `message:${messagesFile}`,
    '--format', `junit:${join(dir, 'junit.xml')}`,
    '--format', `html:${join(dir, 'cucumber.html')}`,
    '--format', 'allure-cucumberjs/reporter',
    '--format-options', JSON.stringify({ junit: { suiteName: `dockspec ${target}` }, ...allureFormatOptions(allureDir, info) }),
    '--parallel', String(opts.parallel),
  ];
  if (opts.tags) args.push('--tags', opts.tags);
  if (opts.shard) args.push('--shard', opts.shard);
  args.push(...opts.extra);
  process.stderr.write(`dockspec: running the ${target} target${opts.tags ? ` (tags ${opts.tags})` : ''}${opts.shard ? `, shard ${opts.shard}` : ''} with ${opts.parallel} worker(s)\n`);
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
    env: { ...process.env, DOCKSPEC_TARGET: target },
  });
  const code: number = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 130 : 1))));
  // Workers killed mid-scenario cannot run their After hooks: clean up after them here.
  const swept = await sweepOrphanedEngines();
  if (swept) process.stderr.write(`dockspec: cleaned up ${swept} engine(s) left by interrupted workers\n`);
  writeRunInfo(dir, { ...info, finishedAt: new Date().toISOString() });
  const scenarios = existsSync(messagesFile) ? readRun(messagesFile, target).scenarios : [];
  return { target, messagesFile, scenarios, cucumberExit: code };
}

function summarize(r: TargetRunResult): boolean {
  const c = countOutcomes(r.scenarios);
  const parts = [`${c.passed} passed`, `${c.failed} failed`];
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  if (c.deviation) parts.push(`${c.deviation} expected deviations`);
  if (c['unexpected-pass']) parts.push(`${c['unexpected-pass']} listed deviations that passed`);
  process.stdout.write(`\n${r.target}: ${r.scenarios.length} scenarios: ${parts.join(', ')}\n`);
  for (const s of r.scenarios.filter((x) => x.outcome === 'failed')) process.stdout.write(`  failed     ${s.reqIds.join(' ')} ${s.name} (${s.uri}:${s.line}): ${s.reason ?? s.status}\n`);
  for (const s of r.scenarios.filter((x) => x.outcome === 'unexpected-pass')) process.stdout.write(`  now passes ${s.reqIds.join(' ')} ${s.name}: remove it from deviations/${r.target}.json\n`);
  for (const s of r.scenarios.filter((x) => x.outcome === 'skipped' && x.reason)) process.stdout.write(`  skipped    ${s.reqIds.join(' ')} ${s.name}: ${s.reason}\n`);
  // Cucumber itself failing (a syntax error, an ambiguous step) with no scenario to blame still fails the run.
  const cucumberBroke = r.cucumberExit !== 0 && c.failed === 0 && c.deviation === 0;
  if (cucumberBroke) process.stdout.write(`  cucumber-js exited with ${r.cucumberExit} without a failed scenario: see its output above\n`);
  return c.failed === 0 && !cucumberBroke && r.scenarios.length > 0;
}

/** Targets that `--target all` means: reference always, docker when dockerd is installed, docker26 when fetched. */
export function availableTargets(): string[] {
  const dockerReady = checkRequirements(['docker' as TargetName]).every((r) => r.ok);
  if (!dockerReady) return ['reference'];
  return bundleInstalled('docker26') ? ['reference', 'docker', 'docker26'] : ['reference', 'docker'];
}

export async function run(opts: RunOptions): Promise<{ ok: boolean; results: TargetRunResult[] }> {
  // An unknown variant is a usage mistake: say so before any cucumber worker starts.
  for (const target of opts.targets) {
    try {
      getTarget(target);
    } catch (err) {
      process.stderr.write(`dockspec: ${(err as Error).message}\n`);
      return { ok: false, results: [] };
    }
    // docker26 and docker+runsc run fetched binaries: without them every scenario would fail alike
    const missing = bundlesOf([target]).filter((b) => !bundleInstalled(b));
    if (missing.length) {
      process.stderr.write(`dockspec: the ${target} target needs the ${missing.join(' and ')} bundle, which is not fetched: run dockspec install-deps --target ${target}\n`);
      return { ok: false, results: [] };
    }
  }
  const onSignal = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const results: TargetRunResult[] = [];
  let ok = true;
  try {
    for (const target of opts.targets) {
      if (interrupted) break;
      const r = await runTarget(target, opts);
      results.push(r);
      if (!summarize(r)) ok = false;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (interrupted) ok = false;
  // One plain closing line over every target, for CI systems that read it.
  const all = results.flatMap((r) => r.scenarios);
  const c = countOutcomes(all);
  process.stdout.write(`\n${c.passed + c.deviation} passed, ${c.failed} failed, ${c.skipped} skipped\n`);
  // The conformance matrix over the targets of this run (issue 7); a report that cannot be built
  // is said, but does not change the run's verdict.
  const files = results.map((r) => r.messagesFile).filter((f) => existsSync(f));
  if (files.length) {
    try {
      const out = join(opts.outDir, 'index.html');
      buildReport({ inputs: files, out, deviationsDir: join(PROJECT_ROOT, 'deviations') });
      process.stdout.write(`report: ${out}\n`);
    } catch (err) {
      process.stderr.write(`dockspec: the report could not be built: ${(err as Error).message}\n`);
    }
  }
  return { ok, results };
}
