// `dockspec run`: the scenarios against one or more targets, through cucumber-js. Per target, under
// reports/out/<target>/: the message stream, run.json, JUnit XML, Allure results, cucumber's HTML,
// summary.json and rerun.txt; then reports/out/index.html and summary.json over the run.
//
// A target's run is written into a directory of its own first (.<target>.<pid>) and takes the
// place of the previous one only once cucumber-js has started the test run: a command line that
// cucumber refuses, or an interrupt before the first scenario, leaves the earlier results whole.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRun, countOutcomes, formatCounts, ScenarioOutcome } from '../reports/outcomes.js';
import { sweepOrphanedEngines } from '../harness/targets/sweeper.js';
import { getTarget } from '../harness/targets/index.js';
import { collectRunInfo, writeRunInfo, RunInfo } from '../reports/run-info.js';
import { ALLURE_RESULTS_DIR, allureFormatOptions, finishAllureResults } from '../reports/allure.js';
import { bundleInstalled } from '../harness/targets/bundles.js';
import { bundlesOf } from './bundle-deps.js';
import { buildReport } from '../reports/report.js';
import { junitXml } from '../reports/junit.js';
import { RERUN_FILE, SUMMARY_FILE, TargetSummary, readRerun, reportToGitHub, rerunText, summarizeRun, summarizeTarget, writeJson } from '../reports/summary.js';
import { pathWithThisNode } from '../lib/node-path.js';
import { Command, positiveInt, usageError } from './command.js';
import { PROJECT_ROOT, dockspecVersion } from './project.js';
import { TARGET_OPTION, targetsOf } from './targets.js';

export { PROJECT_ROOT };

export interface RunOptions {
  targets: string[];
  tags?: string;
  parallel: number;
  shard?: string;
  outDir: string;
  /** run only the scenarios that failed last time (each target's rerun.txt) */
  rerun?: boolean;
  /** extra arguments for cucumber-js, after `--` */
  extra: string[];
}

export interface TargetRunResult {
  target: string;
  messagesFile: string;
  scenarios: ScenarioOutcome[];
  cucumberExit: number;
  summary?: TargetSummary;
  /** true when the target was not run (nothing to rerun) */
  notRun?: boolean;
}

export function cucumberBin(): string {
  return join(PROJECT_ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js');
}

/** dockspec's console formatter (reports/progress.ts): a bar on a terminal, a line per scenario elsewhere. */
export function progressFormatter(): string {
  return join(PROJECT_ROOT, 'dist', 'reports', 'progress.js');
}

/** The environment of a cucumber-js run: the target, and this Node first in PATH for every daemon below. */
export function cucumberEnv(target: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, DOCKSPEC_TARGET: target, PATH: pathWithThisNode(), ...extra };
}

let interrupted = false;
let child: ReturnType<typeof spawn> | undefined;

function testRunStarted(messagesFile: string): boolean {
  return existsSync(messagesFile) && readFileSync(messagesFile, 'utf8').includes('"testRunStarted"');
}

async function runTarget(target: string, runOpts: RunOptions): Promise<TargetRunResult> {
  // A variant without --tags runs the areas that exercise its swapped component (variants.ts).
  const opts = { ...runOpts, tags: runOpts.tags ?? getTarget(target).info.defaultTags };
  const finalDir = join(opts.outDir, target);
  const paths: string[] = [];
  if (opts.rerun) {
    paths.push(...readRerun(join(finalDir, RERUN_FILE)));
    if (!paths.length) {
      process.stderr.write(`dockspec: ${target}: no failed scenario in ${join(finalDir, RERUN_FILE)}, nothing to rerun\n`);
      return { target, messagesFile: join(finalDir, 'messages.ndjson'), scenarios: [], cucumberExit: 0, notRun: true };
    }
  }
  // Said before anything slow (engine version queries, cucumber-js loading the steps) happens.
  const what = opts.rerun ? `${paths.length} scenario(s) that failed last time` : opts.tags ? `tags ${opts.tags}` : 'all scenarios';
  process.stderr.write(`dockspec: running the ${target} target (${what}${opts.shard ? `, shard ${opts.shard}` : ''}) with ${opts.parallel} worker(s) on Node.js ${process.version}; cucumber-js is loading the steps\n`);
  const dir = join(opts.outDir, `.${target}.${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const messagesFile = join(dir, 'messages.ndjson');
  const info = collectRunInfo(target, PROJECT_ROOT, { shard: opts.shard, tags: opts.tags });
  writeRunInfo(dir, info);
  const allureDir = join(dir, ALLURE_RESULTS_DIR);
  const args = [
    cucumberBin(),
    '--profile', target.split('+')[0],
    '--world-parameters', JSON.stringify({ target }),
    '--format', `message:${messagesFile}`,
    '--format', `html:${join(dir, 'cucumber.html')}`,
    // A formatter without a file writes to the console, and cucumber-js lets only the last such
    // one do it: Allure's reporter writes its own files, so it gets /dev/null, and progress the console.
    '--format', 'allure-cucumberjs/reporter:/dev/null',
    '--format', progressFormatter(),
    '--format-options', JSON.stringify(allureFormatOptions(allureDir, info)),
    '--parallel', String(opts.parallel),
  ];
  if (opts.tags) args.push('--tags', opts.tags);
  if (opts.shard) args.push('--shard', opts.shard);
  args.push(...opts.extra, ...paths);
  child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: 'inherit', env: cucumberEnv(target) });
  const code: number = await new Promise((resolve) => child!.on('exit', (c, s) => resolve(c ?? (s ? 130 : 1))));
  child = undefined;
  // Workers killed mid-scenario cannot run their After hooks: clean up after them here.
  const swept = await sweepOrphanedEngines();
  if (swept) process.stderr.write(`dockspec: cleaned up ${swept} engine(s) left by interrupted workers\n`);
  if (!testRunStarted(messagesFile)) {
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`dockspec: ${target}: cucumber-js exited with ${code} before the test run started; the results of the previous run in ${finalDir} are left as they were\n`);
    return { target, messagesFile: join(finalDir, 'messages.ndjson'), scenarios: [], cucumberExit: code || 1, notRun: true };
  }
  const finished: RunInfo = { ...info, finishedAt: new Date().toISOString() };
  writeRunInfo(dir, finished);
  const scenarios = readRun(messagesFile, target).scenarios;
  finishAllureResults(allureDir, target, scenarios);
  writeFileSync(join(dir, 'junit.xml'), junitXml(scenarios, finished));
  writeFileSync(join(dir, RERUN_FILE), rerunText(scenarios));
  const summary = summarizeTarget(scenarios, finished, code);
  writeJson(join(dir, SUMMARY_FILE), summary);
  rmSync(finalDir, { recursive: true, force: true });
  renameSync(dir, finalDir);
  return { target, messagesFile: join(finalDir, 'messages.ndjson'), scenarios, cucumberExit: code, summary };
}

function summarize(r: TargetRunResult): boolean {
  if (r.notRun) return r.cucumberExit === 0;
  const c = countOutcomes(r.scenarios);
  process.stdout.write(`\n${r.target}: ${formatCounts(c)}\n`);
  for (const s of r.scenarios.filter((x) => x.outcome === 'failed')) process.stdout.write(`  failed     ${s.reqIds.join(' ')} ${s.name} (${s.uri}:${s.line}): ${s.reason ?? s.status}\n`);
  for (const s of r.scenarios.filter((x) => x.outcome === 'deviation')) process.stdout.write(`  deviation  ${s.reqIds.join(' ')} ${s.name}: ${s.reason}\n`);
  for (const s of r.scenarios.filter((x) => x.outcome === 'unexpected-pass')) process.stdout.write(`  now passes ${s.reqIds.join(' ')} ${s.name}: remove it from deviations/${r.target}.json\n`);
  for (const s of r.scenarios.filter((x) => x.outcome === 'skipped' && x.reason)) process.stdout.write(`  skipped    ${s.reqIds.join(' ')} ${s.name}: ${s.reason}\n`);
  // Cucumber itself failing (a syntax error, an ambiguous step) with no scenario to blame still fails the run.
  const cucumberBroke = r.cucumberExit !== 0 && c.failed === 0 && c.deviation === 0;
  if (cucumberBroke && !interrupted) process.stdout.write(`  cucumber-js exited with ${r.cucumberExit} without a failed scenario: see its output above\n`);
  return c.failed === 0 && !cucumberBroke && r.scenarios.length > 0;
}

/** Runs the targets one after another; the exit code is 0, 1, or 130 when interrupted. */
export async function run(opts: RunOptions): Promise<{ exitCode: number; results: TargetRunResult[] }> {
  // An unknown variant is a usage mistake: say so before any cucumber worker starts.
  for (const target of opts.targets) {
    try {
      getTarget(target);
    } catch (err) {
      usageError((err as Error).message);
    }
    // docker26 and docker+runsc run fetched binaries: without them every scenario would fail alike
    const missing = bundlesOf([target]).filter((b) => !bundleInstalled(b));
    if (missing.length) {
      process.stderr.write(`dockspec: the ${target} target needs the ${missing.join(' and ')} bundle, which is not fetched: run dockspec install-deps --target ${target}\n`);
      return { exitCode: 1, results: [] };
    }
  }
  // Ctrl-C reaches cucumber and its workers through the terminal's process group; a signal sent to
  // dockspec alone is passed on. Either way the run stops after the current target.
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    child?.kill(signal);
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
  const exitCode = interrupted ? 130 : ok ? 0 : 1;
  const ran = results.filter((r) => r.summary);
  const summary = summarizeRun(
    ran.map((r) => r.summary!),
    exitCode,
    interrupted,
    dockspecVersion(),
  );
  // One closing line over every target, counted as everywhere else.
  if (ran.length > 1) process.stdout.write(`\nall targets: ${formatCounts(summary.counts)}\n`);
  if (interrupted) process.stdout.write('interrupted\n');
  if (ran.length) {
    writeJson(join(opts.outDir, SUMMARY_FILE), summary);
    reportToGitHub(summary);
  }
  // The conformance matrix over the targets of this run; a report that cannot be built
  // is said, but does not change the run's verdict.
  const files = ran.map((r) => r.messagesFile).filter((f) => existsSync(f));
  if (files.length) {
    try {
      const out = join(opts.outDir, 'index.html');
      buildReport({ inputs: files, out, deviationsDir: join(PROJECT_ROOT, 'deviations') });
      process.stdout.write(`report: ${out}\nsummary: ${join(opts.outDir, SUMMARY_FILE)}\n`);
    } catch (err) {
      process.stderr.write(`dockspec: the report could not be built: ${(err as Error).message}\n`);
    }
  }
  return { exitCode, results };
}

export const command: Command = {
  name: 'run',
  summary: 'run the scenarios against one or more targets',
  usage: `  dockspec run [--target reference|docker|docker26|all|VARIANT,…] [--tags EXPR] [--parallel N] [--shard I/N]
               [--out DIR] [--rerun] [-- CUCUMBER ARGS]
      Run the scenarios against each target. Writes reports/out/<target>/: messages.ndjson,
      run.json, junit.xml, allure-results/, cucumber.html, summary.json and rerun.txt (the
      failed scenarios); then reports/out/index.html and reports/out/summary.json.
      Default target: reference; "all" = reference, docker when dockerd is installed, and
      docker26 when its bundle is fetched (install-deps --target docker26).
      --rerun runs only what each target's rerun.txt names (what failed last time).
      With DOCKER_HOST set, the docker target attaches to that engine and skips the
      scenarios that must control the daemon. Under GitHub Actions (GITHUB_ACTIONS=true) it
      also writes annotations and a step summary.
`,
  options: {
    ...TARGET_OPTION,
    tags: { type: 'string' },
    parallel: { type: 'string', short: 'p' },
    shard: { type: 'string' },
    out: { type: 'string' },
    rerun: { type: 'boolean' },
  },
  passThrough: true,
  async run({ values, passThrough }) {
    const parallel = positiveInt('parallel', values.parallel ?? process.env.DOCKSPEC_PARALLEL, 2);
    const shard = values.shard as string | undefined;
    if (shard !== undefined) {
      const m = /^(\d+)\/(\d+)$/.exec(shard);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) usageError(`--shard wants I/N with 1 <= I <= N, got "${shard}"`);
    }
    const { exitCode } = await run({
      targets: targetsOf(values.target, 'reference'),
      tags: values.tags as string | undefined,
      parallel,
      shard,
      outDir: (values.out as string | undefined) ?? join(PROJECT_ROOT, 'reports', 'out'),
      rerun: Boolean(values.rerun),
      extra: passThrough,
    });
    return exitCode;
  },
};

