// Whether a server answers on a unix socket: a socket file alone says nothing, because a process
// killed with SIGKILL leaves its file behind (a dead shim's, a dead containerd's).
import net from 'node:net';

/** True when a connection to `socketPath` is accepted; the connection is closed at once. */
export function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socketPath);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}
