// A throwaway OpenSSH server for the ssh:// transport: its own config, host key and authorized key
// in one directory, listening on 127.0.0.1 only, plus an ssh client configuration that trusts it.
// Nothing outside that directory is written: not the machine's /run/sshd, not root's ~/.ssh.
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, listenersOnPort } from '../../../lib/proc.js';
import { shortId, WORK_ROOT } from '../../../harness/resources.js';
import { scaled } from '../../../lib/time-scale.js';
import { pollUntil } from '../../../lib/poll.js';

export const SSHD = '/usr/sbin/sshd';
const READY_DEADLINE_MS = scaled(10000);

export interface SshServer {
  pid: number;
  port: number;
  /** everything the server and its client use lives here */
  dir: string;
  /** put first on the client's PATH: an `ssh` there adds `-F <client config>` */
  clientBin: string;
  sshdConfig: string;
  clientConfig: string;
  log: string;
  /** one line per ssh invocation: the arguments the docker CLI passed */
  callsLog: string;
}

export interface SshServerOptions {
  port: number;
  /** what sessions get as DOCKER_HOST, so that `docker system dial-stdio` reaches the engine */
  dockerHost: string;
  /** called with the pid as soon as it exists, before readiness, so an interrupt still ends it */
  adopt?: (pid: number) => void;
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dockspec', '-f', file], { stdio: 'ignore' });
}

export function sshServerDir(): string {
  return join(WORK_ROOT, `sshd-${shortId()}`);
}

export async function startSshServer(dir: string, opts: SshServerOptions): Promise<SshServer> {
  mkdirSync(join(dir, 'bin'), { recursive: true, mode: 0o700 });
  const hostKey = join(dir, 'host_key');
  const clientKey = join(dir, 'client_key');
  keygen(hostKey);
  keygen(clientKey);
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, readFileSync(clientKey + '.pub'), { mode: 0o600 });

  const sshdConfig = join(dir, 'sshd_config');
  writeFileSync(
    sshdConfig,
    [
      `ListenAddress 127.0.0.1:${opts.port}`,
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'PidFile none',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'AllowUsers root',
      // The key files live under /tmp, whose sticky, world-writable parent StrictModes would reject.
      'StrictModes no',
      'LogLevel VERBOSE',
      // The remote side of ssh:// is `docker system dial-stdio`, a docker CLI that finds its daemon
      // through DOCKER_HOST like any other.
      `SetEnv DOCKER_HOST=${opts.dockerHost}`,
      '',
    ].join('\n'),
  );

  const clientConfig = join(dir, 'ssh_config');
  writeFileSync(
    clientConfig,
    [
      'Host *',
      `  IdentityFile ${clientKey}`,
      '  IdentitiesOnly yes',
      '  BatchMode yes',
      // A fresh host key each time: nothing to verify it against, and nothing to remember.
      '  StrictHostKeyChecking no',
      '  UserKnownHostsFile /dev/null',
      '  GlobalKnownHostsFile /dev/null',
      // Keeps "Permanently added … to the list of known hosts" out of the docker CLI's stderr.
      '  LogLevel ERROR',
      '',
    ].join('\n'),
  );

  // The docker CLI runs "ssh" from PATH with no way to add options. OpenSSH reads ~/.ssh/config
  // from the passwd entry's home, not from $HOME, so a different HOME would not help; a wrapper
  // that adds -F keeps root's real ~/.ssh untouched and records what the CLI asked for.
  const callsLog = join(dir, 'ssh-calls.log');
  const clientBin = join(dir, 'bin');
  const wrapper = join(clientBin, 'ssh');
  writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${callsLog}'\nexec /usr/bin/ssh -F '${clientConfig}' "$@"\n`);
  chmodSync(wrapper, 0o755);

  // sshd insists on its privilege separation directory /run/sshd (compiled in). Rather than create
  // it on the machine, give this sshd a private mount namespace with its own empty /run; unshare
  // and sh exec, so the pid we record is sshd's own.
  const log = join(dir, 'sshd.log');
  const fd = openSync(log, 'a');
  const child = spawn(
    'unshare',
    ['--mount', '--propagation', 'private', 'sh', '-c',
      `mount -t tmpfs -o mode=0755 dockspec-sshd /run && mkdir -m 0755 /run/sshd && exec ${SSHD} -D -e -f '${sshdConfig}'`],
    { stdio: ['ignore', fd, fd], detached: true },
  );
  closeSync(fd);
  child.unref();
  const pid = child.pid!;
  opts.adopt?.(pid);

  const listening = () => {
    if (listenersOnPort(opts.port).some((o) => o.process.pid === pid)) return true;
    if (!isAlive(pid)) throw new Error(`sshd exited before it listened on 127.0.0.1:${opts.port}\n--- ${log} ---\n${readLog(log)}`);
    return false;
  };
  if (!(await pollUntil(listening, { timeoutMs: READY_DEADLINE_MS, intervalMs: 50 }))) {
    throw new Error(`sshd (pid ${pid}) did not listen on 127.0.0.1:${opts.port} within ${READY_DEADLINE_MS} ms\n--- ${log} ---\n${readLog(log)}`);
  }
  return { pid, port: opts.port, dir, clientBin, sshdConfig, clientConfig, log, callsLog };
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '(no log)';
  }
}

export function sshServerLog(s: SshServer): string {
  return readLog(s.log);
}

/** SIGTERM, then SIGKILL; its sessions (children) die with their connections. Then remove the dir. */
export async function stopSshServer(s: SshServer): Promise<void> {
  try {
    process.kill(s.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  await pollUntil(() => !isAlive(s.pid), { timeoutMs: 5000, intervalMs: 50 });
  if (isAlive(s.pid)) {
    try {
      process.kill(s.pid, 'SIGKILL');
    } catch {
      // gone in between
    }
  }
  rmSync(s.dir, { recursive: true, force: true });
}
