// `dockspec soak`: the crash-safety soak of robustness/soak.ts, with its options declared here.
import { Command, positiveInt, usageError } from './command.js';

export const command: Command = {
  name: 'soak',
  summary: 'crash-safety soak: container lifecycles while the reference daemons are killed',
  usage: `  dockspec soak [--iterations N] [--seconds S] [--seed X] [--workers W] [--kill dockerd,containerd,shim]
      Crash-safety soak on the reference engine: container lifecycles while ref-dockerd,
      ref-containerd and shims are killed; prints its figures, exit 1 on a lost container or a
      leak. The SOAK_* environment variables give the defaults (docs/robustness.md).
`,
  options: { iterations: { type: 'string' }, seconds: { type: 'string' }, seed: { type: 'string' }, workers: { type: 'string' }, kill: { type: 'string' } },
  async run({ values }) {
    const env = process.env;
    const iterations = positiveInt('iterations', values.iterations ?? env.SOAK_ITERATIONS, 200);
    const seconds = positiveInt('seconds', values.seconds ?? env.SOAK_SECONDS, 120);
    const workers = positiveInt('workers', values.workers ?? env.SOAK_WORKERS, 3);
    const seed = Number(values.seed ?? env.SOAK_SEED ?? Date.now() % 100000);
    // loaded on use: the soak pulls in the whole reference engine
    const { soak, formatFigures, parseKill } = await import('../robustness/soak.js');
    let kill;
    try {
      kill = parseKill((values.kill as string | undefined) ?? env.SOAK_KILL);
    } catch (err) {
      usageError((err as Error).message);
    }
    const f = await soak({ iterations, seconds, seed, workers, kill });
    process.stdout.write(`${formatFigures(f)}\n`);
    return f.failures.length ? 1 : 0;
  },
};
