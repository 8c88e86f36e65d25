// Extra processes in a running container (docker exec): created as a record, started through
// containerd with a spec derived from the container's, reported exited by containerd's event.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Daemon } from '../daemon.js';
import type { Container } from '../container-store.js';
import { ProcessIO, type Attacher } from '../container-io.js';
import { DEFAULT_CAPS, DEFAULT_PATH, mergeEnv, resolveUser } from '../bundle.js';
import { makeFifo } from '../fifo.js';
import { DockerError } from '../errors.js';
import * as E from '../errors.js';
import { logger } from '../log.js';
import { IO_DRAIN_MS } from './streams.js';

export interface ExecConfig {
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Tty: boolean;
  Cmd: string[];
  Env: string[] | null;
  User: string;
  WorkingDir: string;
  Privileged: boolean;
  DetachKeys: string;
}

export interface ExecInstance {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  started: boolean;
  exitCode: number | null;
  pid: number;
  io?: ProcessIO;
  finished: Promise<void>;
  finish: () => void;
}

export function createExec(d: Daemon, c: Container, body: Partial<ExecConfig>): ExecInstance {
  if (!c.rec.State.Running) throw E.execNotRunning(c.rec.ID);
  if (!body.Cmd || body.Cmd.length === 0) throw new DockerError(400, 'No exec command specified');
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const e: ExecInstance = {
    id: crypto.randomBytes(32).toString('hex'),
    containerId: c.rec.ID,
    config: {
      AttachStdin: Boolean(body.AttachStdin),
      AttachStdout: Boolean(body.AttachStdout),
      AttachStderr: Boolean(body.AttachStderr),
      Tty: Boolean(body.Tty),
      Cmd: body.Cmd,
      Env: body.Env ?? null,
      User: body.User ?? '',
      WorkingDir: body.WorkingDir ?? '',
      Privileged: Boolean(body.Privileged),
      DetachKeys: body.DetachKeys ?? '',
    },
    running: false,
    started: false,
    exitCode: null,
    pid: 0,
    finished,
    finish,
  };
  d.execs.set(e.id, e);
  return e;
}

export async function startExec(d: Daemon, e: ExecInstance, attacher: Attacher | undefined): Promise<void> {
  const c = d.containers.get(e.containerId);
  if (!c.rec.State.Running) throw E.execNotRunning(c.rec.ID);
  if (e.started) throw new DockerError(409, `Error: Exec command ${e.id} is already running`);
  e.started = true;
  const fifos = d.fifoDir(c.rec.ID);
  fs.mkdirSync(fifos, { recursive: true, mode: 0o700 });
  const paths = {
    stdin: e.config.AttachStdin && attacher ? path.join(fifos, `${e.id}-stdin`) : undefined,
    stdout: path.join(fifos, `${e.id}-stdout`),
    stderr: e.config.Tty ? '' : path.join(fifos, `${e.id}-stderr`),
  };
  for (const f of [paths.stdin, paths.stdout, paths.stderr]) if (f) await makeFifo(f);
  const attachers = new Set<Attacher>(attacher ? [attacher] : []);
  const io = new ProcessIO(paths, { fresh: true, attachers, onStdinClosed: () => d.containerd.tasks().closeStdin(c.rec.ID, e.id) });
  e.io = io;
  if (attacher && paths.stdin) io.pipeStdin(attacher.conn, true);
  const rootfs = d.layers.paths(c.rec.ID).merged;
  const user = resolveUser(e.config.User || c.rec.Config.User, rootfs);
  const env = mergeEnv([DEFAULT_PATH, `HOSTNAME=${c.rec.Config.Hostname}`], e.config.Tty ? ['TERM=xterm'] : [], c.rec.Config.Env, e.config.Env);
  const spec = {
    terminal: e.config.Tty,
    user: { uid: user.uid, gid: user.gid },
    args: e.config.Cmd,
    env,
    cwd: e.config.WorkingDir || c.rec.Config.WorkingDir || '/',
    capabilities: { bounding: DEFAULT_CAPS, effective: DEFAULT_CAPS, permitted: DEFAULT_CAPS },
    noNewPrivileges: false,
  };
  const p = (async () => {
    // containerd down is a failed start like any other: exit code 126, as dockerd reports it
    const tasks = d.containerd.tasks();
    await tasks.exec({ containerId: c.rec.ID, execId: e.id, spec, stdin: paths.stdin, stdout: paths.stdout, stderr: paths.stderr, terminal: e.config.Tty });
    const { pid } = await tasks.start(c.rec.ID, e.id);
    e.pid = pid;
    e.running = true;
    io.started();
  })();
  d.starting.set(e.id, p.catch(() => undefined));
  try {
    await p;
    logger.info('exec started', { container: c.rec.ID, exec: e.id, pid: e.pid });
  } catch (err) {
    io.destroy();
    for (const f of Object.values(paths)) if (f) fs.rmSync(f, { force: true });
    e.exitCode = 126;
    e.finish();
    const msg = err instanceof Error ? err.message : String(err);
    throw new DockerError(/executable file not found|no such file or directory/.test(msg) ? 400 : 500, msg);
  } finally {
    d.starting.delete(e.id);
  }
}

export async function execExited(d: Daemon, execId: string, exitStatus: number): Promise<void> {
  const e = d.execs.get(execId);
  if (!e || e.exitCode !== null) return;
  await d.starting.get(execId);
  if (e.exitCode !== null) return;
  await e.io?.finish(IO_DRAIN_MS);
  e.exitCode = exitStatus;
  e.running = false;
  e.io?.endAttachers();
  try {
    await d.containerd.tasks().delete(e.containerId, execId);
  } catch {
    /* the exec is gone with its container */
  }
  const dir = d.fifoDir(e.containerId);
  for (const s of ['stdin', 'stdout', 'stderr']) fs.rmSync(path.join(dir, `${execId}-${s}`), { force: true });
  logger.info('exec exited', { container: e.containerId, exec: execId, exitCode: exitStatus });
  e.finish();
}
