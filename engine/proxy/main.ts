// ref-docker-proxy: docker-proxy's process contract. dockerd starts one per published host port and
// address family, passes a pipe as fd 3 and waits on it: `0\n` once the port is bound, or
// `1\n<Go-style error>` followed by exit 1, which dockerd turns into `Error starting userland proxy:
// <error>`. It stops on SIGINT (dockerd's stop signal) or SIGTERM, and must not outlive dockerd.
import fs from 'node:fs';
import net from 'node:net';
import { FlagError, parseArgs, usage, type ProxyArgs } from './args.js';
import { listenError } from './go-errors.js';
import type { Forwarder } from './tcp-proxy.js';

const READY_FD = 3;
const PARENT_POLL_MS = 200;

function report(text: string): void {
  // Run by hand there is no fd 3; the proxy still works, there is just nobody to tell.
  try {
    fs.writeSync(READY_FD, text);
    fs.closeSync(READY_FD);
  } catch {
    /* no status pipe */
  }
}

function fail(text: string): never {
  report(`1\n${text}`);
  process.exit(1);
}

/**
 * dockerd sets PR_SET_PDEATHSIG when it execs the proxy (ref-dockerd's launcher does the same via
 * setpriv). Polling the parent pid covers a parent that could not set it, and avoids loading koffi,
 * which would add ~100 ms to every `docker run -p`.
 */
function watchParent(onGone: () => void): void {
  const parent = process.ppid;
  if (parent <= 1) return;
  setInterval(() => {
    if (process.ppid !== parent) onGone();
  }, PARENT_POLL_MS).unref();
}

async function listen(args: ProxyArgs): Promise<Forwarder> {
  const opts = {
    hostIp: args.hostIp,
    hostPort: args.hostPort,
    containerIp: args.containerIp,
    containerPort: args.containerPort,
    log: (line: string) => process.stderr.write(`${line}\n`),
  };
  if (args.proto === 'tcp') return (await import('./tcp-proxy.js')).startTcpProxy(opts);
  if (args.proto === 'udp') return (await import('./udp-proxy.js')).startUdpProxy(opts);
  // Measured: docker-proxy answers `1\nprotocol not supported` for -proto sctp on this kernel.
  fail('protocol not supported');
}

export async function main(argv: readonly string[], program = 'ref-docker-proxy'): Promise<void> {
  let args: ProxyArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    if (!err.helpRequested) process.stderr.write(`${err.message}\n`);
    process.stderr.write(usage(program));
    process.exit(err.helpRequested ? 0 : 2);
  }
  process.title = [program, ...argv].join(' ');

  // Go's net.ParseIP gives nil for text that is no address, and a nil IP listens on every address.
  if (!net.isIP(args.hostIp)) args.hostIp = args.proto === 'udp' ? '0.0.0.0' : '::';

  let forwarder: Forwarder;
  try {
    if (args.hostPort < 0 || args.hostPort > 65535) {
      throw Object.assign(new Error('port out of range'), { code: 'EINVAL' });
    }
    forwarder = await listen(args);
  } catch (err) {
    fail(listenError(args.proto, args.hostIp, args.hostPort, err as NodeJS.ErrnoException));
  }

  const stop = (): void => {
    forwarder.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  watchParent(stop);
  report('0\n');
}
