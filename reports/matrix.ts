// The conformance matrix: requirement → scenario → outcome per column, where a column is one
// engine on one host (target, host and engine version). Message files of several runs go in:
// CI shards of the same target on the same host merge into one column, other targets, hosts or
// engine versions add columns.
import { readFileSync } from 'node:fs';
import { Outcome, RunMeta, ScenarioOutcome, StepStatus, loadDeviations, parseMessages } from './outcomes.js';
import { ProcessSnapshot, SNAPSHOT_MEDIA_TYPE } from './process-tree-svg.js';
import { RunInfo, readRunInfo, NOT_CONTROLLED } from './run-info.js';

export const OUTCOMES: Outcome[] = ['passed', 'failed', 'skipped', 'deviation', 'unexpected-pass'];

/** The order features/README.md lists the areas in; others follow alphabetically. */
export const AREA_ORDER = ['transports', 'init', 'proxy', 'daemons', 'shim', 'runtime', 'isolation', 'events', 'restart'];

export interface LoadedRun {
  file: string;
  info: RunInfo;
  meta: RunMeta;
  scenarios: ScenarioOutcome[];
}

export interface Column {
  key: string;
  target: string;
  host: string;
  engineVersion: string;
  /** the host's cgroup layout (run.json), when known */
  cgroup?: string;
  mode: RunInfo['mode'];
  dockerHost?: string;
  /** earliest start over the merged runs */
  startedAt: string;
  shards: string[];
  files: string[];
  commits: string[];
  counts: Record<Outcome, number>;
  /** attached columns: requirement ids skipped because the engine is not the harness's to control */
  notControlled: string[];
}

export interface Cell {
  outcome: Outcome;
  status: StepStatus;
  reason?: string;
  scenario: ScenarioOutcome;
  snapshots: Array<ProcessSnapshot & { step?: string }>;
  startedAt: string;
}

export interface Row {
  key: string;
  area: string;
  /** the requirement the row is filed under: the scenario's first @req id */
  reqId: string;
  reqIds: string[];
  name: string;
  uri: string;
  line: number;
  description: string;
  tags: string[];
  cells: Record<string, Cell | undefined>;
  /** the columns do not all agree (a passed column next to a failed or deviating one) */
  differs: boolean;
}

export interface Matrix {
  generatedAt: string;
  columns: Column[];
  rows: Row[];
  areas: string[];
  /** area → column key → outcome → count */
  countsByArea: Record<string, Record<string, Record<Outcome, number>>>;
}

export function emptyCounts(): Record<Outcome, number> {
  return { passed: 0, failed: 0, skipped: 0, deviation: 0, 'unexpected-pass': 0 };
}

function snapshotsOf(s: ScenarioOutcome): Array<ProcessSnapshot & { step?: string }> {
  const out: Array<ProcessSnapshot & { step?: string }> = [];
  for (const a of s.attachments) {
    if (a.mediaType !== SNAPSHOT_MEDIA_TYPE) continue;
    try {
      out.push({ ...(JSON.parse(a.body) as ProcessSnapshot), step: a.step });
    } catch {
      // A torn attachment (a worker killed mid-write) must not take the whole report down.
    }
  }
  return out;
}

/** Read one run's message file with its run.json, applying that target's expected deviations. */
export function loadRun(file: string, deviationsDir: string): LoadedRun {
  const text = readFileSync(file, 'utf8');
  // Without run.json the snapshots still say which target took them.
  const snapTarget = /"target\\?":\\?"((?:reference|docker)[a-z0-9+-]*)\\?"/.exec(text)?.[1];
  const info = readRunInfo(file, snapTarget);
  const { meta, scenarios } = parseMessages(text, loadDeviations(info.target, deviationsDir));
  meta.target = info.target;
  meta.host = info.host;
  meta.engineVersion = info.engineVersion;
  meta.startedAt = info.startedAt;
  return { file, info, meta, scenarios };
}

export function columnKey(info: RunInfo): string {
  return `${info.target}@${info.host} (${info.engineVersion})`;
}

/** Scenarios keep their identity across runs of slightly different checkouts: file, name, and the
 * ordinal among scenarios of the same name in that file (outline examples share a name). */
function rowKeys(scenarios: ScenarioOutcome[]): Map<ScenarioOutcome, string> {
  const keys = new Map<ScenarioOutcome, string>();
  const seen = new Map<string, number>();
  for (const s of [...scenarios].sort((a, b) => a.uri.localeCompare(b.uri) || a.line - b.line)) {
    const base = `${s.uri}\u0000${s.name}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    keys.set(s, `${base}\u0000${n}`);
  }
  return keys;
}

function areaRank(area: string): number {
  const i = AREA_ORDER.indexOf(area);
  return i >= 0 ? i : AREA_ORDER.length;
}

export function buildMatrix(runs: LoadedRun[], generatedAt = new Date().toISOString()): Matrix {
  const columns = new Map<string, Column>();
  const rows = new Map<string, Row>();
  for (const run of runs) {
    const key = columnKey(run.info);
    let col = columns.get(key);
    if (!col) {
      col = {
        key,
        target: run.info.target,
        host: run.info.host,
        engineVersion: run.info.engineVersion,
        cgroup: run.info.cgroup,
        mode: run.info.mode,
        dockerHost: run.info.dockerHost,
        startedAt: run.info.startedAt,
        shards: [],
        files: [],
        commits: [],
        counts: emptyCounts(),
        notControlled: [],
      };
      columns.set(key, col);
    }
    if (run.info.startedAt && (!col.startedAt || run.info.startedAt < col.startedAt)) col.startedAt = run.info.startedAt;
    if (run.info.shard && !col.shards.includes(run.info.shard)) col.shards.push(run.info.shard);
    if (run.info.dockspecCommit && !col.commits.includes(run.info.dockspecCommit)) col.commits.push(run.info.dockspecCommit);
    col.files.push(run.file);
    const keys = rowKeys(run.scenarios);
    for (const s of run.scenarios) {
      const rk = keys.get(s)!;
      let row = rows.get(rk);
      if (!row) {
        row = {
          key: rk,
          area: s.area,
          reqId: s.reqIds[0] ?? '',
          reqIds: s.reqIds,
          name: s.name,
          uri: s.uri,
          line: s.line,
          description: s.description,
          tags: s.tags,
          cells: {},
          differs: false,
        };
        rows.set(rk, row);
      }
      const previous = row.cells[key];
      // The same scenario twice in one column (a re-run of a shard): the later run wins.
      if (previous && previous.startedAt > run.info.startedAt) continue;
      row.cells[key] = { outcome: s.outcome, status: s.status, reason: s.reason, scenario: s, snapshots: snapshotsOf(s), startedAt: run.info.startedAt };
    }
  }

  const cols = [...columns.values()].sort(
    (a, b) => Number(a.target.startsWith('docker')) - Number(b.target.startsWith('docker')) || a.target.localeCompare(b.target) || a.host.localeCompare(b.host) || a.engineVersion.localeCompare(b.engineVersion),
  );
  const rowList = [...rows.values()].sort(
    (a, b) => areaRank(a.area) - areaRank(b.area) || a.area.localeCompare(b.area) || (a.reqId || '\uffff').localeCompare(b.reqId || '\uffff') || a.uri.localeCompare(b.uri) || a.line - b.line,
  );
  const countsByArea: Matrix['countsByArea'] = {};
  for (const row of rowList) {
    const outcomes = new Set<Outcome>();
    for (const col of cols) {
      const cell = row.cells[col.key];
      if (!cell) continue;
      col.counts[cell.outcome]++;
      if (cell.outcome === 'skipped' && cell.reason?.startsWith(NOT_CONTROLLED)) col.notControlled.push(row.reqId || row.name);
      const byCol = (countsByArea[row.area] ??= {});
      (byCol[col.key] ??= emptyCounts())[cell.outcome]++;
      // An expected deviation is still a difference between engines; a skip is not a verdict.
      if (cell.outcome !== 'skipped') outcomes.add(cell.outcome === 'unexpected-pass' ? 'passed' : cell.outcome);
    }
    row.differs = outcomes.size > 1;
  }
  const areas = [...new Set(rowList.map((r) => r.area))];
  return { generatedAt, columns: cols, rows: rowList, areas, countsByArea };
}
