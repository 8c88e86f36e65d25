// Error texts as Go's net package prints them, because dockerd copies the proxy's text verbatim
// into `Error starting userland proxy: <text>` and scripts match on it. Measured with Debian 12's
// docker-proxy: `listen tcp4 0.0.0.0:8090: bind: address already in use`,
// `listen tcp6 [::]:8090: bind: address already in use`,
// `listen tcp4 10.231.99.1:8090: bind: cannot assign requested address`.
import { isIPv6 } from 'node:net';

/** Go's syscall.Errno texts for the errors a bind can give; libuv spells most of them the same. */
const errnoText: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EINVAL: 'invalid argument',
  EAFNOSUPPORT: 'address family not supported by protocol',
  ENODEV: 'no such device',
  EMFILE: 'too many open files',
};

/** "tcp4"/"tcp6"/"udp4"/"udp6": Go names the network by the address family it resolved. */
export function goNetwork(proto: string, ip: string): string {
  return `${proto}${isIPv6(ip) ? '6' : '4'}`;
}

/** Go's net.JoinHostPort: brackets around IPv6 literals. */
export function joinHostPort(ip: string, port: number | string): string {
  return isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function errnoMessage(err: NodeJS.ErrnoException): string {
  const code = err.code ?? '';
  const known = errnoText[code];
  if (known) return known;
  // Node's text is "<syscall> <CODE>: <libuv text> <address>"; libuv's text is strerror's, lowercased.
  const m = /^[a-z]+ [A-Z0-9_]+: (.*?)(?: \S+)?$/.exec(err.message);
  return m ? m[1]! : err.message;
}

/** `listen tcp4 0.0.0.0:8090: bind: address already in use` */
export function listenError(proto: string, ip: string, port: number, err: NodeJS.ErrnoException): string {
  // libuv defers bind errors to listen(); Go reports them at the bind step, which is where they arise.
  return `listen ${goNetwork(proto, ip)} ${joinHostPort(ip, port)}: bind: ${errnoMessage(err)}`;
}
