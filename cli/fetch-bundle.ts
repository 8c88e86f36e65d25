// `dockspec install-deps --target docker26|docker+runsc`: another release's packages without
// touching the system. apt runs with a configuration of its own (sources list, lists, cache, no
// sources.list.d, no preferences) that names the bundle's suite on the mirror the system already
// uses, `apt-get download` fetches the .deb files, `dpkg -x` unpacks them into the bundle's
// directory, and each binary is run once for its version. Nothing is installed; the system's apt
// state is only read. Once the manifest is there, nothing is fetched again (offline).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BUNDLES, Bundle, BundleName, bundleDir, bundleInstalled, bundleRoot, Manifest, manifestPath, readManifest, resolveBinary, versionLine } from '../harness/targets/bundles.js';

const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/**
 * The Debian archive the system's apt uses (not its security archive): the first URI of a source
 * whose suites are plain releases. Both the one-line and the deb822 (.sources) formats.
 */
export function systemMirror(files = aptSourceFiles()): string {
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const mirror = file.endsWith('.sources') ? mirrorOfDeb822(text) : mirrorOfOneLine(text);
    if (mirror) return mirror;
  }
  return DEFAULT_MIRROR;
}

function aptSourceFiles(): string[] {
  const dir = '/etc/apt/sources.list.d';
  let parts: string[] = [];
  try {
    parts = readdirSync(dir).filter((f) => f.endsWith('.list') || f.endsWith('.sources')).sort().map((f) => join(dir, f));
  } catch {
    // none
  }
  return ['/etc/apt/sources.list', ...parts];
}

const isArchiveSuite = (suite: string) => !/-security$/.test(suite) && !suite.includes('/');

export function mirrorOfDeb822(text: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(stanza)?.[1].trim();
    if (!/\bdeb\b/.test(field('Types') ?? '') || /^\s*Enabled:\s*no/im.test(stanza)) continue;
    const uri = field('URIs')?.split(/\s+/)[0];
    const suites = field('Suites')?.split(/\s+/) ?? [];
    if (uri && suites.some(isArchiveSuite) && /\/debian\/?$/.test(uri)) return uri.replace(/\/$/, '');
  }
  return undefined;
}

export function mirrorOfOneLine(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (m && isArchiveSuite(m[2]) && /\/debian\/?$/.test(m[1])) return m[1].replace(/\/$/, '');
  }
  return undefined;
}

/** apt options that make apt read and write only the bundle's own directories. */
function aptOptions(aptDir: string): string[] {
  const o = (k: string, v: string) => ['-o', `${k}=${v}`];
  return [
    ...o('Dir::Etc::SourceList', join(aptDir, 'sources.list')),
    ...o('Dir::Etc::SourceParts', join(aptDir, 'sources.list.d')),
    ...o('Dir::Etc::Preferences', join(aptDir, 'preferences')),
    ...o('Dir::Etc::PreferencesParts', join(aptDir, 'preferences.d')),
    ...o('Dir::State::Lists', join(aptDir, 'lists')),
    ...o('Dir::Cache', join(aptDir, 'cache')),
    // the downloads land in a root-owned directory that apt's unprivileged _apt user cannot write
    ...o('APT::Sandbox::User', 'root'),
  ];
}

function prepareApt(bundle: Bundle, aptDir: string, mirror: string): void {
  for (const d of ['sources.list.d', 'preferences.d', 'lists/partial', 'cache/archives/partial']) mkdirSync(join(aptDir, d), { recursive: true });
  writeFileSync(join(aptDir, 'sources.list'), `deb [signed-by=${KEYRING}] ${mirror} ${bundle.suite} main\n`);
  writeFileSync(join(aptDir, 'preferences'), '');
}

function apt(cmd: string, args: string[], cwd: string): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' } });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** `dpkg-deb -f file Package Version`, for the manifest. */
function debIdentity(file: string): { name: string; version: string } {
  const r = spawnSync('dpkg-deb', ['-f', file, 'Package', 'Version'], { encoding: 'utf8' });
  const name = /^Package:\s*(\S+)/m.exec(r.stdout)?.[1] ?? file;
  const version = /^Version:\s*(\S+)/m.exec(r.stdout)?.[1] ?? 'unknown';
  return { name, version };
}

export interface FetchResult {
  ok: boolean;
  message: string;
}

/** Fetch, unpack and check one bundle; a bundle already in place is only checked again. */
export function fetchBundle(name: BundleName, opts: { dryRun?: boolean; log?: (line: string) => void } = {}): FetchResult {
  const bundle = BUNDLES[name];
  const log = opts.log ?? ((l: string) => console.log(l));
  const dir = bundleDir(name);
  if (bundleInstalled(name)) {
    const failing = checkBinaries(bundle).filter((b) => !b.version);
    if (!failing.length) return { ok: true, message: `${name}: already in ${dir} (${Object.entries(readManifest(name)!.packages).map(([p, v]) => `${p} ${v}`).join(', ')})` };
    log(`${name}: ${failing.map((b) => b.path).join(', ')} no longer run; fetching again`);
  }
  const mirror = systemMirror();
  if (opts.dryRun) return { ok: true, message: `${name}: dry run; would fetch ${bundle.packages.join(', ')} from ${mirror} ${bundle.suite} into ${dir}` };
  if (process.getuid?.() !== 0) return { ok: false, message: `${name}: not running as root; ${dir} and dpkg -x need it` };
  const aptDir = join(dir, 'apt');
  const debs = join(dir, 'debs');
  prepareApt(bundle, aptDir, mirror);
  log(`${name}: apt-get update (${mirror} ${bundle.suite}, private lists in ${aptDir})`);
  let r = apt('apt-get', [...aptOptions(aptDir), 'update'], dir);
  if (!r.ok) return { ok: false, message: `${name}: apt-get update failed:\n${r.out}` };
  rmSync(debs, { recursive: true, force: true });
  mkdirSync(debs, { recursive: true });
  log(`${name}: apt-get download ${bundle.packages.join(' ')}`);
  r = apt('apt-get', [...aptOptions(aptDir), 'download', ...bundle.packages], debs);
  if (!r.ok) return { ok: false, message: `${name}: apt-get download failed:\n${r.out}` };
  // Unpack into a fresh tree beside the old one, then swap: an interrupted fetch leaves the last
  // good tree (and its manifest) in place.
  const root = bundleRoot(name);
  const fresh = `${root}.new`;
  rmSync(fresh, { recursive: true, force: true });
  mkdirSync(fresh, { recursive: true });
  const packages: Record<string, string> = {};
  for (const file of readdirSync(debs).filter((f) => f.endsWith('.deb')).sort()) {
    const x = spawnSync('dpkg', ['-x', join(debs, file), fresh], { encoding: 'utf8' });
    if (x.status !== 0) return { ok: false, message: `${name}: dpkg -x ${file} failed: ${x.stderr}` };
    const id = debIdentity(join(debs, file));
    packages[id.name] = id.version;
  }
  for (const w of bundle.wrappers ?? []) {
    mkdirSync(dirname(join(fresh, w.path)), { recursive: true });
    // exec: the runtime keeps the wrapper's pid, stdio and exit status, as the shim expects
    const args = w.args.map((a) => `'${a}'`).join(' ');
    writeFileSync(join(fresh, w.path), `#!/bin/sh\nexec '${join(root, w.exec)}' ${args} "$@"\n`, { mode: 0o755 });
  }
  rmSync(root, { recursive: true, force: true });
  renameSync(fresh, root);
  const checked = checkBinaries(bundle);
  const failing = checked.filter((b) => !b.version);
  if (failing.length) return { ok: false, message: `${name}: unpacked, but these do not run: ${failing.map((b) => b.resolved ?? b.path).join(', ')}` };
  const manifest: Manifest = {
    bundle: name,
    suite: bundle.suite,
    mirror,
    fetchedAt: new Date().toISOString(),
    packages,
    binaries: Object.fromEntries(checked.map((b) => [b.path, { path: b.resolved!, version: b.version! }])),
  };
  writeFileSync(manifestPath(name) + '.tmp', JSON.stringify(manifest, null, 2) + '\n');
  renameSync(manifestPath(name) + '.tmp', manifestPath(name));
  // the downloaded .deb files are not needed once unpacked
  rmSync(debs, { recursive: true, force: true });
  for (const [path, b] of Object.entries(manifest.binaries)) log(`  ${path}: ${b.version}`);
  return { ok: true, message: `${name}: unpacked into ${root} (${Object.entries(packages).map(([p, v]) => `${p} ${v}`).join(', ')})` };
}

function checkBinaries(bundle: Bundle): { path: string; resolved?: string; version?: string }[] {
  return bundle.binaries.map((b) => {
    const resolved = resolveBinary(bundle.name, b.path);
    return { path: b.path, resolved, version: resolved && existsSync(resolved) ? versionLine(resolved, b.versionArgs) : undefined };
  });
}
