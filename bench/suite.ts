// The whole suite's wall time per target. Running it takes minutes per target, so by default the
// bench reads the duration of the last `dockspec run` from its cucumber message stream; `--suite`
// runs it afresh (into a directory of its own, leaving reports/out alone).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORK_ROOT } from '../harness/resources.js';

/** Project root: this file runs from dist/bench/. */
export const PROJECT_ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export interface SuiteRun {
  seconds: number;
  scenarios: number;
  passed: number;
  /** tag expression of that run, when it was a partial run */
  tags?: string;
  parallel?: number;
  date?: string;
  source: string;
}

interface Timestamp {
  seconds: number;
  nanos: number;
}

const secondsOf = (t: Timestamp) => t.seconds + t.nanos / 1e9;

/** Duration and counts from a messages.ndjson (testRunStarted → testRunFinished). */
export function readSuiteRun(dir: string): SuiteRun | undefined {
  const file = join(dir, 'messages.ndjson');
  if (!existsSync(file)) return undefined;
  let started: number | undefined;
  let finished: number | undefined;
  let scenarios = 0;
  let passed = 0;
  const statusOf = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let m: Record<string, any>;
    try {
      m = JSON.parse(line);
    } catch {
      continue; // a torn last line of an interrupted run
    }
    if (m.testRunStarted) started = secondsOf(m.testRunStarted.timestamp);
    else if (m.testRunFinished) finished = secondsOf(m.testRunFinished.timestamp);
    else if (m.testStepFinished) {
      // A scenario passed when every one of its steps did; remember the first step that did not.
      const id = m.testStepFinished.testCaseStartedId;
      const s = m.testStepFinished.testStepResult?.status;
      if (s !== 'PASSED' && !statusOf.has(id)) statusOf.set(id, s);
    } else if (m.testCaseFinished && !m.testCaseFinished.willBeRetried) {
      scenarios++;
      if (!statusOf.has(m.testCaseFinished.testCaseStartedId)) passed++;
    }
  }
  if (started === undefined || finished === undefined) return undefined;
  let meta: Record<string, any> = {};
  try {
    meta = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
  } catch {
    // run.json is optional
  }
  return {
    seconds: finished - started,
    scenarios,
    passed,
    tags: meta.tags || undefined,
    parallel: meta.parallel,
    date: meta.startedAt ?? new Date(started * 1000).toISOString(),
    source: file,
  };
}

/** Runs `dockspec run --target <t>` with its default parallelism; output goes to stderr. */
export async function runSuite(target: string): Promise<SuiteRun> {
  const out = join(WORK_ROOT, 'bench-suite', String(process.pid));
  mkdirSync(out, { recursive: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist', 'bin', 'dockspec.js'), 'run', '--target', target, '--out', out], {
      stdio: ['ignore', process.stderr, process.stderr],
    });
    child.on('error', reject);
    child.on('close', resolve);
  });
  const run = readSuiteRun(join(out, target));
  if (!run) throw new Error(`dockspec run --target ${target} exited ${code} without a complete message stream`);
  return { ...run, source: `this bench run (exit ${code})` };
}
