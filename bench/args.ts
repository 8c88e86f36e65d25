// Command line of `npm run bench`. Defaults keep the whole run well under 10 minutes on a 2-core
// machine that other people's test runs share.
import { parseArgs } from 'node:util';

export interface BenchArgs {
  iterations: number;
  warmup: number;
  /** operation ids to run; empty: all */
  only: string[];
  json?: string;
  suite: boolean;
  quick: boolean;
  /** bytes moved per throughput sample */
  throughputBytes: number;
  /** sequential requests per latency sample */
  latencyRequests: number;
  targets: string[];
}

export const HELP = `npm run bench -- [--iterations N] [--quick] [--only OP[,OP…]] [--json FILE] [--suite]

Runs each operation on the reference engine and on docker in alternation (a warm-up, then N
iterations) and prints medians, p90 and the ratio reference/docker. Progress goes to stderr.

  --iterations N   measured iterations per operation and target (default 5)
  --quick          2 iterations, 50 GETs per latency sample: a smoke test of the bench itself
  --only OPS       comma-separated operation ids (see below); repeatable
  --json FILE      also write the results as JSON
  --suite          also time the whole suite per target (slow: minutes); without it the table
                   shows the duration of the last \`dockspec run\` found in reports/out/<target>/
  --targets LIST   default reference,docker

Operations: `;

export function parseBenchArgs(argv: string[]): BenchArgs | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      iterations: { type: 'string', short: 'n' },
      quick: { type: 'boolean' },
      only: { type: 'string', multiple: true },
      json: { type: 'string' },
      suite: { type: 'boolean' },
      targets: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const quick = !!values.quick;
  const iterations = values.iterations !== undefined ? Number(values.iterations) : quick ? 2 : 5;
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`--iterations wants a positive whole number, got "${values.iterations}"`);
  return {
    iterations,
    // One warm-up: the first `docker run` after an import pays for page cache and lazy setup on
    // both engines; more would only spend the shared CPUs.
    warmup: 1,
    only: (values.only ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean),
    json: values.json,
    suite: !!values.suite,
    quick,
    // Not smaller in --quick: below ~200 MiB TCP slow start and process start-up dominate.
    throughputBytes: 200 * 1024 * 1024,
    latencyRequests: quick ? 50 : 200,
    targets: (values.targets ?? 'reference,docker').split(',').map((s) => s.trim()).filter(Boolean),
  };
}
