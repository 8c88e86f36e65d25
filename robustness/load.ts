// Load: N concurrent `docker run -d` then N concurrent `docker rm -f`, through the real CLI, against
// a fresh ref-dockerd; the daemon's RSS is sampled before, throughout (peak) and after a quiet
// window. `node dist/robustness/load.js [--containers N] [--settle S]`
import { execFile } from 'node:child_process';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { getTarget } from '../harness/targets/index.js';
import { importTestImage } from './corpus-run.js';
import { IMAGE } from './corpus.js';
import { leftovers, rssMb } from './engine-probe.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LoadFigures {
  containers: number;
  runErrors: string[];
  rmErrors: string[];
  runSeconds: number;
  rmSeconds: number;
  rssBefore: number;
  rssPeak: number;
  rssAfter: number;
  leftovers: string[];
}


function docker(host: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) =>
    execFile('docker', args, { env: { ...process.env, DOCKER_HOST: host }, timeout: 120000 }, (e, out, err) =>
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out: out.trim(), err: err.trim() }),
    ),
  );
}

export async function load(containers = 50, settleSeconds = 15): Promise<LoadFigures> {
  const engine = getTarget('reference').newEngine();
  const f: LoadFigures = { containers, runErrors: [], rmErrors: [], runSeconds: 0, rmSeconds: 0, rssBefore: 0, rssPeak: 0, rssAfter: 0, leftovers: [] };
  try {
    await engine.start();
    await importTestImage(engine);
    // a first container warms the daemon's code paths, so that "before" is not a cold process
    await docker(engine.dockerHost, ['run', '--rm', IMAGE, 'true']);
    await sleep(2000);
    f.rssBefore = rssMb(engine.daemonPid);
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        f.rssPeak = Math.max(f.rssPeak, rssMb(engine.daemonPid));
        await sleep(100);
      }
    })();
    let t = Date.now();
    const ids = await Promise.all(
      Array.from({ length: containers }, async (_, i) => {
        const r = await docker(engine.dockerHost, ['run', '-d', '--name', `load-${i}`, IMAGE, 'sleep', '300']);
        if (r.code !== 0) f.runErrors.push(`load-${i}: ${r.err}`);
        return `load-${i}`;
      }),
    );
    f.runSeconds = (Date.now() - t) / 1000;
    t = Date.now();
    await Promise.all(
      ids.map(async (name) => {
        const r = await docker(engine.dockerHost, ['rm', '-f', name]);
        if (r.code !== 0) f.rmErrors.push(`${name}: ${r.err}`);
      }),
    );
    f.rmSeconds = (Date.now() - t) / 1000;
    sampling = false;
    await sampler;
    // V8 gives memory back lazily: a quiet window, then the reading
    await sleep(settleSeconds * 1000);
    f.rssAfter = rssMb(engine.daemonPid);
    const ps = await docker(engine.dockerHost, ['ps', '-aq']);
    if (ps.out) f.rmErrors.push(`still listed after rm -f: ${ps.out.split('\n').length}`);
    await engine.stop();
    f.leftovers = leftovers(engine);
  } finally {
    await engine.stop().catch(() => undefined);
    await engine.cleanup();
  }
  return f;
}

export function formatLoad(f: LoadFigures): string {
  const r = (x: number) => x.toFixed(1);
  return (
    `load: ${f.containers} concurrent docker run -d in ${r(f.runSeconds)} s (${f.runErrors.length} errors), ` +
    `${f.containers} concurrent docker rm -f in ${r(f.rmSeconds)} s (${f.rmErrors.length} errors); ` +
    `ref-dockerd RSS before ${r(f.rssBefore)} MB, peak ${r(f.rssPeak)} MB, after ${r(f.rssAfter)} MB (+${r(f.rssAfter - f.rssBefore)} MB); ` +
    `left behind: ${f.leftovers.length}`
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { containers: { type: 'string' }, settle: { type: 'string' } } });
  const f = await load(Number(values.containers ?? 50), Number(values.settle ?? 15));
  process.stdout.write(`${formatLoad(f)}\n`);
  for (const e of [...f.runErrors, ...f.rmErrors, ...f.leftovers]) process.stdout.write(`  ${e}\n`);
  process.exitCode = f.runErrors.length || f.rmErrors.length || f.leftovers.length ? 1 : 0;
}
