// One listening socket on the host, one backend connection per accepted client. Each direction is
// piped separately with allowHalfOpen, so a client that shuts down its write side (an HTTP/1.0
// client, `nc -q`) still receives the rest of the answer: the end is passed on, not the close.
import net from 'node:net';

export interface Forwarder {
  close(): void;
}

export interface TcpProxyOptions {
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
  log?: (line: string) => void;
}

export function startTcpProxy(opts: TcpProxyOptions): Promise<Forwarder> {
  const conns = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const backend = net.connect({ host: opts.containerIp, port: opts.containerPort, allowHalfOpen: true, noDelay: true });
    conns.add(client).add(backend);
    const drop = (): void => {
      client.destroy();
      backend.destroy();
      conns.delete(client);
      conns.delete(backend);
    };
    backend.once('error', (err) => {
      opts.log?.(`Can't forward traffic to backend tcp/${opts.containerIp}:${opts.containerPort}: ${err.message}`);
      drop();
    });
    client.once('error', drop);
    client.once('close', () => {
      conns.delete(client);
      if (backend.destroyed || backend.writableEnded) conns.delete(backend);
    });
    backend.once('close', () => conns.delete(backend));
    // pipe() calls end() on the other side when this side ends: that is the half-close.
    client.pipe(backend);
    backend.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Go's tcp6 listener on "::" is IPv6-only (measured: it binds while 0.0.0.0 is held), which is
    // why Docker runs a second proxy for 0.0.0.0; without ipv6Only the two would collide.
    server.listen({ host: opts.hostIp, port: opts.hostPort, ipv6Only: net.isIPv6(opts.hostIp), backlog: 511 }, () => {
      server.off('error', reject);
      resolve({
        close() {
          server.close();
          for (const s of conns) s.destroy();
        },
      });
    });
  });
}
