// Builds the reference engine's two native pieces (see DESIGN.md, "Why two small native pieces"):
// every runtime/<component>/*.c becomes a static binary dist/native/<file name without .c>.
// Static, because the init runs inside minimal images that have no libc of their own.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, existsSync, chmodSync } from 'node:fs';
import { join, basename } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist', 'native');
mkdirSync(out, { recursive: true });

const sources = [];
for (const component of readdirSync(join(root, 'runtime'))) {
  const dir = join(root, 'runtime', component);
  if (!statSync(dir).isDirectory()) continue;
  for (const file of readdirSync(dir)) if (file.endsWith('.c')) sources.push(join(dir, file));
}

const cc = process.env.CC ?? 'cc';
for (const source of sources) {
  const target = join(out, basename(source, '.c'));
  if (existsSync(target) && statSync(target).mtimeMs > statSync(source).mtimeMs) continue;
  const args = ['-static', '-O2', '-Wall', '-Wextra', '-o', target, source];
  process.stdout.write(`native: ${cc} ${args.join(' ')}\n`);
  try {
    execFileSync(cc, args, { stdio: 'inherit' });
  } catch {
    console.error(`native: building ${source} failed; install a C compiler and static libc (apt-get install gcc libc6-dev)`);
    process.exit(1);
  }
}

// tsc does not keep the executable bit; the entry points are run directly (npx, --add-runtime).
const binDir = join(root, 'dist', 'bin');
if (existsSync(binDir)) for (const f of readdirSync(binDir)) if (f.endsWith('.js')) chmodSync(join(binDir, f), 0o755);
