// One userland proxy process per published host address and port, started the way dockerd starts
// docker-proxy: its flags, fd 3 a pipe on which it answers `0\n` or `1\n<error>`, stopped with
// SIGINT. Real docker-proxy and ref-docker-proxy are interchangeable here.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import dgram from 'node:dgram';
import { listenError } from '../../proxy/go-errors.js';

/** dockerd 20.10 gives a proxy 16 s to report before "Timed out proxy starting the userland proxy". */
export const PROXY_START_DEADLINE_MS = 16_000;
const PROXY_STOP_DEADLINE_MS = 3_000;

export interface ProxySpec {
  proto: string;
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

export interface RunningProxy {
  readonly pid?: number;
  stop(): Promise<void>;
}

/** The proxy answered `1\n<text>`: <text> is what dockerd puts after "Error starting userland proxy: ". */
export class ProxyStartError extends Error {
  constructor(readonly proxyText: string) {
    super(proxyText);
  }
}

export class ProxyTimeoutError extends Error {
  constructor(spec: ProxySpec) {
    super(`no status from the userland proxy for ${spec.proto}/${spec.hostIp}:${spec.hostPort} within ${PROXY_START_DEADLINE_MS} ms`);
  }
}

export function proxyArgs(s: ProxySpec): string[] {
  return ['-proto', s.proto, '-host-ip', s.hostIp, '-host-port', String(s.hostPort), '-container-ip', s.containerIp, '-container-port', String(s.containerPort)];
}

/**
 * dockerd execs docker-proxy with PR_SET_PDEATHSIG=SIGTERM so proxies die with it. Node cannot set
 * that between fork and exec, so setpriv (util-linux) sets it and then execs the proxy in the same
 * process: the proxy's parent is still the daemon and its argv is the proxy's own.
 */
function findSetpriv(): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = `${dir}/setpriv`;
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}
let setpriv: string | undefined | null = null;

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), PROXY_STOP_DEADLINE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}

export function startUserlandProxy(proxyPath: string, spec: ProxySpec, deadlineMs = PROXY_START_DEADLINE_MS): Promise<RunningProxy> {
  if (setpriv === null) setpriv = findSetpriv();
  const [cmd, args] = setpriv
    ? [setpriv, ['--pdeathsig', 'SIGTERM', '--', proxyPath, ...proxyArgs(spec)]]
    : [proxyPath, proxyArgs(spec)];
  return new Promise((resolve, reject) => {
    // dockerd gives docker-proxy no stdout/stderr (they go to /dev/null).
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    const status = child.stdio[3]!;
    let buf = '';
    let settled = false;
    const timer = setTimeout(() => {
      settle(new ProxyTimeoutError(spec));
      void stopChild(child);
    }, deadlineMs);
    const settle = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      status.destroy();
      if (err) return reject(err);
      resolve({ pid: child.pid, stop: () => stopChild(child) });
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      // Go's exec error text, as dockerd would report a missing or non-executable proxy binary.
      settle(new ProxyStartError(`fork/exec ${proxyPath}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`));
    });
    status.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.startsWith('0\n')) settle();
    });
    // The error text is complete only when the proxy closes the pipe (it exits right after writing).
    status.once('end', () => {
      if (buf.startsWith('0\n')) return settle();
      settle(new ProxyStartError(buf.startsWith('1\n') ? buf.slice(2) : ''));
    });
    status.once('error', () => settle(new ProxyStartError(buf.slice(2))));
  });
}

/**
 * `--userland-proxy=false`: dockerd still holds the host port (its "dummy proxy") so that nothing
 * else can take it, but forwards nothing; iptables would carry the traffic.
 */
export function holdPort(spec: ProxySpec): Promise<RunningProxy> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(new ProxyStartError(listenError(spec.proto, spec.hostIp, spec.hostPort, err)));
    if (spec.proto === 'udp') {
      const sock = dgram.createSocket({ type: net.isIPv6(spec.hostIp) ? 'udp6' : 'udp4', ipv6Only: net.isIPv6(spec.hostIp) });
      sock.once('error', onError);
      sock.bind({ address: spec.hostIp, port: spec.hostPort, exclusive: true }, () => {
        sock.off('error', onError);
        resolve({ stop: async () => void sock.close() });
      });
      return;
    }
    const server = net.createServer((c) => c.destroy());
    server.once('error', onError);
    server.listen({ host: spec.hostIp, port: spec.hostPort, ipv6Only: net.isIPv6(spec.hostIp) }, () => {
      server.off('error', onError);
      resolve({ stop: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}
