// `features`: what this runtime implements, in the shape of runc's `features` JSON, limited to
// what ref-runc really does (no seccomp, AppArmor or SELinux; cgroupfs on v1 and v2, no systemd driver).
import { OCI_VERSION } from '../spec.js';
import { capabilityNames } from '../capabilities.js';
import { propagation } from '../mount-options.js';
import { RUNTIME_VERSION } from '../version.js';

export function features(): number {
  const mountOptions = ['async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'iversion',
    'lazytime', 'loud', 'mand', 'noatime', 'nodev', 'nodiratime', 'noexec', 'nosuid', 'rbind', 'relatime',
    'remount', 'ro', 'rw', 'silent', 'strictatime', 'suid', 'sync', ...Object.keys(propagation)].sort();
  const doc = {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: ['prestart', 'createRuntime', 'poststart', 'poststop'],
    mountOptions,
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts'],
      capabilities: capabilityNames,
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
      seccomp: { enabled: false },
      apparmor: { enabled: false },
      selinux: { enabled: false },
    },
    annotations: { 'org.dockspec.ref-runc.version': RUNTIME_VERSION },
  };
  process.stdout.write(`${JSON.stringify(doc, null, 4)}\n`);
  return 0;
}
