// `dockspec vm`: runs a command in a Debian 12 guest whose cgroup tree is v2 only, as on the hosts
// most people have, with a copy of this checkout: build (once) and boot the guest, run COMMAND as
// root in the copy, print its output, bring reports/out back as reports/out/vm, exit with its code.
import { type Command, usageError } from './command.js';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './project.js';
import { ensureImage, GuestImage } from './vm/image.js';
import { chooseAccel } from './vm/accel.js';
import { checkoutRoot, makeCheckoutDisk } from './vm/checkout-disk.js';
import { bootAndRun } from './vm/guest.js';
import { guestRunScript } from './vm/guest-run.js';

export const DEFAULT_VM_COMMAND = `node dist/bin/dockspec.js run --target all --tags '@isolation or @runtime or @shim'`;

export const VM_HELP = `  dockspec vm [--rebuild] [--timeout SECONDS] [-- COMMAND…]
      Run COMMAND as root in a copy of this checkout inside a Debian 12 guest that has a cgroup
      v2 host's layout (QEMU: KVM when the CPU has vmx/svm, else software emulation). Default
      COMMAND: the cgroup-sensitive areas on all targets. Its words are joined into one shell
      line, as ssh does. The guest image is built from Debian packages once (needs root) into
      DOCKSPEC_VM_CACHE (default /var/cache/dockspec/vm). The guest's reports/out comes back as
      reports/out/vm. Exit code: COMMAND's; 124 timeout, 125 the guest never ran it, 130 Ctrl-C.
`;

const say = (s: string) => process.stderr.write(`dockspec vm: ${s}\n`);

/** The guest's slowness: deadlines of steps and harness stretch by this much (lib/time-scale.ts). */
function timeScaleFor(accel: 'kvm' | 'tcg'): string {
  return process.env.DOCKSPEC_TIME_SCALE || (accel === 'tcg' ? '10' : '1');
}

export const command: Command = {
  name: 'vm',
  summary: 'run a command in a cgroup v2 Debian 12 guest (QEMU) with a copy of this checkout',
  usage: VM_HELP,
  options: { rebuild: { type: 'boolean' }, timeout: { type: 'string' } },
  passThrough: true,
  run: ({ values, passThrough }) => vm({ rebuild: values.rebuild as boolean | undefined, timeout: values.timeout as string | undefined }, passThrough),
};

async function vm(values: { rebuild?: boolean; timeout?: string }, words: string[]): Promise<number> {
  const timeoutS = Number(values.timeout ?? process.env.DOCKSPEC_VM_TIMEOUT ?? 3 * 3600);
  if (!(timeoutS > 0)) usageError(`--timeout wants seconds > 0, got "${values.timeout}"`);
  const command = words.length ? words.join(' ') : DEFAULT_VM_COMMAND;
  const checkout = checkoutRoot(process.cwd(), PROJECT_ROOT);

  // A signal before the boot (bootAndRun handles its own) ends the call once the step at hand
  // returns, with the temporary files removed; a terminal's Ctrl-C also reaches the step's child.
  let stopSignal: NodeJS.Signals | undefined;
  // signal handlers run from the event loop: let it turn before asking
  const stopped = async () => {
    await new Promise((r) => setImmediate(r));
    return stopSignal !== undefined;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    stopSignal = signal;
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const sig of signals) process.on(sig, onSignal);
  const runDir = mkdtempSync(join(tmpdir(), 'dockspec-vm-'));
  try {
    let image: GuestImage;
    try {
      image = await ensureImage(join(PROJECT_ROOT, 'vm', 'guest-image.sh'), Boolean(values.rebuild));
    } catch (err) {
      say((err as Error).message);
      return stopSignal ? 130 : 125;
    }
    if (await stopped()) return 130;
    const accel = chooseAccel();
    const share = join(runDir, 'share');
    mkdirSync(share);
    const disk = join(runDir, 'checkout.img');
    let t = Date.now();
    const staged = makeCheckoutDisk(checkout, join(runDir, 'staging'), disk);
    rmSync(join(runDir, 'staging'), { recursive: true, force: true });
    if (await stopped()) return 130;
    say(`copied ${checkout} (${staged.checkoutMiB} MiB) and ${process.execPath} ${process.version}${staged.npm ? ' with npm' : ''} into the guest's disk in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    writeFileSync(join(share, 'command.sh'), command + '\n');
    const timeScale = timeScaleFor(accel);
    writeFileSync(join(share, 'guest-run.sh'), guestRunScript({ timeScale, env: process.env }));
    const cpuCount = Math.min(cpus().length, 4);
    const memoryMiB = Number(process.env.DOCKSPEC_VM_MEMORY_MIB ?? 4096);
    say(`booting the guest (${accel === 'kvm' ? 'KVM' : 'software emulation, TCG'}, ${cpuCount} CPUs, ${memoryMiB} MiB, DOCKSPEC_TIME_SCALE=${timeScale}); COMMAND: ${command}`);
    // an earlier call's guest reports must not pass for this one's, also when this one is cut short
    const dest = join(checkout, 'reports', 'out', 'vm');
    rmSync(dest, { recursive: true, force: true });
    t = Date.now();
    const result = await bootAndRun({
      image, accel, cpus: cpuCount, memoryMiB, share, checkoutDisk: disk,
      serialLog: join(runDir, 'serial.log'), timeoutMs: timeoutS * 1000,
    });
    say(`guest ${result.exitCode !== undefined ? 'powered off' : 'stopped'} after ${result.seconds.toFixed(0)} s${result.exitCode !== undefined ? `; COMMAND exited ${result.exitCode}` : ''}`);
    const reports = join(share, 'reports');
    if (existsSync(reports)) {
      mkdirSync(dest, { recursive: true });
      cpSync(reports, dest, { recursive: true });
      say(`the guest's reports/out is in ${dest}`);
    }
    if (result.interrupted) return 130;
    if (result.timedOut) return 124;
    if (result.exitCode === undefined) {
      say(`the guest did not run COMMAND to its end; its console (last lines):`);
      const serial = join(runDir, 'serial.log');
      if (existsSync(serial)) process.stderr.write(readFileSync(serial, 'utf8').split('\n').slice(-40).join('\n') + '\n');
      return 125;
    }
    return result.exitCode;
  } finally {
    for (const sig of signals) process.off(sig, onSignal);
    rmSync(runDir, { recursive: true, force: true });
  }
}
