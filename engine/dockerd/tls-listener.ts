// A TLS listener that behaves like Go's net/http server in front of dockerd: a client that speaks
// plain HTTP to it gets Go's "400 … Client sent an HTTP request to an HTTPS server." (which the
// docker CLI shows as the daemon's error) instead of a dropped connection, and failed handshakes
// are logged as Go logs them.
import net from 'node:net';
import tls from 'node:tls';
import { logger } from './log.js';

/** Go's tlsRecordHeaderLooksLikeHTTP: the first five bytes of a request line. */
function looksLikeHttp(head: Buffer): boolean {
  const s = head.subarray(0, 5).toString('latin1');
  return ['GET /', 'HEAD ', 'POST ', 'PUT /', 'OPTIO'].includes(s);
}

export function createTlsServer(opts: tls.TlsOptions, onConnection: (s: net.Socket) => void): net.Server {
  const secure = tls.createServer({ ...opts, allowHalfOpen: true }, onConnection);
  secure.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
    // OpenSSL's text, cut to its reason, with Go's words where they differ
    const reason = /peer did not return a certificate/.test(err.message)
      ? "tls: client didn't provide a certificate"
      : (/:([^:]+):[^:]*:\d+:?(SSL alert number \d+)?\s*$/.exec(err.message)?.[1] ?? err.message).trim();
    logger.info(`http: TLS handshake error from ${socket.remoteAddress}:${socket.remotePort}: ${reason}`);
  });
  return net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (raw) => {
    raw.on('error', () => raw.destroy());
    const first = (chunk: Buffer) => {
      raw.pause();
      raw.unshift(chunk);
      if (chunk[0] === 0x16) {
        // a TLS handshake record: hand the untouched bytes to the TLS server
        secure.emit('connection', raw);
      } else if (looksLikeHttp(chunk)) {
        raw.end('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
      } else {
        raw.destroy();
      }
    };
    raw.once('data', first);
    raw.resume();
  });
}
