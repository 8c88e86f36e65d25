// A container's output to clients: GET /containers/{id}/logs reads the json-file log (and follows
// it), POST /containers/{id}/attach hijacks the connection and joins the live streams. Both carry
// stdcopy frames unless the container has a TTY.
import type { Router } from './router.js';
import type { Ctx } from './http.js';
import type { Daemon } from '../daemon.js';
import type { Attacher } from '../container-io.js';
import { DockerError } from '../errors.js';
import { readLogFile, type LogEntry } from '../log-file.js';
import { frame, STDERR, STDOUT } from '../stream.js';

function writeLogEntries(res: NodeJS.WritableStream, entries: LogEntry[], opts: { stdout: boolean; stderr: boolean; timestamps: boolean; tty: boolean }) {
  for (const e of entries) {
    if ((e.stream === 'stdout' && !opts.stdout) || (e.stream === 'stderr' && !opts.stderr)) continue;
    const line = Buffer.from(opts.timestamps ? `${e.time} ${e.log}` : e.log);
    res.write(opts.tty ? line : frame(e.stream === 'stdout' ? STDOUT : STDERR, line));
  }
}

function sinceFilter(ctx: Ctx) {
  const since = Number(ctx.query.get('since') ?? 0);
  const until = Number(ctx.query.get('until') ?? 0);
  return (e: LogEntry) => {
    const t = Date.parse(e.time) / 1000;
    return (!since || t >= since) && (!until || t <= until);
  };
}

export function outputRoutes(r: Router, d: Daemon): void {
  r.add('GET', '/containers/{id}/logs', (ctx) => {
    const c = d.containers.get(ctx.params.id);
    const opts = { stdout: ctx.bool('stdout'), stderr: ctx.bool('stderr'), timestamps: ctx.bool('timestamps'), tty: c.rec.Config.Tty };
    if (!opts.stdout && !opts.stderr) throw new DockerError(400, 'Bad parameters: you must choose at least one stream');
    const keep = sinceFilter(ctx);
    let entries = c.rec.LogPath ? readLogFile(c.rec.LogPath).filter(keep) : [];
    const tail = ctx.query.get('tail');
    if (tail && tail !== 'all' && Number(tail) >= 0) entries = Number(tail) === 0 ? [] : entries.slice(-Number(tail));
    // dockerd 20.10 sends the log stream without a Content-Type (measured)
    const res = ctx.stream(200);
    writeLogEntries(res, entries, opts);
    const live = d.loggerOf(c.rec.ID);
    if (!ctx.bool('follow') || !live || live.closed) {
      res.end();
      return;
    }
    const onEntry = (e: LogEntry) => writeLogEntries(res, [e], opts);
    const stop = () => {
      live.off('entry', onEntry);
      live.off('close', stop);
      res.end();
    };
    live.on('entry', onEntry);
    live.on('close', stop);
    ctx.req.on('close', () => {
      live.off('entry', onEntry);
      live.off('close', stop);
    });
  });


  r.add('POST', '/containers/{id}/attach', (ctx) => {
    const c = d.containers.get(ctx.params.id);
    const a: Attacher = {
      stdin: ctx.bool('stdin') && c.rec.Config.OpenStdin,
      stdout: ctx.bool('stdout'),
      stderr: ctx.bool('stderr'),
      tty: c.rec.Config.Tty,
      conn: undefined as never,
    };
    const conn = ctx.hijack();
    a.conn = conn;
    if (ctx.bool('logs') && c.rec.LogPath) writeLogEntries(conn, readLogFile(c.rec.LogPath), { stdout: a.stdout, stderr: a.stderr, timestamps: false, tty: a.tty });
    // a stopped container is attached too: `docker start -a` attaches before it starts
    if (!ctx.bool('stream')) {
      conn.end();
      return;
    }
    const set = d.attacherSet(c.rec.ID);
    set.add(a);
    d.events.container(c, 'attach');
    conn.on('close', () => set.delete(a));
    conn.on('error', () => set.delete(a));
    if (a.stdin) {
      const io = d.ioOf(c.rec.ID);
      if (io) io.pipeStdin(conn, c.rec.Config.StdinOnce);
      else conn.pause();
    } else {
      conn.resume();
    }
  });

}
