// Builds the reference engine's native pieces (see docs/design.md, "Why two small native pieces", and
// docs/benchmarks.md for the front doors that keep Node off the hot path): every
// runtime/<component>/*.c and engine/<component>/*.c becomes a static binary
// dist/native/<file name without .c>. Headers are included by a path relative to the source
// (lib/native/front-door.h, which the front doors share; lib/native/mkdir-all.h, mkdir -p for
// ref-runc-nsexec and the shim's front door; runtime/runc/device-cgroup.h and nsexec-*.h, the parts
// of ref-runc-nsexec), so the same build works in the repository and in an installed package,
// which ships them ("files").
// Static, because the init runs inside minimal images that have no libc of their own.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, existsSync, chmodSync } from 'node:fs';
import { join, basename, dirname, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist', 'native');
mkdirSync(out, { recursive: true });

const sources = [];
for (const area of ['runtime', 'engine']) {
  for (const component of readdirSync(join(root, area))) {
    const dir = join(root, area, component);
    if (!statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir)) if (file.endsWith('.c')) sources.push(join(dir, file));
  }
}

// Fault switches (lib/faults.ts) of a native piece that runs without the daemons' environment:
// every `#ifdef FAULT_<NAME>` in its source also gives dist/native/faults/<binary>.<name>, the
// daemon mounting that build instead when DOCKSPEC_FAULTS names the fault.
const builds = [];
for (const source of sources) {
  builds.push({ source, target: join(out, basename(source, '.c')), defines: [] });
  if (!basename(source).startsWith('ref-docker-init')) continue;
  const macros = new Set([...readFileSync(source, 'utf8').matchAll(/^#ifdef (FAULT_[A-Z0-9_]+)/gm)].map((m) => m[1]));
  if (macros.size) mkdirSync(join(out, 'faults'), { recursive: true });
  for (const macro of macros) {
    const name = macro.slice('FAULT_'.length).toLowerCase().replace(/_/g, '-');
    builds.push({ source, target: join(out, 'faults', `${basename(source, '.c')}.${name}`), defines: [`-D${macro}`] });
  }
}

/** The latest change to a source or to a header it includes by a quoted path: a changed header rebuilds. */
function newestInput(source, seen = new Set()) {
  if (seen.has(source)) return 0;
  seen.add(source);
  let newest = statSync(source).mtimeMs;
  for (const m of readFileSync(source, 'utf8').matchAll(/^#include "([^"]+)"/gm)) {
    newest = Math.max(newest, newestInput(resolve(dirname(source), m[1]), seen));
  }
  return newest;
}

const cc = process.env.CC ?? 'cc';
// `npm ci` builds with --if-possible: on a machine without a compiler yet, it warns instead of
// failing, and `npm start` builds again after `dockspec install-deps` has installed gcc.
const ifPossible = process.argv.includes('--if-possible');
let failed = false;
for (const { source, target, defines } of builds) {
  if (existsSync(target) && statSync(target).mtimeMs > newestInput(source)) continue;
  const args = ['-static', '-O2', '-Wall', '-Wextra', ...defines, '-o', target, source];
  process.stdout.write(`native: ${cc} ${args.join(' ')}\n`);
  try {
    execFileSync(cc, args, { stdio: 'inherit' });
  } catch {
    console.error(`native: building ${source} failed; install a C compiler and static libc (apt-get install gcc libc6-dev)`);
    failed = true;
    break;
  }
}

// lib/libc-addon.c: a Node-API addon for the system calls of the serving shim (lib/libc.ts), built
// against the headers of the Node.js that runs this script. Without them (a Node.js installed without
// its include/ directory), lib/libc.ts falls back to koffi: a warning, not a failure.
if (!failed) {
  const source = join(root, 'lib', 'libc-addon.c');
  const target = join(out, 'libc-addon.node');
  const include = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/nodejs/src', '/usr/include/node'].find((d) => existsSync(join(d, 'node_api.h')));
  if (!include) {
    console.error('native: no node_api.h beside this Node.js; the shim uses koffi for its system calls');
  } else if (!(existsSync(target) && statSync(target).mtimeMs > statSync(source).mtimeMs)) {
    const args = ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-I', include, '-o', target, source];
    process.stdout.write(`native: ${cc} ${args.join(' ')}\n`);
    try {
      execFileSync(cc, args, { stdio: 'inherit' });
    } catch {
      console.error(`native: building ${source} failed; the shim uses koffi for its system calls`);
    }
  }
}

// tsc does not keep the executable bit; the entry points are run directly (npx, --add-runtime).
const binDir = join(root, 'dist', 'bin');
if (existsSync(binDir)) for (const f of readdirSync(binDir)) if (f.endsWith('.js')) chmodSync(join(binDir, f), 0o755);

if (failed && !ifPossible) process.exit(1);
