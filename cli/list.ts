// `dockspec list`: what `dockspec run` would run, with the requirement ids, without starting
// anything. The selection is cucumber-js's own (the target's profile, --tags, a variant's default
// areas, --shard), so the list and the run cannot disagree.
import { join } from 'node:path';
import { loadConfiguration, loadSources } from '@cucumber/cucumber/api';
import { readCatalogue, CatalogueEntry } from './catalogue.js';
import { Command, usageError } from './command.js';
import { PROJECT_ROOT } from './project.js';
import { TARGET_OPTION, targetsOf } from './targets.js';
import { getTarget } from '../harness/targets/index.js';

export interface Listed {
  reqIds: string[];
  name: string;
  uri: string;
  line: number;
}

/** The scenarios a run of `target` with these options would run, in cucumber's order. */
export async function plannedScenarios(target: string, opts: { tags?: string; shard?: string } = {}): Promise<Listed[]> {
  const tags = opts.tags ?? getTarget(target).info.defaultTags;
  const provided: Record<string, unknown> = {};
  if (tags) provided.tags = tags;
  const env = { cwd: PROJECT_ROOT, stdout: process.stdout, stderr: process.stderr, env: process.env };
  const { runConfiguration } = await loadConfiguration({ profiles: [target.split('+')[0]!], provided }, env);
  const { plan, errors } = await loadSources(runConfiguration.sources, env);
  if (errors.length) throw new Error(errors.map((e) => `${e.uri}:${e.location.line}: ${e.message}`).join('\n'));
  // An outline's rows are planned at their own lines: each belongs to the scenario above it.
  const catalogue = readCatalogue(join(PROJECT_ROOT, 'features'));
  const owner = (uri: string, line: number): CatalogueEntry[] => {
    const inFile = catalogue.filter((c) => c.uri === uri && c.line <= line);
    const top = Math.max(...inFile.map((c) => c.line));
    return inFile.filter((c) => c.line === top);
  };
  // loadSources does not run cucumber's sharding plugin: the same rule (every total-th pickle of
  // the filtered plan, from index-1) is applied here.
  const [index, total] = (opts.shard ?? '1/1').split('/').map(Number) as [number, number];
  if (!(index >= 1 && index <= total)) usageError(`--shard wants I/N with 1 <= I <= N, got "${opts.shard}"`);
  return plan.filter((_, i) => i % total === index - 1).map((p) => ({ reqIds: owner(p.uri, p.location.line).map((c) => c.reqId).filter(Boolean), name: p.name, uri: p.uri, line: p.location.line }));
}

export const command: Command = {
  name: 'list',
  summary: 'list the scenarios a run would run, with their requirement ids',
  usage: `  dockspec list [--target reference|docker|VARIANT] [--tags EXPR] [--shard I/N] [--json]
      Print what \`dockspec run\` with the same options would run: requirement id, feature file
      and line, scenario name; nothing is started. --json prints the list as JSON.
`,
  options: { ...TARGET_OPTION, tags: { type: 'string' }, shard: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values }) {
    const targets = targetsOf(values.target, 'reference');
    if (targets.length !== 1) usageError('list takes one target');
    const target = targets[0]!;
    try {
      getTarget(target);
    } catch (err) {
      usageError((err as Error).message);
    }
    let listed: Listed[];
    try {
      listed = await plannedScenarios(target, { tags: values.tags as string | undefined, shard: values.shard as string | undefined });
    } catch (err) {
      // A malformed tag expression is the caller's mistake; cucumber-js wraps it in its filter's error.
      const cause = (err as Error).cause as Error | undefined;
      if (values.tags && /pickles:filter/.test((err as Error).message)) usageError(`--tags "${String(values.tags)}": ${cause?.message ?? (err as Error).message}`);
      throw err;
    }
    if (values.json) {
      process.stdout.write(JSON.stringify(listed, null, 2) + '\n');
      return 0;
    }
    const width = Math.max(0, ...listed.map((l) => l.reqIds.join(' ').length));
    for (const l of listed) process.stdout.write(`${l.reqIds.join(' ').padEnd(width)}  ${`${l.uri}:${l.line}`.padEnd(44)}  ${l.name}\n`);
    process.stdout.write(`${listed.length} scenario${listed.length === 1 ? '' : 's'} on ${target}${values.tags ? ` with tags ${String(values.tags)}` : ''}\n`);
    return 0;
  },
};
