// The checkout travels into the guest as a second disk: an ext4 image made on the host with
// `mkfs.ext4 -d` from a copy of the checkout (with node_modules, dist and the built natives) and of
// the Node.js that runs dockspec, so the guest reads it at disk speed instead of through 9p.
//   /checkout          the copy; COMMAND runs here
//   /node/bin/node     process.execPath
//   /node/lib/node_modules/npm, /node/bin/npm, /node/bin/npx   when npm sits beside that node
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, cpSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The checkout at `cwd` (its git top level), or `fallback` outside a git checkout. */
export function checkoutRoot(cwd: string, fallback: string): string {
  try {
    return execFileSync('git', ['-C', cwd, 'rev-parse', '--show-toplevel'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || fallback;
  } catch {
    return fallback;
  }
}

function copyNode(into: string): boolean {
  mkdirSync(join(into, 'bin'), { recursive: true });
  copyFileSync(process.execPath, join(into, 'bin', 'node'));
  const npm = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
  if (!existsSync(join(npm, 'bin', 'npm-cli.js'))) return false;
  cpSync(npm, join(into, 'lib', 'node_modules', 'npm'), { recursive: true, verbatimSymlinks: true });
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(into, 'bin', 'npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(into, 'bin', 'npx'));
  return true;
}

/**
 * Hard links when the checkout and the staging directory share a file system (no data is copied;
 * mkfs.ext4 reads through them), else a copy.
 */
function stageCheckout(checkout: string, copy: string): void {
  const entries = readdirSync(checkout).filter((e) => e !== '.git').map((e) => join(checkout, e));
  try {
    if (entries.length) execFileSync('cp', ['-al', ...entries, copy], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch {
    rmSync(copy, { recursive: true, force: true });
    mkdirSync(copy);
    execFileSync('bash', ['-c', 'set -o pipefail; tar -C "$1" --exclude=./.git --exclude=./reports/out -cf - . | tar -C "$2" -xf -', 'stage', checkout, copy], { stdio: 'inherit' });
  }
  // the guest's run writes its own reports
  rmSync(join(copy, 'reports', 'out'), { recursive: true, force: true });
}

function sizeMiB(dir: string): number {
  return Number(execFileSync('du', ['-sm', dir], { encoding: 'utf8' }).split('\t')[0]);
}

/**
 * Stages the checkout (without .git and reports/out: the guest writes its own) and Node in
 * `staging`, then makes `image` from it with room to spare for what the run writes.
 */
export function makeCheckoutDisk(checkout: string, staging: string, image: string): { checkoutMiB: number; npm: boolean } {
  const copy = join(staging, 'checkout');
  mkdirSync(copy, { recursive: true });
  stageCheckout(checkout, copy);
  const npm = copyNode(join(staging, 'node'));
  const used = sizeMiB(staging);
  // a sparse file with room for what the run writes (reports, a rebuilt dist)
  const fd = openSync(image, 'w');
  ftruncateSync(fd, (used * 2 + 2048) * 1024 * 1024);
  closeSync(fd);
  execFileSync('mkfs.ext4', ['-q', '-F', '-L', 'dockspec', '-d', staging, image], { stdio: 'inherit' });
  return { checkoutMiB: sizeMiB(copy), npm };
}
