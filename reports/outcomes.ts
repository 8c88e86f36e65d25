// Reads a cucumber message stream (NDJSON) into one outcome per scenario, with the target's
// expected deviations applied. The run's exit code and every report are built from this.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export type StepStatus = 'PASSED' | 'FAILED' | 'SKIPPED' | 'PENDING' | 'UNDEFINED' | 'AMBIGUOUS' | 'UNKNOWN';

export type Outcome = 'passed' | 'failed' | 'skipped' | 'deviation' | 'unexpected-pass';

export interface StepRecord {
  text: string;
  keyword: string;
  status: StepStatus;
  message?: string;
  durationMs: number;
  /** text attachments of the step (command transcripts, logs) */
  attachments: string[];
}

export interface Attachment {
  mediaType: string;
  body: string;
  step?: string;
}

export interface ScenarioOutcome {
  pickleId: string;
  uri: string;
  line: number;
  name: string;
  description: string;
  tags: string[];
  /** the @req:… ids without the "@req:" prefix */
  reqIds: string[];
  area: string;
  status: StepStatus;
  outcome: Outcome;
  reason?: string;
  steps: StepRecord[];
  attachments: Attachment[];
  durationMs: number;
}

export interface RunMeta {
  target: string;
  host?: string;
  engineVersion?: string;
  startedAt?: string;
  cucumberVersion?: string;
}

const SEVERITY: StepStatus[] = ['PASSED', 'SKIPPED', 'PENDING', 'UNDEFINED', 'AMBIGUOUS', 'FAILED', 'UNKNOWN'];

function worst(a: StepStatus, b: StepStatus): StepStatus {
  return SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a;
}

function durationMs(d?: { seconds: number; nanos: number }): number {
  return d ? d.seconds * 1000 + d.nanos / 1e6 : 0;
}

/** Expected deviations: deviations/<target>.json maps a requirement id to the measured reason. */
export function loadDeviations(target: string, dir = 'deviations'): Record<string, string> {
  // Composite targets (docker+ref-init) share their base target's list plus their own.
  const names = [target.split('+')[0], target].filter((n, i, a) => a.indexOf(n) === i);
  const out: Record<string, string> = {};
  for (const name of names) {
    const file = join(dir, `${name}.json`);
    if (existsSync(file)) Object.assign(out, JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>);
  }
  return out;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export function parseMessages(ndjson: string, deviations: Record<string, string> = {}): { meta: RunMeta; scenarios: ScenarioOutcome[] } {
  const pickles = new Map<string, any>();
  const testCases = new Map<string, any>();
  const started = new Map<string, any>();
  const stepsById = new Map<string, { pickleStepId?: string; hook: boolean }>();
  const pickleSteps = new Map<string, any>();
  const docs = new Map<string, any>();
  const results = new Map<string, ScenarioOutcome>();
  const meta: RunMeta = { target: 'unknown' };

  const lines = ndjson.split('\n');
  for (const [index, line] of lines.entries()) {
    if (!line.trim()) continue;
    let msg: any;
    try {
      msg = JSON.parse(line);
    } catch (err) {
      // A run killed mid-write leaves a torn last line; what came before it is still a report.
      if (lines.slice(index + 1).every((l) => !l.trim())) break;
      throw err;
    }
    if (msg.meta) {
      meta.cucumberVersion = msg.meta.implementation?.version;
    } else if (msg.gherkinDocument) {
      docs.set(msg.gherkinDocument.uri, msg.gherkinDocument);
    } else if (msg.pickle) {
      pickles.set(msg.pickle.id, msg.pickle);
      for (const s of msg.pickle.steps) pickleSteps.set(s.id, s);
    } else if (msg.testCase) {
      testCases.set(msg.testCase.id, msg.testCase);
      for (const s of msg.testCase.testSteps) stepsById.set(s.id, { pickleStepId: s.pickleStepId, hook: !s.pickleStepId });
    } else if (msg.testCaseStarted) {
      const tc = testCases.get(msg.testCaseStarted.testCaseId);
      const pickle = pickles.get(tc.pickleId);
      const tags: string[] = pickle.tags.map((t: any) => t.name);
      const reqIds = tags.filter((t) => t.startsWith('@req:')).map((t) => t.slice(5));
      const { line: pickleLine, description } = locate(docs.get(pickle.uri), pickle.astNodeIds[0]);
      const outcome: ScenarioOutcome = {
        pickleId: pickle.id,
        uri: pickle.uri,
        line: pickleLine,
        name: pickle.name,
        description,
        tags,
        reqIds,
        area: reqIds[0]?.split('.')[0] ?? pickle.uri.split('/').slice(-2, -1)[0] ?? 'other',
        status: 'PASSED',
        outcome: 'passed',
        steps: [],
        attachments: [],
        durationMs: 0,
      };
      started.set(msg.testCaseStarted.id, outcome);
      // A retried scenario replaces its earlier attempt.
      results.set(pickle.id, outcome);
    } else if (msg.testStepFinished) {
      const o = started.get(msg.testStepFinished.testCaseStartedId);
      if (!o) continue;
      const r = msg.testStepFinished.testStepResult;
      const step = stepsById.get(msg.testStepFinished.testStepId);
      o.status = worst(o.status, r.status);
      o.durationMs += durationMs(r.duration);
      const ps = step?.pickleStepId ? pickleSteps.get(step.pickleStepId) : undefined;
      o.steps.push({
        text: ps ? ps.text : 'hook',
        keyword: ps ? (ps.type ?? '') : 'Hook',
        status: r.status,
        message: r.message ?? r.exception?.message,
        durationMs: durationMs(r.duration),
        attachments: [],
      });
      if (!ps && r.status === 'SKIPPED' && o.status === 'SKIPPED') o.reason ??= 'skipped by a hook';
    } else if (msg.attachment) {
      const o = started.get(msg.attachment.testCaseStartedId);
      if (!o) continue;
      const step = stepsById.get(msg.attachment.testStepId);
      const ps = step?.pickleStepId ? pickleSteps.get(step.pickleStepId) : undefined;
      const body = msg.attachment.contentEncoding === 'BASE64' ? Buffer.from(msg.attachment.body, 'base64').toString('utf8') : msg.attachment.body;
      o.attachments.push({ mediaType: msg.attachment.mediaType, body, step: ps?.text ?? 'hook' });
      if (msg.attachment.mediaType === 'text/plain' && body.startsWith('skipped: ')) o.reason = body.slice('skipped: '.length);
    }
  }
  // Attachments arrive before their step finishes: hand each step its text attachments.
  for (const o of results.values()) {
    let i = 0;
    for (const a of o.attachments) {
      while (i < o.steps.length && o.steps[i].text !== a.step) i++;
      if (i < o.steps.length && a.mediaType === 'text/plain') o.steps[i].attachments.push(a.body);
    }
  }
  const scenarios = [...results.values()];
  for (const o of scenarios) classify(o, deviations);
  return { meta, scenarios };
}

function locate(doc: any, astNodeId: string): { line: number; description: string } {
  const children = doc?.feature?.children ?? [];
  const all = children.flatMap((c: any) => (c.rule ? c.rule.children : [c]));
  for (const c of all) {
    if (c.scenario?.id === astNodeId) return { line: c.scenario.location.line, description: (c.scenario.description ?? '').trim() };
    for (const ex of c.scenario?.examples ?? []) for (const row of ex.tableBody ?? []) if (row.id === astNodeId) return { line: row.location.line, description: (c.scenario.description ?? '').trim() };
  }
  return { line: 0, description: '' };
}

/**
 * The outcome of a scenario from its worst step status and the target's expected deviations. The
 * one place that decides; the progress line, the exit code, every report and count use it.
 */
export function outcomeOf(status: StepStatus, reqIds: string[], deviations: Record<string, string>): { outcome: Outcome; listed?: string } {
  const listed = reqIds.find((id) => id in deviations);
  if (status === 'PASSED') return listed ? { outcome: 'unexpected-pass', listed } : { outcome: 'passed' };
  if (status === 'SKIPPED') return { outcome: 'skipped' };
  return listed ? { outcome: 'deviation', listed } : { outcome: 'failed' };
}

function classify(o: ScenarioOutcome, deviations: Record<string, string>): void {
  const { outcome, listed } = outcomeOf(o.status, o.reqIds, deviations);
  o.outcome = outcome;
  if (outcome === 'unexpected-pass') o.reason = `listed as a deviation (${deviations[listed!]}) but passed`;
  else if (outcome === 'deviation') o.reason = deviations[listed!];
  else if (outcome === 'failed') o.reason = failedStep(o)?.message?.split('\n')[0];
}

/** The step that failed the scenario (a hook counts), if any. */
export function failedStep(o: ScenarioOutcome): StepRecord | undefined {
  return o.steps.find((s) => s.status !== 'PASSED' && s.status !== 'SKIPPED');
}

export function readRun(file: string, target: string): { meta: RunMeta; scenarios: ScenarioOutcome[] } {
  const run = parseMessages(readFileSync(file, 'utf8'), loadDeviations(target));
  run.meta.target = target;
  return run;
}

export function countOutcomes(scenarios: ScenarioOutcome[]): Record<Outcome, number> {
  const c: Record<Outcome, number> = { passed: 0, failed: 0, skipped: 0, deviation: 0, 'unexpected-pass': 0 };
  for (const s of scenarios) c[s.outcome]++;
  return c;
}

/** The order and words in which counts are said, everywhere (console, summary, JUnit, Allure, GitHub). */
export const COUNT_ORDER: Outcome[] = ['passed', 'deviation', 'unexpected-pass', 'failed', 'skipped'];
const WORDS: Record<Outcome, [string, string]> = {
  passed: ['passed', 'passed'],
  deviation: ['expected deviation', 'expected deviations'],
  'unexpected-pass': ['listed deviation that passed', 'listed deviations that passed'],
  failed: ['failed', 'failed'],
  skipped: ['skipped', 'skipped'],
};

export function outcomeWords(o: Outcome, n: number): string {
  return `${n} ${WORDS[o][n === 1 ? 0 : 1]}`;
}

/** "80 scenarios: 79 passed, 1 expected deviation, 0 failed": passed and failed always, the rest when there are any. */
export function formatCounts(c: Record<Outcome, number>): string {
  const total = COUNT_ORDER.reduce((n, o) => n + c[o], 0);
  const parts = COUNT_ORDER.filter((o) => o === 'passed' || o === 'failed' || c[o] > 0).map((o) => outcomeWords(o, c[o]));
  return `${total} scenario${total === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

export function addCounts(a: Record<Outcome, number>, b: Record<Outcome, number>): Record<Outcome, number> {
  const out = { ...a };
  for (const o of COUNT_ORDER) out[o] += b[o];
  return out;
}
