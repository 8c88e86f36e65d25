// config.json mount options → mount(2) flags, as runc parses them: known words set or clear a
// flag, propagation words go to a separate mount call, anything else is filesystem data.

export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  REC: 0x4000,
  SILENT: 0x8000,
  POSIXACL: 0x10000,
  UNBINDABLE: 0x20000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
  I_VERSION: 0x800000,
  STRICTATIME: 0x1000000,
  LAZYTIME: 0x2000000,
} as const;

const setting: Record<string, number> = {
  acl: MS.POSIXACL,
  bind: MS.BIND,
  dirsync: MS.DIRSYNC,
  iversion: MS.I_VERSION,
  lazytime: MS.LAZYTIME,
  mand: MS.MANDLOCK,
  noatime: MS.NOATIME,
  nodev: MS.NODEV,
  nodiratime: MS.NODIRATIME,
  noexec: MS.NOEXEC,
  nosuid: MS.NOSUID,
  rbind: MS.BIND | MS.REC,
  relatime: MS.RELATIME,
  remount: MS.REMOUNT,
  ro: MS.RDONLY,
  silent: MS.SILENT,
  strictatime: MS.STRICTATIME,
  sync: MS.SYNCHRONOUS,
  defaults: 0,
};

const clearing: Record<string, number> = {
  async: MS.SYNCHRONOUS,
  atime: MS.NOATIME,
  dev: MS.NODEV,
  diratime: MS.NODIRATIME,
  exec: MS.NOEXEC,
  loud: MS.SILENT,
  noacl: MS.POSIXACL,
  noiversion: MS.I_VERSION,
  nolazytime: MS.LAZYTIME,
  nomand: MS.MANDLOCK,
  norelatime: MS.RELATIME,
  nostrictatime: MS.STRICTATIME,
  rw: MS.RDONLY,
  suid: MS.NOSUID,
};

export const propagation: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

// Recursive mount attributes (mount_setattr) and runc's tmpcopyup are accepted and not applied.
const ignored = new Set(['tmpcopyup', 'rro', 'rrw', 'rnosuid', 'rsuid', 'rnodev', 'rdev', 'rnoexec', 'rexec',
  'rnodiratime', 'rdiratime', 'rrelatime', 'rnorelatime', 'rnoatime', 'ratime', 'rstrictatime',
  'rnostrictatime', 'rnosymfollow', 'rsymfollow', 'nosymfollow', 'symfollow']);

export interface MountFlags {
  flags: number;
  propagation: number;
  data: string;
}

export function parseMountOptions(type: string | undefined, options: string[] = []): MountFlags {
  let flags = type === 'bind' ? MS.BIND : 0;
  let propagationFlags = 0;
  const data: string[] = [];
  for (const option of options) {
    if (option in setting) flags |= setting[option]!;
    else if (option in clearing) flags &= ~clearing[option]!;
    else if (option in propagation) propagationFlags |= propagation[option]!;
    else if (!ignored.has(option)) data.push(option);
  }
  return { flags, propagation: propagationFlags, data: data.join(',') };
}
