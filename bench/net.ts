// Clients for the published-port measurements. Both talk to busybox httpd inside a container,
// either through the engine's proxy (127.0.0.1:<host port>) or straight to the container's IP on
// the harness bridge; the difference between the two is what the proxy costs.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'node:http';
import { createHash } from 'node:crypto';
import { median } from './stats.js';

const execFileP = promisify(execFile);

export interface Download {
  ms: number;
  bytes: number;
  sha256: string;
}

/**
 * Downloads `path` over HTTP/1.0 with curl into a file on tmpfs and returns curl's own transfer
 * time (connect to last byte, without the process start). A native client, because a Node.js
 * client was the bottleneck here: on this loaded 2-core machine it received 200–900 MiB/s from
 * busybox httpd where curl, against the same server at the same time, got 1–2.6 GB/s, so Node
 * measured itself, not the proxy. The file is hashed after the clock stops: hashing while receiving
 * would put one more CPU consumer on the critical path.
 */
export async function download(host: string, port: number, path: string, timeoutMs = 60000): Promise<Download> {
  const file = join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), `dockspec-bench-${process.pid}-${port}`);
  try {
    const { stdout } = await execFileP(
      'curl',
      ['--silent', '--show-error', '--http1.0', '--max-time', String(timeoutMs / 1000), '-o', file, '-w', '%{http_code} %{size_download} %{time_total}', `http://${host}:${port}${path}`],
      { timeout: timeoutMs + 5000 },
    );
    const [code, size, total] = stdout.trim().split(' ');
    if (code !== '200') throw new Error(`GET ${path} via ${host}:${port}: HTTP ${code}`);
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    return { ms: Number(total) * 1000, bytes: Number(size), sha256 };
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new Error('curl is needed for the throughput measurement: apt-get install curl');
    throw new Error(e.stderr?.trim() || e.message);
  } finally {
    rmSync(file, { force: true });
  }
}

/** One GET on a new connection (busybox httpd closes after each answer); resolves its duration in µs. */
function oneGet(host: string, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request({ host, port, path, agent: false, timeout: 5000, headers: { Connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${path} via ${host}:${port}: HTTP ${res.statusCode}`));
        else resolve(Number(process.hrtime.bigint() - t0) / 1e3);
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} via ${host}:${port} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Median latency (µs) of `n` sequential small GETs, each on a fresh TCP connection. */
export async function latency(host: string, port: number, path: string, n: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(await oneGet(host, port, path));
  return median(samples);
}
