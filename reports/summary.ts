// What a run leaves for machines besides the reports: summary.json (counts per target and area,
// every failure with its step and message), rerun.txt (the failed scenarios, as cucumber-js
// paths), and, under GitHub Actions, annotations on the feature files and a step summary.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { COUNT_ORDER, Outcome, ScenarioOutcome, addCounts, countOutcomes, failedStep, formatCounts } from './outcomes.js';
import { RunInfo } from './run-info.js';

export const SUMMARY_FILE = 'summary.json';
export const RERUN_FILE = 'rerun.txt';

export interface ScenarioRef {
  reqIds: string[];
  name: string;
  uri: string;
  line: number;
}

export interface TargetSummary {
  target: string;
  engineVersion: string;
  host: string;
  startedAt: string;
  finishedAt?: string;
  counts: Record<Outcome, number>;
  areas: Record<string, Record<Outcome, number>>;
  failures: Array<ScenarioRef & { step?: string; message: string }>;
  deviations: Array<ScenarioRef & { reason: string }>;
  skipped: Array<ScenarioRef & { reason: string }>;
  listedButPassed: ScenarioRef[];
  /** cucumber-js's own exit code; non-zero without a failed scenario means cucumber itself broke */
  cucumberExit: number;
}

export interface RunSummary {
  dockspec: string;
  node: string;
  exitCode: number;
  interrupted: boolean;
  counts: Record<Outcome, number>;
  targets: TargetSummary[];
}

function ref(s: ScenarioOutcome): ScenarioRef {
  return { reqIds: s.reqIds, name: s.name, uri: s.uri, line: s.line };
}

export function summarizeTarget(scenarios: ScenarioOutcome[], info: RunInfo, cucumberExit: number): TargetSummary {
  const areas: TargetSummary['areas'] = {};
  for (const s of scenarios) (areas[s.area] ??= countOutcomes([]))[s.outcome]++;
  return {
    target: info.target,
    engineVersion: info.engineVersion,
    host: info.host,
    startedAt: info.startedAt,
    finishedAt: info.finishedAt,
    counts: countOutcomes(scenarios),
    areas,
    failures: scenarios
      .filter((s) => s.outcome === 'failed')
      .map((s) => {
        const step = failedStep(s);
        return { ...ref(s), step: step ? `${step.keyword.trim()} ${step.text}`.trim() : undefined, message: step?.message ?? s.reason ?? s.status };
      }),
    deviations: scenarios.filter((s) => s.outcome === 'deviation').map((s) => ({ ...ref(s), reason: s.reason ?? '' })),
    skipped: scenarios.filter((s) => s.outcome === 'skipped').map((s) => ({ ...ref(s), reason: s.reason ?? 'skipped' })),
    listedButPassed: scenarios.filter((s) => s.outcome === 'unexpected-pass').map(ref),
    cucumberExit,
  };
}

export function summarizeRun(targets: TargetSummary[], exitCode: number, interrupted: boolean, dockspec: string): RunSummary {
  return {
    dockspec,
    node: process.versions.node,
    exitCode,
    interrupted,
    counts: targets.reduce((c, t) => addCounts(c, t.counts), countOutcomes([])),
    targets,
  };
}

export function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

/** cucumber-js's rerun format: one feature path with the scenario's line per line. */
export function rerunText(scenarios: ScenarioOutcome[]): string {
  return scenarios
    .filter((s) => s.outcome === 'failed')
    .map((s) => `${s.uri}:${s.line}\n`)
    .join('');
}

/** The scenarios a rerun.txt names (empty when there is none). */
export function readRerun(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

// GitHub Actions workflow commands: properties and messages escaped as the runner expects.
function ghEscape(s: string, property = false): string {
  const out = s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  return property ? out.replace(/:/g, '%3A').replace(/,/g, '%2C') : out;
}

export function githubAnnotations(t: TargetSummary): string {
  const lines: string[] = [];
  for (const f of t.failures) {
    lines.push(`::error file=${ghEscape(f.uri, true)},line=${f.line},title=${ghEscape(`${t.target}: ${f.reqIds.join(' ')} ${f.name}`, true)}::${ghEscape(`${f.step ? f.step + '\n' : ''}${f.message}`)}`);
  }
  for (const p of t.listedButPassed) {
    lines.push(`::warning file=${ghEscape(p.uri, true)},line=${p.line},title=${ghEscape(`${t.target}: ${p.reqIds.join(' ')} now passes`, true)}::${ghEscape(`listed in deviations/${t.target}.json but passed: remove it from the list`)}`);
  }
  for (const d of t.deviations) {
    lines.push(`::notice file=${ghEscape(d.uri, true)},line=${d.line},title=${ghEscape(`${t.target}: expected deviation ${d.reqIds.join(' ')}`, true)}::${ghEscape(d.reason)}`);
  }
  return lines.map((l) => l + '\n').join('');
}

export function githubStepSummary(run: RunSummary): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = run.targets.map((t) => `| ${t.target} | ${cell(t.engineVersion)} | ${COUNT_ORDER.map((o) => t.counts[o]).join(' | ')} |`);
  const failures = run.targets.flatMap((t) => t.failures.map((f) => `- **${t.target}** \`${f.reqIds.join(' ')}\` ${cell(f.name)} (${f.uri}:${f.line})${f.step ? `: ${cell(f.step)}` : ''}: ${cell(f.message.split('\n')[0] ?? '')}`));
  return `## dockspec: ${run.exitCode === 0 ? 'passed' : run.interrupted ? 'interrupted' : 'failed'}

${formatCounts(run.counts)}

| target | engine | ${COUNT_ORDER.map((o) => (o === 'deviation' ? 'expected deviation' : o === 'unexpected-pass' ? 'listed, passed' : o)).join(' | ')} |
|---|---|${COUNT_ORDER.map(() => '---:').join('|')}|
${rows.join('\n')}
${failures.length ? `\n### Failed\n\n${failures.join('\n')}\n` : ''}`;
}

/** Under GitHub Actions: annotations on stdout, the summary appended to $GITHUB_STEP_SUMMARY. */
export function reportToGitHub(run: RunSummary, env: NodeJS.ProcessEnv = process.env, out: NodeJS.WritableStream = process.stdout): boolean {
  if (env.GITHUB_ACTIONS !== 'true') return false;
  for (const t of run.targets) out.write(githubAnnotations(t));
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, githubStepSummary(run) + '\n');
  return true;
}

