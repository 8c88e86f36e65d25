// Bundles as containerd keeps them: `<state>/io.containerd.runtime.v2.task/<namespace>/<id>`. A
// bundle that ref-dockerd put elsewhere gets a symlink there, so that one directory scan at start
// finds every task. The shim binary that serves the task is kept in options.json, for its delete action.
import fs from 'node:fs';
import path from 'node:path';

export const RUNTIME_V2_DIR = 'io.containerd.runtime.v2.task';

/** What a restarted containerd needs to clean up after a dead shim: the shim binary it ran. */
export interface BundleOptions {
  shim: string;
  runtime: string;
}

export function tasksDir(state: string, namespace: string): string {
  return path.join(state, RUNTIME_V2_DIR, namespace);
}

/** Make sure `bundle` is reachable as `<tasksDir>/<id>`. */
export function registerBundle(dir: string, id: string, bundle: string): void {
  fs.mkdirSync(bundle, { recursive: true, mode: 0o711 });
  const entry = path.join(dir, id);
  if (path.resolve(entry) === path.resolve(bundle)) return;
  fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
  fs.rmSync(entry, { force: true });
  fs.symlinkSync(path.resolve(bundle), entry);
}

// Not options.json: containerd-shim-runc-v2 writes its runtime options under that name.
const SHIM_RECORD = 'shim-binary.json';

export function writeOptions(bundle: string, o: BundleOptions): void {
  const target = path.join(bundle, SHIM_RECORD);
  fs.writeFileSync(`${target}.tmp`, JSON.stringify(o));
  fs.renameSync(`${target}.tmp`, target);
}

export function readOptions(bundle: string): BundleOptions | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(bundle, SHIM_RECORD), 'utf8')) as BundleOptions;
  } catch {
    return undefined;
  }
}

/** Every task entry in the namespace: id and resolved bundle path. */
export function listBundles(dir: string): { id: string; bundle: string }[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: { id: string; bundle: string }[] = [];
  for (const id of names) {
    const entry = path.join(dir, id);
    let bundle: string;
    try {
      bundle = fs.realpathSync(entry);
      if (!fs.statSync(bundle).isDirectory()) continue;
    } catch {
      fs.rmSync(entry, { force: true }); // a dangling link: its bundle is gone
      continue;
    }
    out.push({ id, bundle });
  }
  return out;
}

const OWN_FILES = /^(address|log|work|runtime|shim-binary\.json|shim\.pid|init\.pid|log\.json|exit\.json|options\.json|shim\.log|config\.json|exec-.*\.(json|pid)|.*\.tmp)$/;

/**
 * Remove what containerd, the shim and the runtime wrote into the bundle, then the bundle if that
 * leaves it empty. Never recursive: a rootfs mounted inside stays untouched.
 */
export function removeBundle(dir: string, id: string, bundle: string): void {
  try {
    for (const name of fs.readdirSync(bundle)) {
      if (OWN_FILES.test(name)) fs.rmSync(path.join(bundle, name), { force: true });
    }
    // the empty rootfs directory made with the bundle; a mounted one stays (rmdir fails)
    try {
      fs.rmdirSync(path.join(bundle, 'rootfs'));
    } catch {
      // none, or a mount point
    }
    fs.rmdirSync(bundle);
  } catch {
    // not empty (a rootfs, files of ref-dockerd) or already gone
  }
  const entry = path.join(dir, id);
  try {
    if (fs.lstatSync(entry).isSymbolicLink()) fs.rmSync(entry, { force: true });
  } catch {
    // no entry
  }
}

export function readShimLog(bundle: string): string {
  try {
    return fs.readFileSync(path.join(bundle, 'shim.log'), 'utf8');
  } catch {
    return '';
  }
}
