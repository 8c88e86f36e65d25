// Container endpoints: create, list, inspect, the lifecycle calls (handed to the daemon), top and
// stats. The JSON views are in container-views.ts, the list's filters in container-filters.ts,
// logs and attach in container-output.ts, exec in exec.ts.
import { execFile } from 'node:child_process';
import type { Router } from './router.js';
import type { Ctx } from './http.js';
import type { Daemon, WaitCondition } from '../daemon.js';
import { DockerError } from '../errors.js';
import { parseSignal } from '../signals.js';
import { notRunningStatsJson, statsJson, type Sample } from '../stats.js';
import { sampleContainer } from '../stats-collector.js';
import { logger } from '../log.js';
import { pidsInNamespaceOf } from '../../../lib/proc.js';
import { checkForJson, checkPortBindings, checkReferenceCase, CONTAINER_CONFIG_WRAPPER, decodeFirst, typeError } from './go-json.js';
import { parseFilters } from './filters.js';
import { checkFilters, includesStopped, matchFilters } from './container-filters.js';
import { inspectJson, listJson } from './container-views.js';
import { outputRoutes } from './container-output.js';
import { execRoutes } from './exec.js';
import { resizeContainer } from '../terminal.js';

/** ?t= of stop and restart: absent or empty leaves the container's own StopTimeout. */
function stopTimeout(ctx: Ctx): number | undefined {
  const t = ctx.query.get('t');
  return t === null || t === '' ? undefined : Number(t);
}

export function containerRoutes(r: Router, d: Daemon): void {
  r.add('POST', '/containers/create', async (ctx) => {
    // dockerd's order: Content-Type, JSON syntax, Go types, an empty config, port specs, then names and images
    checkForJson(ctx.req.headers['content-type']);
    const body = decodeFirst(await ctx.body()) as Record<string, unknown> | null;
    const typeErr = typeError(body, CONTAINER_CONFIG_WRAPPER);
    if (typeErr) throw new DockerError(500, typeErr);
    if (body === null) throw new DockerError(400, 'Config cannot be empty in order to create a container');
    checkPortBindings((body.HostConfig as { PortBindings?: Parameters<typeof checkPortBindings>[0] } | undefined)?.PortBindings);
    if (typeof body.Image === 'string' && body.Image) checkReferenceCase(body.Image);
    const c = await d.create(body, ctx.query.get('name'));
    ctx.sendJson(201, { Id: c.rec.ID, Warnings: [] });
  });

  r.add('GET', '/containers/json', (ctx) => {
    const f = parseFilters(ctx.query.get('filters'));
    checkFilters(f);
    const all = ctx.bool('all') || includesStopped(f);
    let list = d.containers.list().filter((c) => (all || c.rec.State.Running) && matchFilters(d, c, f));
    const limit = Number(ctx.query.get('limit') ?? -1);
    if (limit > 0) list = list.slice(0, limit);
    ctx.sendJson(200, list.map((c) => listJson(d, c)));
  });

  r.add('GET', '/containers/{id}/json', (ctx) => {
    ctx.sendJson(200, inspectJson(d, d.containers.get(ctx.params.id)));
  });

  r.add('POST', '/containers/{id}/start', async (ctx) => {
    const c = d.containers.get(ctx.params.id);
    await d.start(c);
    ctx.noContent();
  });

  r.add('POST', '/containers/{id}/stop', async (ctx) => {
    await d.stop(d.containers.get(ctx.params.id), stopTimeout(ctx));
    ctx.noContent();
  });

  r.add('POST', '/containers/{id}/restart', async (ctx) => {
    await d.restart(d.containers.get(ctx.params.id), stopTimeout(ctx));
    ctx.noContent();
  });

  r.add('POST', '/containers/{id}/kill', async (ctx) => {
    const c = d.containers.get(ctx.params.id);
    await d.kill(c, parseSignal(ctx.query.get('signal')), ctx.params.id);
    ctx.noContent();
  });

  r.add('POST', '/containers/{id}/wait', async (ctx) => {
    const c = d.containers.get(ctx.params.id);
    const cond = (ctx.query.get('condition') || 'not-running') as WaitCondition;
    if (!['not-running', 'next-exit', 'removed'].includes(cond)) throw new DockerError(400, `invalid condition: "${cond}"`);
    const result = d.wait(c, cond);
    // headers go out at once, as dockerd flushes them: the CLI starts the container only after
    // its wait request has been answered with a status line
    const res = ctx.stream(200, 'application/json');
    const out = await result;
    // key order as dockerd encodes it: {"Error":null,"StatusCode":0}
    res.end(JSON.stringify(Number(ctx.version.split('.')[1]) >= 30 ? { Error: out.Error, StatusCode: out.StatusCode } : { StatusCode: out.StatusCode }) + '\n');
  });

  r.add('DELETE', '/containers/{id}', async (ctx) => {
    const c = d.containers.get(ctx.params.id);
    await d.remove(c, ctx.bool('force'));
    ctx.noContent();
  });

  r.add('POST', '/containers/{id}/rename', (ctx) => {
    d.rename(d.containers.get(ctx.params.id), ctx.query.get('name') ?? '');
    ctx.noContent();
  });

  r.add('POST', '/containers/{id}/resize', async (ctx) => {
    await resizeContainer(d.containerd.tasks(), d.containers.get(ctx.params.id), ctx.query);
    ctx.send(200, '', 'text/plain; charset=utf-8');
  });

  r.add('GET', '/containers/{id}/top', async (ctx) => {
    const c = d.containers.get(ctx.params.id);
    if (!c.rec.State.Running) throw new DockerError(409, `Container ${c.rec.ID} is not running`);
    const pids = pidsInNamespaceOf(c.rec.State.Pid);
    const psArgs = (ctx.query.get('ps_args') || '-ef').split(/\s+/).filter(Boolean);
    const out = await new Promise<string>((resolve, reject) =>
      execFile('ps', psArgs, (err, stdout, stderr) => (err ? reject(new DockerError(500, `Error running ps: ${stderr || err.message}`)) : resolve(stdout))),
    );
    const lines = out.split('\n').filter(Boolean);
    const titles = lines[0].trim().split(/\s+/);
    const pidCol = titles.indexOf('PID');
    const processes = lines
      .slice(1)
      .map((l) => {
        const f = l.trim().split(/\s+/);
        return [...f.slice(0, titles.length - 1), f.slice(titles.length - 1).join(' ')];
      })
      .filter((f) => pids.has(Number(f[pidCol])));
    ctx.sendJson(200, { Processes: processes, Titles: titles });
  });

  // dockerd samples every container once a second; without stream it waits for a second sample
  // so that precpu_stats is filled (the CLI's CPU % needs two), unless one-shot asks for the first.
  // A sample that fails (containerd down, the task gone) is sent as the not-running answer, and
  // the next one starts again from no previous sample, as dockerd's collector publishes it.
  r.add('GET', '/containers/{id}/stats', async (ctx) => {
    const c = d.containers.get(ctx.params.id);
    const stream = ctx.query.get('stream') === null || ctx.bool('stream');
    const name = c.rec.Name;
    const id = c.rec.ID;
    let prev: Sample | undefined;
    const next = async (): Promise<Record<string, unknown>> => {
      if (!c.rec.State.Running || !c.rec.State.Pid) {
        prev = undefined;
        return notRunningStatsJson(name, id);
      }
      let now: Sample;
      try {
        now = await sampleContainer(d.containerd.tasks(), id, c.rec.State.Pid);
      } catch (err) {
        if ((err as { code?: string }).code !== 'not-found') logger.error(`collecting stats for ${id}: ${(err as Error).message}`);
        prev = undefined;
        return notRunningStatsJson(name, id);
      }
      const out = statsJson(name, id, now, prev);
      prev = now;
      return out;
    };
    if (!stream) {
      if (c.rec.State.Running && !ctx.bool('one-shot')) {
        await next();
        await new Promise((r) => setTimeout(r, 1000));
      }
      ctx.sendJson(200, await next());
      return;
    }
    const res = ctx.stream(200, 'application/json');
    let closed = false;
    const stop = () => {
      closed = true;
    };
    ctx.req.on('close', stop);
    res.on('close', stop);
    while (!closed) {
      const frame = await next();
      if (closed) break;
      res.write(JSON.stringify(frame) + '\n');
      await new Promise((r) => setTimeout(r, 1000));
    }
  });

  outputRoutes(r, d);
  execRoutes(r, d);
}
