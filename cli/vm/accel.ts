// How QEMU runs the guest: KVM when the CPU offers hardware virtualization (vmx or svm) and
// /dev/kvm opens, else software emulation (TCG). A /dev/kvm without vmx/svm (a paravirtualized
// one, as inside some cloud VMs) cannot run a stock kernel, so the flags decide, not the device.
import { closeSync, openSync, readFileSync } from 'node:fs';

export type Accel = 'kvm' | 'tcg';

export function hardwareVirtualization(): boolean {
  try {
    return /^flags\s*:.*\b(vmx|svm)\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

function kvmOpens(): boolean {
  try {
    closeSync(openSync('/dev/kvm', 'r+'));
    return true;
  } catch {
    return false;
  }
}

/** DOCKSPEC_VM_ACCEL (kvm or tcg) when set, else what this machine can do. */
export function chooseAccel(): Accel {
  const forced = process.env.DOCKSPEC_VM_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return forced;
  if (forced) throw new Error(`DOCKSPEC_VM_ACCEL wants kvm or tcg, got "${forced}"`);
  return hardwareVirtualization() && kvmOpens() ? 'kvm' : 'tcg';
}

export function accelArgs(accel: Accel): string[] {
  return accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg', '-cpu', 'max'];
}
