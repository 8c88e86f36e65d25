// UDP has no connections, so, like docker-proxy, each client address gets its own socket towards
// the container, and replies arriving on it go back to that client. An idle flow is forgotten after
// 90 s (docker-proxy's UDPConnTrackTimeout).
import dgram from 'node:dgram';
import net from 'node:net';
import type { Forwarder } from './tcp-proxy.js';

const FLOW_IDLE_MS = 90_000;

export interface UdpProxyOptions {
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

export function startUdpProxy(opts: UdpProxyOptions): Promise<Forwarder> {
  const family = net.isIPv6(opts.hostIp) ? 'udp6' : 'udp4';
  const backendFamily = net.isIPv6(opts.containerIp) ? 'udp6' : 'udp4';
  const listener = dgram.createSocket({ type: family, ipv6Only: family === 'udp6', reuseAddr: false });
  const flows = new Map<string, { sock: dgram.Socket; timer: NodeJS.Timeout }>();

  const forget = (key: string): void => {
    const flow = flows.get(key);
    if (!flow) return;
    clearTimeout(flow.timer);
    flow.sock.close();
    flows.delete(key);
  };

  listener.on('message', (msg, from) => {
    const key = `${from.address}|${from.port}`;
    let flow = flows.get(key);
    if (!flow) {
      const sock = dgram.createSocket(backendFamily);
      sock.on('message', (reply) => {
        listener.send(reply, from.port, from.address);
        const f = flows.get(key);
        if (f) f.timer.refresh();
      });
      sock.on('error', () => forget(key));
      flow = { sock, timer: setTimeout(() => forget(key), FLOW_IDLE_MS) };
      flows.set(key, flow);
    }
    flow.timer.refresh();
    flow.sock.send(msg, opts.containerPort, opts.containerIp);
  });

  return new Promise((resolve, reject) => {
    listener.once('error', reject);
    listener.bind({ address: opts.hostIp, port: opts.hostPort, exclusive: true }, () => {
      listener.off('error', reject);
      resolve({
        close() {
          for (const key of [...flows.keys()]) forget(key);
          listener.close();
        },
      });
    });
  });
}
