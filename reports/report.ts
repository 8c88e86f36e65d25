// Report assembly: message files in, reports/out/index.html out. Used by `dockspec run` after its
// targets and by `dockspec report FILES…` for runs from elsewhere.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { renderHtml } from './html.js';
import { Matrix, buildMatrix, loadRun } from './matrix.js';

export interface ReportOptions {
  /** messages.ndjson files, or directories holding one (reports/out/<target>/) */
  inputs: string[];
  /** the HTML file to write */
  out: string;
  /** where deviations/<target>.json live */
  deviationsDir: string;
  title?: string;
}

/** A directory stands for the messages.ndjson inside it, so CI artifacts can be passed as they unpack. */
export function resolveMessageFiles(inputs: string[]): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    const path = resolve(input);
    if (!existsSync(path)) throw new Error(`no such message file or directory: ${input}`);
    if (statSync(path).isDirectory()) {
      const inner = join(path, 'messages.ndjson');
      if (!existsSync(inner)) throw new Error(`${input} is a directory without a messages.ndjson`);
      files.push(inner);
    } else {
      files.push(path);
    }
  }
  return [...new Set(files)];
}

export function buildReport(opts: ReportOptions): Matrix {
  const runs = resolveMessageFiles(opts.inputs).map((f) => loadRun(f, opts.deviationsDir));
  const matrix = buildMatrix(runs);
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, renderHtml(matrix, opts.title));
  return matrix;
}
