// One boot of the guest: QEMU with the cached image as a throwaway snapshot, the run's checkout
// disk, and a 9p share through which the guest's script, output and exit code pass. The guest's
// own unit (vm/guest-image.sh) runs /share/guest-run.sh and powers off; this side prints the output
// as it grows and kills QEMU by its pid at the deadline, on Ctrl-C or when dockspec itself exits.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { Accel, accelArgs } from './accel.js';
import { GuestImage } from './image.js';

const QEMU = 'qemu-system-x86_64';
const SETPRIV = '/usr/bin/setpriv';

export interface Boot {
  image: GuestImage;
  accel: Accel;
  cpus: number;
  memoryMiB: number;
  /** the 9p share: guest-run.sh in; out.log, exit-code and reports out */
  share: string;
  checkoutDisk: string;
  serialLog: string;
  timeoutMs: number;
}

export interface BootResult {
  /** COMMAND's exit code as the guest wrote it; undefined when the guest never got that far */
  exitCode?: number;
  timedOut: boolean;
  /** the signal that stopped the run on this side */
  interrupted?: NodeJS.Signals;
  seconds: number;
}

export function qemuArgs(b: Boot): string[] {
  return [
    ...accelArgs(b.accel),
    '-smp', String(b.cpus),
    '-m', String(b.memoryMiB),
    '-display', 'none', '-vga', 'none', '-no-reboot',
    // no network device: the guest talks to nothing but itself
    '-nic', 'none',
    '-kernel', b.image.kernel,
    '-initrd', b.image.initrd,
    '-append', 'console=ttyS0 root=/dev/vda rw panic=-1 quiet',
    '-drive', `file=${b.image.disk},format=qcow2,if=virtio,snapshot=on`,
    '-drive', `file=${b.checkoutDisk},format=raw,if=virtio`,
    // security_model=none: files keep the guest's owners when the host runs as root, and a
    // non-root host does not fail on chown
    '-virtfs', `local,path=${b.share},mount_tag=work,security_model=none,id=work`,
    '-serial', `file:${b.serialLog}`,
  ];
}

/** Follows a file that another writer appends to, copying what is new to `out`. */
function follower(file: string, out: NodeJS.WritableStream): () => void {
  let offset = 0;
  const buf = Buffer.alloc(64 * 1024);
  return () => {
    if (!existsSync(file)) return;
    const fd = openSync(file, 'r');
    try {
      let n: number;
      while ((n = readSync(fd, buf, 0, buf.length, offset)) > 0) {
        out.write(Buffer.from(buf.subarray(0, n)));
        offset += n;
      }
    } finally {
      closeSync(fd);
    }
  };
}

export async function bootAndRun(b: Boot): Promise<BootResult> {
  const started = Date.now();
  // setpriv --pdeathsig: the kernel kills QEMU when dockspec dies, even by SIGKILL
  const [file, args] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', QEMU, ...qemuArgs(b)]] : [QEMU, qemuArgs(b)];
  const qemu = spawn(file, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  const pid = qemu.pid;
  let timedOut = false;
  let interrupted: NodeJS.Signals | undefined;
  let exited = false;
  const stop = () => {
    if (exited || pid === undefined) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    setTimeout(() => {
      if (!exited) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, 5000).unref();
  };
  // dockspec dying for any reason must not leave a guest running
  const onExit = () => {
    if (!exited && pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = signal;
    process.stderr.write(`\ndockspec vm: ${signal}: stopping the guest (qemu pid ${pid})\n`);
    stop();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  process.on('exit', onExit);
  for (const s of signals) process.on(s, onSignal);
  const deadline = setTimeout(() => {
    timedOut = true;
    process.stderr.write(`\ndockspec vm: the guest ran past ${Math.round(b.timeoutMs / 1000)} s: stopping it (qemu pid ${pid})\n`);
    stop();
  }, b.timeoutMs);
  const outLog = join(b.share, 'out.log');
  const follow = follower(outLog, process.stdout);
  const ticker = setInterval(follow, 250);
  // until the guest's first line, a sign of life every 30 s
  const booting = setInterval(() => {
    if (existsSync(outLog)) clearInterval(booting);
    else process.stderr.write(`dockspec vm: booting, ${Math.round((Date.now() - started) / 1000)} s\n`);
  }, 30000);
  try {
    await new Promise<void>((resolve, reject) => {
      qemu.on('error', reject);
      qemu.on('exit', () => {
        exited = true;
        resolve();
      });
    });
  } finally {
    exited = true;
    clearInterval(ticker);
    clearInterval(booting);
    clearTimeout(deadline);
    process.off('exit', onExit);
    for (const s of signals) process.off(s, onSignal);
  }
  follow();
  const codeFile = join(b.share, 'exit-code');
  const exitCode = existsSync(codeFile) ? Number(readFileSync(codeFile, 'utf8').trim()) : undefined;
  return { exitCode: Number.isInteger(exitCode) ? exitCode : undefined, timedOut, interrupted, seconds: (Date.now() - started) / 1000 };
}
