// `dockspec report [--out FILE] [--allure] FILES…`: the conformance matrix from message files of
// one or more runs (other machines, other Docker versions, CI shards). Shards of the same target
// on the same host become one column; other targets, hosts or engine versions add columns.
import { dirname, join, relative } from 'node:path';
import { buildReport, resolveMessageFiles } from '../reports/report.js';
import { formatCounts } from '../reports/outcomes.js';
import { ALLURE_RESULTS_DIR, renderAllure } from '../reports/allure.js';
import { readRunInfo } from '../reports/run-info.js';
import { PROJECT_ROOT } from './project.js';
import { Command, ParsedArgs } from './command.js';

const REPORT_HELP = `  dockspec report [--out FILE] [--allure] [--allure-out DIR] [--deviations DIR] FILES…
      Build the conformance matrix (one HTML file) from messages.ndjson files or the
      directories holding them (with their run.json). Default: reports/out/<target>/ of every
      target run here, written to reports/out/index.html. --allure also renders the
      allure-results beside those files as an Allure 3 single-file report (reports/out/allure/).
`;

function defaultInputs(outDir: string): string[] {
  const candidates = ['reference', 'docker'].map((t) => join(outDir, t));
  return candidates.filter((d) => {
    try {
      resolveMessageFiles([d]);
      return true;
    } catch {
      return false;
    }
  });
}

/** Returns the exit code: 0 written, 1 nothing to report or a failed step. */
export async function report({ values: v, positionals }: ParsedArgs): Promise<number> {
  const values = v as { out?: string; allure?: boolean; 'allure-out'?: string; deviations?: string };
  const outDir = join(PROJECT_ROOT, 'reports', 'out');
  const inputs = positionals.length ? positionals : defaultInputs(outDir);
  if (!inputs.length) {
    process.stderr.write(`dockspec: no message files given and none in ${relative(process.cwd(), outDir) || '.'}/<target>/: run "dockspec run" first or name the files\n`);
    return 1;
  }
  const out = values.out ?? join(outDir, 'index.html');
  let files: string[];
  try {
    files = resolveMessageFiles(inputs);
    const m = buildReport({ inputs: files, out, deviationsDir: values.deviations ?? join(PROJECT_ROOT, 'deviations') });
    for (const c of m.columns) {
      process.stdout.write(`${c.target} · ${c.host} · ${c.engineVersion}: ${formatCounts(c.counts)} (${c.files.length} file${c.files.length === 1 ? '' : 's'})\n`);
    }
    process.stdout.write(`dockspec: report written to ${out} (${m.rows.length} scenarios, ${m.columns.length} column${m.columns.length === 1 ? '' : 's'})\n`);
  } catch (err) {
    process.stderr.write(`dockspec: ${(err as Error).message}\n`);
    return 1;
  }
  if (values.allure) {
    try {
      const dirs = files.map((f) => join(dirname(f), ALLURE_RESULTS_DIR));
      const targets = files.map((f) => readRunInfo(f).target);
      const index = renderAllure(dirs, targets, values['allure-out'] ?? join(outDir, 'allure'), PROJECT_ROOT);
      process.stdout.write(`dockspec: Allure report written to ${index}\n`);
    } catch (err) {
      process.stderr.write(`dockspec: ${(err as Error).message}\n`);
      return 1;
    }
  }
  return 0;
}

export const command: Command = {
  name: 'report',
  summary: 'build the conformance report from message files of one or more runs',
  usage: REPORT_HELP,
  options: {
    out: { type: 'string', short: 'o' },
    allure: { type: 'boolean' },
    'allure-out': { type: 'string' },
    deviations: { type: 'string' },
  },
  positionals: true,
  run: report,
};
