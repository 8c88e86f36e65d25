// The API listeners, as dockerd makes them from its -H flags: unix sockets (0660, group docker),
// tcp (TLS with client certificates under --tlsverify, else two warnings and a one second pause),
// and sockets passed by systemd socket activation (fd://, fd://N). Every listener hands its
// connections to one HTTP server, so bytes on the wire are the same whatever the transport.
import fs from 'node:fs';
import net from 'node:net';
import { faultEnabled } from '../../lib/faults.js';
import type { DaemonConfig } from './daemon-config.js';
import { logger } from './log.js';
import { setTimeout as sleep } from 'node:timers/promises';

export class ListenerError extends Error {}

export interface Listener {
  host: string;
  server: net.Server;
  socketPath?: string;
  /** shown in "API listen on …" */
  address: string;
}

function groupId(name: string): number | undefined {
  try {
    for (const line of fs.readFileSync('/etc/group', 'utf8').split('\n')) {
      const [n, , gid] = line.split(':');
      if (n === name) return Number(gid);
    }
  } catch {
    /* no /etc/group */
  }
  return undefined;
}

function activationFds(): number[] {
  const pid = Number(process.env.LISTEN_PID);
  const count = Number(process.env.LISTEN_FDS);
  if (pid !== process.pid || !(count > 0)) return [];
  return Array.from({ length: count }, (_, i) => 3 + i);
}

function listen(server: net.Server, opts: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts, () => {
      server.off('error', reject);
      resolve();
    });
  });
}


// allowHalfOpen everywhere: the CLI half-closes a hijacked attach connection when it has no
// stdin to send (CloseWrite), and the output must keep flowing the other way.

/**
 * Bind every -H address. `onConnection` gets plain sockets (TLS already unwrapped). Bound early,
 * before the daemon is initialised: the HTTP layer holds requests until it is ready, so clients
 * see a slow answer, never "connection refused".
 */
export async function loadListeners(cfg: DaemonConfig, onConnection: (s: net.Socket) => void): Promise<Listener[]> {
  const out: Listener[] = [];
  let usedFds = false;
  for (const host of cfg.hosts) {
    const m = /^([a-z]+):\/\/(.*)$/.exec(host);
    const proto = m?.[1] ?? (host.startsWith('/') ? 'unix' : 'tcp');
    const addr = m ? m[2] : host;
    if (proto === 'unix') {
      const p = addr || '/var/run/ref-docker.sock';
      fs.rmSync(p, { force: true });
      fs.mkdirSync(new URL(`file://${p}/..`).pathname, { recursive: true });
      const server = net.createServer({ allowHalfOpen: true }, onConnection);
      await listen(server, { path: p });
      // Fault switch socket-wrong-mode (lib/faults.ts): world read-write instead of dockerd's 0660.
      fs.chmodSync(p, faultEnabled('socket-wrong-mode') ? 0o666 : 0o660);
      const gid = groupId(cfg.group);
      if (gid !== undefined) fs.chownSync(p, 0, gid);
      else logger.warn(`could not change group ${p} to ${cfg.group}: group ${cfg.group} not found`);
      out.push({ host, server, socketPath: p, address: p });
    } else if (proto === 'tcp') {
      const hm = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(addr);
      const hostname = (hm?.[1] || '127.0.0.1').replace(/^\[|\]$/g, '');
      const port = Number(hm?.[2] ?? (cfg.tls ? 2376 : 2375));
      let server: net.Server;
      if (cfg.tls) {
        // node:tls only when asked for: it is a large part of a plain start's loading
        const { createTlsServer } = await import('./tls-listener.js');
        server = createTlsServer(
          {
            key: cfg.tlsKey ? fs.readFileSync(cfg.tlsKey) : undefined,
            cert: cfg.tlsCert ? fs.readFileSync(cfg.tlsCert) : undefined,
            ca: cfg.tlsCaCert ? fs.readFileSync(cfg.tlsCaCert) : undefined,
            requestCert: cfg.tlsVerify,
            rejectUnauthorized: cfg.tlsVerify,
            minVersion: 'TLSv1.2',
          },
          onConnection,
        );
      } else {
        server = net.createServer({ allowHalfOpen: true }, onConnection);
      }
      // bound before the warning's pause, so that a client meanwhile waits instead of being refused
      await listen(server, { host: hostname, port });
      if (!cfg.tlsVerify) {
        // dockerd 20.10 warns once per insecure tcp host and waits a second (measured).
        logger.warn(
          'Binding to IP address without --tlsverify is insecure and gives root access on this machine to everyone who has access to your network.',
          { host },
        );
        logger.warn('Binding to an IP address, even on localhost, can also give access to scripts run in a browser. Be safe out there!', { host });
        await sleep(1000);
      }
      out.push({ host, server, address: `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}` });
    } else if (proto === 'fd' && !faultEnabled('no-fd-listener')) {
      // (Fault switch no-fd-listener, lib/faults.ts: fd:// falls through to "invalid protocol".)
      const fds = activationFds();
      if (fds.length === 0) {
        throw new ListenerError('no sockets found via socket activation: make sure the service was started by systemd');
      }
      const chosen = addr === '' ? fds : fds.filter((fd) => fd === Number(addr));
      if (chosen.length === 0) throw new ListenerError(`too few socket activated files passed in by systemd`);
      for (const fd of chosen) {
        const server = net.createServer({ allowHalfOpen: true }, onConnection);
        await listen(server, { fd } as net.ListenOptions);
        out.push({ host, server, address: `fd://${fd}` });
      }
      usedFds = true;
    } else {
      throw new ListenerError(`invalid protocol, expected unix, tcp or fd: ${host}`);
    }
  }
  if (usedFds) {
    delete process.env.LISTEN_FDS;
    delete process.env.LISTEN_PID;
  }
  return out;
}

export function closeListeners(listeners: Listener[]): void {
  for (const l of listeners) {
    l.server.close();
    if (l.socketPath) fs.rmSync(l.socketPath, { force: true });
  }
}

// keep a reference so tree-shaking tools do not drop the import used only for types in some builds
