// Container endpoints. JSON shapes follow dockerd 20.10.24's answers (captured with curl); the
// attach and exec streams are hijacked connections carrying stdcopy frames.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Router } from './router.js';
import type { Ctx } from './http.js';
import type { Daemon, WaitCondition } from '../daemon.js';
import type { Container } from '../container-store.js';
import { DockerError } from '../errors.js';
import * as E from '../errors.js';
import { parseSignal } from '../signals.js';
import { readLogFile, type LogEntry } from '../log-file.js';
import { frame, STDERR, STDOUT } from '../stream.js';
import type { Attacher } from '../container-io.js';
import { humanDuration } from './human.js';
import { parseBinds } from '../bundle.js';
import { notRunningStatsJson, sampleContainer, statsJson, type Sample } from '../stats.js';
import { checkForJson, checkPortBindings, checkReferenceCase, CONTAINER_CONFIG_WRAPPER, decodeFirst, typeError } from './go-json.js';
import { parseFilters } from './filters.js';
import { resizeContainer, resizeExec } from '../terminal.js';
import { refuseExecWhenPaused } from '../pause.js';

function endpointJson(c: Container) {
  const e = c.rec.Endpoint;
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    NetworkID: e?.networkId ?? '',
    EndpointID: e?.endpointId ?? '',
    Gateway: e?.gateway ?? '',
    IPAddress: e?.ipAddress ?? '',
    IPPrefixLen: e?.ipPrefixLen ?? 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    MacAddress: e?.macAddress ?? '',
    DriverOpts: null,
  };
}

/** NetworkSettings.Ports: every exposed/bound port, with its published host bindings or null. */
function portsJson(c: Container): Record<string, Array<{ HostIp: string; HostPort: string }> | null> {
  const out: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  if (!c.rec.State.Running) return out;
  for (const p of Object.keys(c.rec.Config.ExposedPorts ?? {})) out[p] = null;
  for (const p of Object.keys(c.hostConfig.PortBindings ?? {})) out[p] = null;
  for (const p of c.rec.Ports ?? []) (out[p.containerPort] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort });
  return out;
}

function networkMode(c: Container): string {
  return c.hostConfig.NetworkMode;
}

/** hostconfig fields dockerd shows even when unset (from a 20.10.24 inspect) */
const HOSTCONFIG_DEFAULTS: Record<string, unknown> = {
      Binds: null,
      ContainerIDFile: '',
      LogConfig: { Type: 'json-file', Config: {} },
      NetworkMode: 'default',
      PortBindings: {},
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      AutoRemove: false,
      VolumeDriver: '',
      VolumesFrom: null,
      CapAdd: null,
      CapDrop: null,
      CgroupnsMode: 'host',
      Dns: [],
      DnsOptions: [],
      DnsSearch: [],
      ExtraHosts: null,
      GroupAdd: null,
      IpcMode: 'private',
      Cgroup: '',
      Links: null,
      OomScoreAdj: 0,
      PidMode: '',
      Privileged: false,
      PublishAllPorts: false,
      ReadonlyRootfs: false,
      SecurityOpt: null,
      UTSMode: '',
      UsernsMode: '',
      ShmSize: 67108864,
      Runtime: 'runc',
      ConsoleSize: [0, 0],
      Isolation: '',
      CpuShares: 0,
      Memory: 0,
      NanoCpus: 0,
      CgroupParent: '',
      BlkioWeight: 0,
      PidsLimit: null,
      MaskedPaths: ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'],
      ReadonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
};

export function inspectJson(d: Daemon, c: Container) {
  const { rec, hostConfig } = c;
  const execIds = [...d.execs.values()].filter((e) => e.containerId === rec.ID).map((e) => e.id);
  const ov = d.layers.paths(rec.ID);
  const img = d.images.find(rec.Image);
  const ep = rec.Endpoint;
  const mode = networkMode(c);
  const netName = mode === 'default' ? 'bridge' : mode;
  return {
    Id: rec.ID,
    Created: rec.Created,
    Path: rec.Path,
    Args: rec.Args,
    State: rec.State,
    Image: rec.Image,
    ResolvConfPath: rec.ResolvConfPath,
    HostnamePath: rec.HostnamePath,
    HostsPath: rec.HostsPath,
    LogPath: rec.LogPath,
    Name: rec.Name,
    RestartCount: rec.RestartCount,
    Driver: rec.Driver,
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: execIds.length ? execIds : null,
    HostConfig: { ...HOSTCONFIG_DEFAULTS, ...hostConfig },
    GraphDriver: {
      Data: { LowerDir: img?.rootfs ?? '', MergedDir: ov.merged, UpperDir: ov.diff, WorkDir: ov.work },
      Name: 'overlay2',
    },
    Mounts: parseBinds(hostConfig.Binds).map((m) => ({ Type: 'bind', Source: m.source, Destination: m.destination, Mode: m.mode, RW: m.rw, Propagation: 'rprivate' })),
    Config: rec.Config,
    NetworkSettings: {
      Bridge: '',
      SandboxID: ep?.sandboxId ?? '',
      HairpinMode: false,
      LinkLocalIPv6Address: '',
      LinkLocalIPv6PrefixLen: 0,
      Ports: portsJson(c),
      SandboxKey: ep?.sandboxKey ?? '',
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      EndpointID: netName === 'bridge' ? (ep?.endpointId ?? '') : '',
      Gateway: netName === 'bridge' ? (ep?.gateway ?? '') : '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      IPAddress: netName === 'bridge' ? (ep?.ipAddress ?? '') : '',
      IPPrefixLen: netName === 'bridge' ? (ep?.ipPrefixLen ?? 0) : 0,
      IPv6Gateway: '',
      MacAddress: netName === 'bridge' ? (ep?.macAddress ?? '') : '',
      Networks: { [netName]: endpointJson(c) },
    },
  };
}

function statusText(c: Container): string {
  const s = c.rec.State;
  const ago = (t: string) => humanDuration(Date.now() - Date.parse(t));
  switch (s.Status) {
    case 'running':
      return `Up ${ago(s.StartedAt)}`;
    case 'paused':
      return `Up ${ago(s.StartedAt)} (Paused)`;
    case 'exited':
      return s.FinishedAt.startsWith('0001') ? `Exited (${s.ExitCode})` : `Exited (${s.ExitCode}) ${ago(s.FinishedAt)} ago`;
    case 'created':
      return 'Created';
    case 'restarting':
      return `Restarting (${s.ExitCode}) ${ago(s.FinishedAt)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      return s.Status;
  }
}

function listJson(d: Daemon, c: Container) {
  const { rec } = c;
  const ports: Array<Record<string, unknown>> = [];
  const published = new Set<string>();
  for (const p of rec.State.Running ? (rec.Ports ?? []) : []) {
    const [port, proto] = p.containerPort.split('/');
    ports.push({ IP: p.hostIp, PrivatePort: Number(port), PublicPort: Number(p.hostPort), Type: proto ?? 'tcp' });
    published.add(p.containerPort);
  }
  for (const p of Object.keys(rec.Config.ExposedPorts ?? {})) {
    if (published.has(p)) continue;
    const [port, proto] = p.split('/');
    ports.push({ PrivatePort: Number(port), Type: proto ?? 'tcp' });
  }
  const cmd = [rec.Path, ...rec.Args].map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ');
  const mode = networkMode(c);
  return {
    Id: rec.ID,
    Names: [rec.Name],
    Image: rec.Config.Image,
    ImageID: rec.Image,
    // the init is in the OCI spec only: COMMAND stays the user's (measured with --init)
    Command: cmd,
    Created: Math.floor(Date.parse(rec.Created) / 1000),
    Ports: ports,
    Labels: rec.Config.Labels ?? {},
    State: rec.State.Status,
    Status: statusText(c),
    HostConfig: { NetworkMode: mode },
    NetworkSettings: { Networks: { [mode === 'default' ? 'bridge' : mode]: endpointJson(c) } },
    Mounts: [],
  };
}

const FILTER_KEYS = ['status', 'name', 'id', 'label', 'exited', 'ancestor', 'network', 'before', 'since', 'volume', 'health', 'is-task', 'publish', 'expose'];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

function matchFilters(d: Daemon, c: Container, f: Record<string, string[]>): boolean {
  const { rec } = c;
  for (const [key, values] of Object.entries(f)) {
    if (!values.length) continue;
    const any = (pred: (v: string) => boolean) => values.some(pred);
    switch (key) {
      case 'status':
        for (const v of values) if (!STATUSES.includes(v)) throw new DockerError(400, `Invalid filter 'status=${v}'`);
        if (!any((v) => v === rec.State.Status)) return false;
        break;
      case 'name':
        if (!any((v) => new RegExp(v).test(rec.Name) || new RegExp(v).test(rec.Name.slice(1)))) return false;
        break;
      case 'id':
        if (!any((v) => rec.ID.startsWith(v))) return false;
        break;
      case 'label':
        if (
          !values.every((v) => {
            const eq = v.indexOf('=');
            const k = eq < 0 ? v : v.slice(0, eq);
            if (!(k in (rec.Config.Labels ?? {}))) return false;
            return eq < 0 || rec.Config.Labels[k] === v.slice(eq + 1);
          })
        )
          return false;
        break;
      case 'exited':
        if (rec.State.Status !== 'exited' || !any((v) => Number(v) === rec.State.ExitCode)) return false;
        break;
      case 'ancestor':
        if (!any((v) => d.images.find(v)?.id === rec.Image)) return false;
        break;
      case 'network':
        if (!any((v) => v === (networkMode(c) === 'default' ? 'bridge' : networkMode(c)))) return false;
        break;
      default:
        // accepted, not applied (before, since, volume, health, publish, expose)
        break;
    }
  }
  return true;
}

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
    // bad filters fail even when no container would be tested against them
    for (const key of Object.keys(f)) if (!FILTER_KEYS.includes(key)) throw new DockerError(400, `Invalid filter '${key}'`);
    for (const v of f.status ?? []) if (!STATUSES.includes(v)) throw new DockerError(400, `Invalid filter 'status=${v}'`);
    const all = ctx.bool('all') || Boolean(f.status?.length) || Boolean(f.exited?.length);
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
    const c = d.containers.get(ctx.params.id);
    const t = ctx.query.get('t');
    await d.stop(c, t === null || t === '' ? undefined : Number(t));
    ctx.noContent();
  });

  r.add('POST', '/containers/{id}/restart', async (ctx) => {
    const c = d.containers.get(ctx.params.id);
    const t = ctx.query.get('t');
    if (c.rec.State.Running) await d.stop(c, t === null || t === '' ? undefined : Number(t));
    await d.start(c);
    d.events.container(c, 'restart');
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
    const c = d.containers.get(ctx.params.id);
    const name = ctx.query.get('name') ?? '';
    const n = name.startsWith('/') ? name : `/${name}`;
    const holder = d.containers.byName(n);
    if (holder && holder !== c) throw E.nameConflict(n, holder.rec.ID);
    c.rec.Name = n;
    d.containers.save(c);
    ctx.noContent();
  });

  r.add('POST', '/containers/{id}/resize', async (ctx) => {
    await resizeContainer(d.containerd.tasks(), d.containers.get(ctx.params.id), ctx.query);
    ctx.send(200, '', 'text/plain; charset=utf-8');
  });

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
  r.add('GET', '/containers/{id}/stats', async (ctx) => {
    const c = d.containers.get(ctx.params.id);
    const stream = ctx.query.get('stream') === null || ctx.bool('stream');
    const name = c.rec.Name;
    const id = c.rec.ID;
    let prev: Sample | undefined;
    const next = (): Record<string, unknown> => {
      if (!c.rec.State.Running || !c.rec.State.Pid) {
        prev = undefined;
        return notRunningStatsJson(name, id);
      }
      const now = sampleContainer(c.rec.State.Pid);
      const out = statsJson(name, id, now, prev);
      prev = now;
      return out;
    };
    if (!stream) {
      if (c.rec.State.Running && !ctx.bool('one-shot')) {
        next();
        await new Promise((r) => setTimeout(r, 1000));
      }
      ctx.sendJson(200, next());
      return;
    }
    const res = ctx.stream(200, 'application/json');
    const write = () => res.write(JSON.stringify(next()) + '\n');
    write();
    const timer = setInterval(write, 1000);
    const stop = () => clearInterval(timer);
    ctx.req.on('close', stop);
    res.on('close', stop);
  });

  // ---- exec ----
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
    ctx.sendJson(200, {
      ID: e.id,
      Running: e.running,
      ExitCode: e.exitCode,
      ProcessConfig: { tty: e.config.Tty, entrypoint: e.config.Cmd[0], arguments: e.config.Cmd.slice(1), privileged: e.config.Privileged, user: e.config.User || undefined },
      OpenStdin: e.config.AttachStdin,
      OpenStderr: e.config.AttachStderr,
      OpenStdout: e.config.AttachStdout,
      CanRemove: false,
      ContainerID: e.containerId,
      DetachKeys: '',
      Pid: e.pid,
    });
  });

  r.add('POST', '/exec/{id}/resize', async (ctx) => {
    const e = d.execs.get(ctx.params.id);
    if (!e) throw E.noSuchExec(ctx.params.id);
    await resizeExec(d.containerd.tasks(), e, ctx.query);
    ctx.send(200, '', 'text/plain; charset=utf-8');
  });
}

/** Every process in the same pid namespace as `pid` (the container's PID 1), seen from the host. */
function pidsInNamespaceOf(pid: number): Set<number> {
  const out = new Set<number>();
  let ns: string;
  try {
    ns = fs.readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return out;
  }
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (fs.readlinkSync(`/proc/${p}/ns/pid`) === ns) out.add(Number(p));
    } catch {
      /* gone */
    }
  }
  return out;
}

export type { ServerResponse };
