// `dockspec mutate`: proof that the suite has teeth (docs/design.md principle 4). Each fault switch of
// the reference engine (lib/faults.ts) is turned on in turn, the scenarios of the areas it breaks
// run against the reference target, and every scenario that fails with the fault on, but passed
// without it, has caught the fault. A fault that no scenario catches is either a switch that does
// not break anything or a hole in the specification; either way the command exits 1.
//
// The reference engine learns of the fault through DOCKSPEC_FAULTS in the environment: set here for
// cucumber, inherited by its workers, by the ref-dockerd they start (ManagedEngine spawns it with
// process.env) and down the tree to ref-containerd, the shims and ref-runc.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRun, type ScenarioOutcome } from '../reports/outcomes.js';
import { sweepOrphanedEngines } from '../harness/targets/sweeper.js';
import { FAULTS, FAULTS_ENV, faultSpec, faultTags, type Area, type FaultSpec } from '../lib/faults.js';
import { PROJECT_ROOT } from './project.js';
import { Command, positiveInt } from './command.js';
import { cucumberEnv } from './run.js';

const MUTATE_HELP = `  dockspec mutate [--fault NAME[,NAME…]] [--parallel N] [--out DIR]
      Turn on each fault switch of the reference engine (lib/faults.ts) in turn, run the scenarios of
      the areas it breaks, and print which scenarios caught it. Runs each area once without a fault
      first: scenarios failing there cannot catch anything and are listed apart. Writes mutate.json
      and mutate.md (the table of docs/faults.md) to DIR (reports/out/mutate). Exit 1 when a fault
      is caught by no scenario.
`;

/** A run that takes longer than this is stopped: a fault may hang a scenario past its timeouts. */
const RUN_DEADLINE_MS = Number(process.env.DOCKSPEC_MUTATE_RUN_TIMEOUT_MS ?? 15 * 60_000);

export interface MutateOptions {
  faults?: string[];
  parallel: number;
  outDir: string;
}

interface RunResult {
  scenarios: ScenarioOutcome[];
  seconds: number;
  exit: number;
  timedOut: boolean;
  log: string;
}

export interface Catch {
  key: string;
  reqIds: string[];
  name: string;
  /** first line of the failed step's message: why it noticed */
  reason: string;
}

export interface FaultResult {
  fault: string;
  areas: readonly Area[];
  breaks: string;
  component: string;
  scenarios: number;
  caughtBy: Catch[];
  seconds: number;
  note?: string;
  /** failed, but added to the features after the baseline ran: not counted */
  unjudged?: Catch[];
}

export interface MutateReport {
  startedAt: string;
  seconds: number;
  parallel: number;
  baseline: Record<string, { scenarios: number; failed: Catch[]; seconds: number }>;
  faults: FaultResult[];
}

let interrupted = false;

function scenarioKey(s: ScenarioOutcome): string {
  // Outline rows share a line and req id; the name carries the row's values.
  return `${s.uri}:${s.line}:${s.name}`;
}

function failed(s: ScenarioOutcome): boolean {
  return s.status === 'FAILED' || s.outcome === 'failed' || s.outcome === 'deviation';
}

function asCatch(s: ScenarioOutcome): Catch {
  return { key: scenarioKey(s), reqIds: s.reqIds, name: s.name, reason: (s.reason ?? s.status).split('\n')[0]!.slice(0, 200) };
}

async function runCucumber(label: string, tags: string, faults: string, opts: MutateOptions): Promise<RunResult> {
  const dir = join(opts.outDir, label);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const messages = join(dir, 'messages.ndjson');
  const log = join(dir, 'cucumber.log');
  const args = [
    join(PROJECT_ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js'),
    '--profile', 'reference',
    '--world-parameters', JSON.stringify({ target: 'reference' }),
    '--format', join(PROJECT_ROOT, 'dist', 'reports', 'progress.js'),
    '--format', `message:${messages}`,
    '--parallel', String(opts.parallel),
    '--tags', tags,
  ];
  const env = cucumberEnv('reference');
  if (faults) env[FAULTS_ENV] = faults;
  else delete env[FAULTS_ENV];
  const started = Date.now();
  const out = createWriteStream(log);
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
  }, RUN_DEADLINE_MS);
  const exit: number = await new Promise((resolve) => child.on('close', (c, s) => resolve(c ?? (s ? 130 : 1))));
  clearTimeout(timer);
  out.end();
  // Workers stopped mid-scenario cannot run their After hooks.
  await sweepOrphanedEngines();
  const scenarios = existsSync(messages) ? readRun(messages, 'reference').scenarios : [];
  return { scenarios, seconds: (Date.now() - started) / 1000, exit, timedOut, log };
}

function line(text: string): void {
  process.stdout.write(text + '\n');
}

export async function mutate(opts: MutateOptions): Promise<number> {
  const selected: FaultSpec[] = [];
  for (const name of opts.faults ?? FAULTS.map((f) => f.name)) {
    const f = faultSpec(name);
    if (!f) {
      process.stderr.write(`dockspec: unknown fault "${name}"; known faults: ${FAULTS.map((x) => x.name).join(', ')}\n`);
      return 2;
    }
    selected.push(f);
  }
  const onSignal = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  mkdirSync(opts.outDir, { recursive: true });
  const t0 = Date.now();
  const report: MutateReport = { startedAt: new Date().toISOString(), seconds: 0, parallel: opts.parallel, baseline: {}, faults: [] };
  const areas = [...new Set(selected.flatMap((f) => f.areas))];
  const total = areas.length + selected.length;
  let step = 0;
  // Only a scenario that passed without the fault can catch it: one failing there is broken, and
  // one added since (features are edited while this runs) has no baseline at all.
  const passedAtBaseline = new Set<string>();
  const seenAtBaseline = new Set<string>();
  try {
    for (const area of areas) {
      if (interrupted) break;
      step++;
      process.stdout.write(`[${step}/${total}] baseline @${area} … `);
      const r = await runCucumber(`baseline-${area}`, `@${area}`, '', opts);
      const bad = r.scenarios.filter(failed);
      for (const s of r.scenarios) {
        seenAtBaseline.add(scenarioKey(s));
        if (s.outcome === 'passed') passedAtBaseline.add(scenarioKey(s));
      }
      report.baseline[area] = { scenarios: r.scenarios.length, failed: bad.map(asCatch), seconds: r.seconds };
      line(`${r.scenarios.length} scenarios, ${bad.length} failing without a fault (${r.seconds.toFixed(0)}s)${r.scenarios.length ? '' : `: cucumber exited ${r.exit}, see ${r.log}`}`);
    }
    for (const f of selected) {
      if (interrupted) break;
      step++;
      const tags = faultTags(f);
      process.stdout.write(`[${step}/${total}] ${f.name} (${tags}) … `);
      const r = await runCucumber(`fault-${f.name}`, tags, f.name, opts);
      const caughtBy = r.scenarios.filter((s) => failed(s) && passedAtBaseline.has(scenarioKey(s))).map(asCatch);
      const unjudged = r.scenarios.filter((s) => failed(s) && !seenAtBaseline.has(scenarioKey(s)));
      const result: FaultResult = {
        fault: f.name,
        areas: f.areas,
        breaks: f.breaks,
        component: f.component,
        scenarios: r.scenarios.length,
        caughtBy,
        seconds: r.seconds,
      };
      if (unjudged.length) result.unjudged = unjudged.map(asCatch);
      if (r.timedOut) result.note = `stopped after ${RUN_DEADLINE_MS / 1000}s`;
      else if (!r.scenarios.length) result.note = `cucumber exited ${r.exit} without running a scenario (${r.log})`;
      report.faults.push(result);
      line(`${caughtBy.length ? `caught by ${caughtBy.length}: ${caughtBy.map(label).join(', ')}` : 'NOT CAUGHT'} (${r.seconds.toFixed(0)}s)${result.note ? ` [${result.note}]` : ''}${unjudged.length ? ` (not counted, no baseline: ${unjudged.map((s) => label(asCatch(s))).join(', ')})` : ''}`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  report.seconds = (Date.now() - t0) / 1000;
  writeFileSync(join(opts.outDir, 'mutate.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(opts.outDir, 'mutate.md'), markdown(report));
  line('');
  line(table(report));
  line(`mutate.json and mutate.md in ${opts.outDir}`);
  if (interrupted) return 130;
  const missed = report.faults.filter((f) => f.caughtBy.length === 0);
  if (missed.length) {
    line(`${missed.length} fault(s) caught by no scenario: ${missed.map((f) => f.fault).join(', ')}`);
    return 1;
  }
  return 0;
}

function label(c: Catch): string {
  return c.reqIds.join(' ') || c.name;
}

/** Outline rows of one requirement count once in the table, with the number of rows. */
function grouped(caught: Catch[]): string[] {
  const n = new Map<string, number>();
  for (const c of caught) n.set(label(c), (n.get(label(c)) ?? 0) + 1);
  return [...n].map(([id, k]) => (k > 1 ? `${id} (×${k})` : id));
}

export function table(r: MutateReport): string {
  const rows = r.faults.map((f) => [f.fault, f.areas.join(','), `${f.caughtBy.length}/${f.scenarios}`, f.caughtBy.length ? grouped(f.caughtBy).join(', ') : `NONE${f.note ? ` (${f.note})` : ''}`]);
  const head = ['fault', 'area', 'caught', 'by'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (row: string[]) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(width[i]!))).join('  ');
  const out = [fmt(head), ...rows.map(fmt)];
  const broken = Object.entries(r.baseline).flatMap(([, b]) => b.failed);
  if (broken.length) out.push('', `failing without any fault (not counted): ${broken.map(label).join(', ')}`);
  const caught = r.faults.filter((f) => f.caughtBy.length).length;
  out.push('', `${caught} of ${r.faults.length} faults caught; ${r.seconds.toFixed(0)}s with ${r.parallel} worker(s)`);
  return out.join('\n');
}

export function markdown(r: MutateReport): string {
  const out = [
    '| fault | area | breaks | honoured by | caught | caught by |',
    '|---|---|---|---|---|---|',
    ...r.faults.map(
      (f) =>
        `| \`${f.fault}\` | ${f.areas.join(', ')} | ${f.breaks} | ${f.component} | ${f.caughtBy.length}/${f.scenarios} | ${
          f.caughtBy.length ? grouped(f.caughtBy).map((c) => `\`${c}\``).join(', ') : `**none**${f.note ? ` (${f.note})` : ''}`
        } |`,
    ),
  ];
  out.push('', 'What each catching scenario saw (the first line of its failure):', '');
  for (const f of r.faults) for (const c of f.caughtBy) out.push(`- \`${f.fault}\` → \`${label(c)}\` ${c.name}: ${c.reason.replace(/\|/g, '\\|')}`);
  const broken = Object.entries(r.baseline).flatMap(([area, b]) => b.failed.map((c) => `- \`${label(c)}\` (@${area}): ${c.reason}`));
  out.push('', `Failing without any fault, so not counted as catching: ${broken.length ? '' : 'none.'}`, ...broken);
  out.push('', `${r.faults.filter((f) => f.caughtBy.length).length} of ${r.faults.length} faults caught; ${r.seconds.toFixed(0)} s with ${r.parallel} worker(s) (${r.startedAt}).`, '');
  return out.join('\n');
}

export const command: Command = {
  name: 'mutate',
  summary: 'turn on each fault switch of the reference engine and show which scenarios catch it',
  usage: MUTATE_HELP,
  options: { fault: { type: 'string' }, parallel: { type: 'string', short: 'p' }, out: { type: 'string' } },
  run: ({ values }) =>
    mutate({
      faults: (values.fault as string | undefined)?.split(',').map((s) => s.trim()).filter(Boolean),
      parallel: positiveInt('parallel', values.parallel ?? process.env.DOCKSPEC_PARALLEL, 2),
      outDir: (values.out as string | undefined) ?? join(PROJECT_ROOT, 'reports', 'out', 'mutate'),
    }),
};
