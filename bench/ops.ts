// The operations measured on each engine. Each returns one or more metrics per sample; the runner
// alternates targets sample by sample so that drift on the shared machine hits both equally.
import { freePort, release } from '../harness/resources.js';
import { BenchArgs } from './args.js';
import { BenchEngine, TEST_IMAGE } from './engines.js';
import { download, latency } from './net.js';
import { meanMem, processesOf } from './memory.js';
import { pollUntil } from '../lib/poll.js';

export type Unit = 'ms' | 'MiB/s' | 'µs' | 'MiB' | 's' | 'count';

export interface Metric {
  id: string;
  label: string;
  unit: Unit;
  /** the goal for reference/docker of the medians */
  goal?: { op: '<=' | '>='; ratio: number };
}

export interface OpContext {
  args: BenchArgs;
  target: string;
  /** the engine started once for the run (with the test image); undefined for ops that start their own */
  engine?: BenchEngine;
}

export interface Operation<S = unknown> {
  id: string;
  metrics: Metric[];
  /** needs the long-lived engine of the target (everything but daemon start) */
  needsEngine: boolean;
  /** per target, once, outside the timing */
  setup?(ctx: OpContext): Promise<S>;
  measure(ctx: OpContext, state: S): Promise<Record<string, number>>;
  teardown?(ctx: OpContext, state: S): Promise<void>;
}

const START_GOAL = { op: '<=', ratio: 1.0 } as const;

/** `docker run --rm <extra> IMAGE true`, timed as the CLI call. */
function runOnce(id: string, label: string, extra: () => Promise<{ args: string[]; release?: () => void }>): Operation {
  return {
    id,
    needsEngine: true,
    metrics: [{ id, label, unit: 'ms', goal: START_GOAL }],
    async measure(ctx) {
      const x = await extra();
      try {
        const r = await ctx.engine!.docker(['run', '--rm', ...x.args, TEST_IMAGE, 'true']);
        return { [id]: r.ms };
      } finally {
        x.release?.();
      }
    },
  };
}

async function removeQuietly(e: BenchEngine, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await e.docker(['rm', '-f', ...ids]).catch(() => undefined);
}

async function containerIp(e: BenchEngine, id: string): Promise<string> {
  const r = await e.docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', id]);
  const ip = r.stdout.trim();
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) throw new Error(`docker inspect gave no container IP ("${ip}")`);
  return ip;
}

/** Waits until something accepts GETs on host:port (httpd starts a moment after `run -d` returns). */
async function waitHttp(host: string, port: number, path: string): Promise<void> {
  let last: unknown;
  const answers = async () => {
    try {
      await latency(host, port, path, 1);
      return true;
    } catch (err) {
      last = err;
      return false;
    }
  };
  if (await pollUntil(answers, { timeoutMs: 10000, intervalMs: 50 })) return;
  throw new Error(`nothing answered on ${host}:${port}${path}: ${(last as Error)?.message}`);
}

interface HttpdFixture {
  id: string;
  port: number;
  ip: string;
  sha256?: string;
}

/** A busybox httpd container publishing port 80 on a free host port, bound to 127.0.0.1. */
async function startHttpd(e: BenchEngine, bigBytes?: number): Promise<HttpdFixture> {
  const port = await freePort();
  let id = '';
  try {
    const r = await e.docker(['run', '-d', '-p', `127.0.0.1:${port}:80`, TEST_IMAGE, 'httpd', '-f', '-p', '80', '-h', '/www']);
    id = r.stdout.trim();
    const fx: HttpdFixture = { id, port, ip: await containerIp(e, id) };
    if (bigBytes) {
      // Random bytes written inside the container: the proxy cannot take shortcuts on them, and the
      // checksum is the container's own view of the file.
      await e.docker(['exec', id, 'sh', '-c', `head -c ${bigBytes} /dev/urandom > /www/big`], { timeoutMs: 120000 });
      const sum = await e.docker(['exec', id, 'sha256sum', '/www/big'], { timeoutMs: 120000 });
      fx.sha256 = sum.stdout.trim().split(/\s+/)[0];
    }
    await waitHttp('127.0.0.1', port, '/index.html');
    return fx;
  } catch (err) {
    if (id) await removeQuietly(e, [id]);
    release('port', port);
    throw err;
  }
}

async function stopHttpd(e: BenchEngine, fx: HttpdFixture): Promise<void> {
  await removeQuietly(e, [fx.id]);
  release('port', fx.port);
}

export const OPERATIONS: Operation<any>[] = [
  runOnce('run', '`docker run --rm busybox true`', async () => ({ args: [] })),
  runOnce('run-init', '`docker run --rm --init busybox true`', async () => ({ args: ['--init'] })),
  runOnce('run-publish', '`docker run --rm -p <port>:80 busybox true`', async () => {
    const port = await freePort();
    return { args: ['-p', `${port}:80`], release: () => release('port', port) };
  }),
  {
    id: 'run-d-rm',
    needsEngine: true,
    metrics: [
      { id: 'run-d', label: '`docker run -d busybox sleep 1000`', unit: 'ms', goal: START_GOAL },
      { id: 'rm-f', label: '`docker rm -f` of that container', unit: 'ms' },
    ],
    async measure(ctx) {
      const e = ctx.engine!;
      const run = await e.docker(['run', '-d', TEST_IMAGE, 'sleep', '1000']);
      const id = run.stdout.trim();
      try {
        const rm = await e.docker(['rm', '-f', id]);
        return { 'run-d': run.ms, 'rm-f': rm.ms };
      } catch (err) {
        await removeQuietly(e, [id]);
        throw err;
      }
    },
  },
  {
    id: 'daemon-ready',
    needsEngine: false,
    metrics: [{ id: 'daemon-ready', label: 'daemon start until `/_ping` answers (fresh engine)', unit: 'ms', goal: START_GOAL }],
    async measure(ctx) {
      const e = BenchEngine.create(ctx.target);
      try {
        return { 'daemon-ready': await e.timedStart() };
      } finally {
        await e.dispose();
      }
    },
  },
  {
    id: 'throughput',
    needsEngine: true,
    metrics: [
      { id: 'throughput-proxy', label: 'download through the published port (127.0.0.1, proxy)', unit: 'MiB/s', goal: { op: '>=', ratio: 0.8 } },
      { id: 'throughput-direct', label: 'the same download straight from the container IP', unit: 'MiB/s' },
    ],
    setup: (ctx) => startHttpd(ctx.engine!, ctx.args.throughputBytes),
    async measure(ctx, fx: HttpdFixture) {
      const out: Record<string, number> = {};
      for (const [metric, host, port] of [
        ['throughput-proxy', '127.0.0.1', fx.port],
        ['throughput-direct', fx.ip, 80],
      ] as const) {
        const d = await download(host, port, '/big');
        if (d.bytes !== ctx.args.throughputBytes || d.sha256 !== fx.sha256) {
          throw new Error(`${metric}: got ${d.bytes} bytes with sha256 ${d.sha256.slice(0, 12)}…, expected ${ctx.args.throughputBytes} with ${fx.sha256?.slice(0, 12)}…`);
        }
        out[metric] = d.bytes / (1024 * 1024) / (d.ms / 1000);
      }
      return out;
    },
    teardown: (ctx, fx: HttpdFixture) => stopHttpd(ctx.engine!, fx),
  },
  {
    id: 'latency',
    needsEngine: true,
    metrics: [
      { id: 'latency-proxy', label: 'small HTTP GET, new connection, through the proxy (median)', unit: 'µs' },
      { id: 'latency-direct', label: 'small HTTP GET straight to the container IP (median)', unit: 'µs' },
      // The client (Node.js http, a new connection per request) costs a few hundred µs of its own;
      // the difference is what the proxy adds.
      { id: 'latency-overhead', label: 'what the proxy adds to a small GET (proxy − direct)', unit: 'µs' },
    ],
    setup: (ctx) => startHttpd(ctx.engine!),
    async measure(ctx, fx: HttpdFixture) {
      const proxy = await latency('127.0.0.1', fx.port, '/index.html', ctx.args.latencyRequests);
      const direct = await latency(fx.ip, 80, '/index.html', ctx.args.latencyRequests);
      return { 'latency-proxy': proxy, 'latency-direct': direct, 'latency-overhead': proxy - direct };
    },
    teardown: (ctx, fx: HttpdFixture) => stopHttpd(ctx.engine!, fx),
  },
  {
    id: 'memory',
    needsEngine: true,
    metrics: [
      { id: 'mem-dockerd-rss', label: 'dockerd RSS', unit: 'MiB' },
      { id: 'mem-dockerd-pss', label: 'dockerd PSS', unit: 'MiB' },
      { id: 'mem-containerd-rss', label: 'containerd RSS', unit: 'MiB' },
      { id: 'mem-containerd-pss', label: 'containerd PSS', unit: 'MiB' },
      { id: 'mem-shim-rss', label: 'shim RSS, per container', unit: 'MiB' },
      { id: 'mem-shim-pss', label: 'shim PSS, per container', unit: 'MiB', goal: { op: '<=', ratio: 2 } },
      { id: 'mem-proxy-rss', label: 'proxy RSS, per proxy process', unit: 'MiB' },
      { id: 'mem-proxy-pss', label: 'proxy PSS, per proxy process', unit: 'MiB', goal: { op: '<=', ratio: 8 } },
      { id: 'mem-proxy-count', label: 'proxy processes per `-p` mapping', unit: 'count' },
    ],
    async measure(ctx) {
      const e = ctx.engine!;
      // Two idle containers with one published port each: the shim and proxy figures are means
      // over the two, and PSS then also shows what a second process of the same kind shares.
      const ids: string[] = [];
      const ports: number[] = [];
      try {
        for (let i = 0; i < 2; i++) {
          const port = await freePort();
          ports.push(port);
          const r = await e.docker(['run', '-d', '-p', `${port}:80`, TEST_IMAGE, 'sleep', '1000']);
          ids.push(r.stdout.trim());
        }
        // Idle: let start-up garbage be collected and lazy threads settle before reading.
        await new Promise((r) => setTimeout(r, 2000));
        const daemon = meanMem([e.engine.daemonPid], 'dockerd');
        const containerd = meanMem(processesOf(e, 'containerd').map((p) => p.pid), e.roleName('containerd'));
        const shims = processesOf(e, 'containerd-shim');
        const shim = meanMem(shims.map((p) => p.pid), e.roleName('containerd-shim'));
        const proxies = processesOf(e, 'docker-proxy');
        const proxy = meanMem(proxies.map((p) => p.pid), e.roleName('docker-proxy'));
        return {
          'mem-dockerd-rss': daemon.rss,
          'mem-dockerd-pss': daemon.pss,
          'mem-containerd-rss': containerd.rss,
          'mem-containerd-pss': containerd.pss,
          'mem-shim-rss': shim.rss,
          'mem-shim-pss': shim.pss,
          'mem-proxy-rss': proxy.rss,
          'mem-proxy-pss': proxy.pss,
          'mem-proxy-count': proxies.length / ids.length,
        };
      } finally {
        await removeQuietly(e, ids);
        for (const p of ports) release('port', p);
      }
    },
  },
];
