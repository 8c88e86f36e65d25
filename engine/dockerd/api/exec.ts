// docker exec over the API: create an exec instance, start it detached or on a hijacked
// connection, inspect it. The lifecycle itself is the daemon's (daemon/exec.ts).
import type { Router } from './router.js';
import type { Daemon } from '../daemon.js';
import type { Attacher } from '../container-io.js';
import * as E from '../errors.js';
import { frame, STDOUT } from '../stream.js';
import { execInspectJson } from './container-views.js';
import { resizeExec } from '../terminal.js';
import { refuseExecWhenPaused } from '../pause.js';

export function execRoutes(r: Router, d: Daemon): void {
  r.add('POST', '/containers/{id}/exec', async (ctx) => {
    const c = d.containers.get(ctx.params.id);
    const body = await ctx.json<Record<string, unknown>>();
    refuseExecWhenPaused(c, ctx.params.id);
    const e = d.createExec(c, body);
    ctx.sendJson(201, { Id: e.id });
  });

  r.add('POST', '/exec/{id}/start', async (ctx) => {
    const e = d.execs.get(ctx.params.id);
    if (!e) throw E.noSuchExec(ctx.params.id);
    const body = await ctx.json<{ Detach?: boolean; Tty?: boolean }>();
    if (body.Detach) {
      await d.startExec(e, undefined);
      ctx.send(200, '', 'application/json');
      return;
    }
    // errors before the process runs still go out as a normal response
    const c = d.containers.get(e.containerId);
    if (!c.rec.State.Running) throw E.execNotRunning(c.rec.ID);
    const conn = ctx.hijack();
    const a: Attacher = { stdin: e.config.AttachStdin, stdout: e.config.AttachStdout, stderr: e.config.AttachStderr, tty: e.config.Tty, conn };
    if (!a.stdin) conn.resume();
    try {
      await d.startExec(e, a);
    } catch (err) {
      // the stream is already hijacked: dockerd writes the error to the process's stdout
      const text = Buffer.from(`${(err as Error).message}\r\n`);
      conn.write(a.tty ? text : frame(STDOUT, text));
      conn.end();
    }
  });

  r.add('GET', '/exec/{id}/json', (ctx) => {
    const e = d.execs.get(ctx.params.id);
    if (!e) throw E.noSuchExec(ctx.params.id);
    ctx.sendJson(200, execInspectJson(e));
  });

  r.add('POST', '/exec/{id}/resize', async (ctx) => {
    const e = d.execs.get(ctx.params.id);
    if (!e) throw E.noSuchExec(ctx.params.id);
    await resizeExec(d.containerd.tasks(), e, ctx.query);
    ctx.send(200, '', 'text/plain; charset=utf-8');
  });
}
