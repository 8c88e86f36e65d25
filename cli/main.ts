// The dockspec command line. Exit codes scripts can rely on:
//   0  everything selected passed (or was an expected deviation)
//   1  a scenario failed, or a requirement is missing (doctor), or install-deps failed
//   2  the command line was wrong
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { doctor } from './doctor.js';
import { installDeps } from './install-deps.js';
import { availableTargets, run, PROJECT_ROOT } from './run.js';
import { TargetName } from './requirements.js';
import { report, REPORT_HELP } from './report.js';
import { mutate, MUTATE_HELP } from './mutate.js';
import { vmMain, VM_HELP } from './vm.js';

const HELP = `dockspec: Docker's process architecture as executable scenarios

Usage:
  dockspec run [--target reference|docker|all] [--tags EXPR] [--parallel N] [--shard I/N] [--out DIR] [-- CUCUMBER ARGS]
      Run the scenarios against each target. Writes reports/out/<target>/messages.ndjson,
      junit.xml and cucumber.html. Default target: reference. "all" = reference, and docker
      when dockerd is installed. With DOCKER_HOST set, the docker target attaches to that engine
      and skips the scenarios that must control the daemon.
  dockspec doctor [--target reference|docker|all]
      Check what the targets need; exit 1 when something is missing.
  dockspec install-deps [--target reference|docker|all] [--dry-run]
      Install the missing Debian packages with apt-get (root on Debian/Ubuntu), or print the command.
${REPORT_HELP}${MUTATE_HELP}${VM_HELP}  dockspec soak [--iterations N] [--seconds S] [--seed X] [--workers W] [--kill dockerd,containerd,shim]
      Crash-safety soak on the reference engine: container lifecycles while ref-dockerd,
      ref-containerd and shims are killed; prints its figures, exit 1 on a lost container or a leak.
  dockspec help

Exit codes: 0 all selected scenarios passed (or were expected deviations); 1 failures or
missing requirements; 2 usage error.
`;

function usage(message: string): never {
  process.stderr.write(`dockspec: ${message}\nRun 'dockspec help' for usage.\n`);
  process.exit(2);
}

function targetsOf(value: string | undefined, fallback: string): string[] {
  const t = value ?? fallback;
  if (t === 'all') return availableTargets();
  for (const name of t.split(',')) if (!/^(reference|docker)(\+[a-z0-9-]+)?$/.test(name)) usage(`unknown target "${name}" (reference, docker or all)`);
  return t.split(',');
}

function baseTargets(targets: string[]): TargetName[] {
  return [...new Set(targets.map((t) => t.split('+')[0] as TargetName))];
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // `report` takes FILES…, which the strict parse below refuses: it parses its own arguments.
  if (command === 'report') return report(rest);
  // `soak` takes its own flags (robustness/soak.ts)
  if (command === 'soak') return (await import('../robustness/soak.js')).soakMain(rest);
  // `vm` takes COMMAND… after `--` and its own flags (cli/vm.ts)
  if (command === 'vm') return vmMain(rest);
  const dashdash = rest.indexOf('--');
  const own = dashdash >= 0 ? rest.slice(0, dashdash) : rest;
  const extra = dashdash >= 0 ? rest.slice(dashdash + 1) : [];
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: own,
      options: {
        target: { type: 'string', short: 't' },
        tags: { type: 'string' },
        parallel: { type: 'string', short: 'p' },
        shard: { type: 'string' },
        out: { type: 'string' },
        fault: { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    usage((err as Error).message);
  }
  if (values.help || command === 'help' || command === '--help' || command === undefined) {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  switch (command) {
    case 'run': {
      const parallel = Number(values.parallel ?? process.env.DOCKSPEC_PARALLEL ?? 2);
      if (!Number.isInteger(parallel) || parallel < 1) usage(`--parallel wants a positive whole number, got "${values.parallel}"`);
      const shard = values.shard as string | undefined;
      if (shard !== undefined) {
        const m = /^(\d+)\/(\d+)$/.exec(shard);
        if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) usage(`--shard wants I/N with 1 <= I <= N, got "${shard}"`);
      }
      const { ok } = await run({
        targets: targetsOf(values.target as string | undefined, 'reference'),
        tags: values.tags as string | undefined,
        parallel,
        shard,
        outDir: (values.out as string | undefined) ?? join(PROJECT_ROOT, 'reports', 'out'),
        extra,
      });
      return ok ? 0 : 1;
    }
    case 'mutate': {
      const parallel = Number(values.parallel ?? process.env.DOCKSPEC_PARALLEL ?? 2);
      if (!Number.isInteger(parallel) || parallel < 1) usage(`--parallel wants a positive whole number, got "${values.parallel}"`);
      const fault = values.fault as string | undefined;
      return mutate({
        faults: fault?.split(',').map((s) => s.trim()).filter(Boolean),
        parallel,
        outDir: (values.out as string | undefined) ?? join(PROJECT_ROOT, 'reports', 'out', 'mutate'),
      });
    }
    case 'doctor':
      return doctor(baseTargets(targetsOf(values.target as string | undefined, 'all')));
    case 'install-deps':
      return installDeps(baseTargets(targetsOf(values.target as string | undefined, 'all')), { dryRun: Boolean(values['dry-run']) });
    default:
      usage(`unknown command "${command}"`);
  }
}
