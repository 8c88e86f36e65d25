// The guest image of `dockspec vm`: built once by vm/guest-image.sh from Debian packages into a
// cache outside the checkout, one directory per content of that script, so that a changed recipe
// builds a new image and an unchanged one is reused offline.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitForLock } from '../../lib/dir-lock.js';

export interface GuestImage {
  dir: string;
  kernel: string;
  initrd: string;
  disk: string;
}

const IMAGE_FILES = ['vmlinuz', 'initrd.img', 'guest.qcow2'];

export function cacheRoot(): string {
  return process.env.DOCKSPEC_VM_CACHE || '/var/cache/dockspec/vm';
}

/** The image's cache key: the recipe's content. */
export function recipeKey(recipe: string): string {
  return createHash('sha256').update(readFileSync(recipe)).digest('hex').slice(0, 16);
}

/** The main Debian archive named in apt source files' text (deb822 `URIs:` or one-line `deb`). */
export function mirrorIn(texts: string[]): string | undefined {
  for (const text of texts) {
    for (const m of text.matchAll(/^\s*(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+)/gm)) {
      // the main archive, not debian-security or a third party's
      if (/^https?:\/\/\S+\/debian\/?$/.test(m[1])) return m[1].replace(/\/$/, '');
    }
  }
  return undefined;
}

/**
 * The Debian archive this machine's apt uses, so that the guest comes from the same place;
 * DOCKSPEC_VM_MIRROR overrides it.
 */
export function debianMirror(): string {
  if (process.env.DOCKSPEC_VM_MIRROR) return process.env.DOCKSPEC_VM_MIRROR;
  const files = ['/etc/apt/sources.list'];
  try {
    for (const f of readdirSync('/etc/apt/sources.list.d').sort()) files.push(join('/etc/apt/sources.list.d', f));
  } catch {
    // no sources.list.d
  }
  const texts = files.flatMap((f) => {
    try {
      return [readFileSync(f, 'utf8')];
    } catch {
      return [];
    }
  });
  return mirrorIn(texts) ?? 'http://deb.debian.org/debian';
}

function imageAt(dir: string): GuestImage {
  return { dir, kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), disk: join(dir, 'guest.qcow2') };
}

function complete(dir: string): boolean {
  return IMAGE_FILES.every((f) => existsSync(join(dir, f)));
}

function runRecipe(recipe: string, outDir: string, mirror: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [recipe, outDir, mirror], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** The cached image for this recipe, built first when missing or when `rebuild` is asked. */
export async function ensureImage(recipe: string, rebuild: boolean): Promise<GuestImage> {
  const say = (s: string) => process.stderr.write(`dockspec vm: ${s}\n`);
  const root = cacheRoot();
  const key = recipeKey(recipe);
  const dir = join(root, key);
  if (!rebuild && complete(dir)) {
    say(`guest image ${dir} (cached)`);
    return imageAt(dir);
  }
  if (process.getuid?.() !== 0) throw new Error(`building the guest image needs root (debootstrap, chroot, mount); run as root or point DOCKSPEC_VM_CACHE at a built image`);
  mkdirSync(root, { recursive: true });
  // one build at a time per key; a dead builder's lock is taken over (lib/dir-lock.ts)
  const unlock = await waitForLock(join(root, `${key}.lock`), {
    intervalMs: 2000,
    onWait: (owner) => say(`waiting for another build of the guest image (pid ${owner || '?'})`),
  });
  try {
    if (!rebuild && complete(dir)) {
      say(`guest image ${dir} (built meanwhile)`);
      return imageAt(dir);
    }
    const partial = join(root, `${key}.partial`);
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    const mirror = debianMirror();
    const started = Date.now();
    say(`building the guest image from ${mirror} into ${dir} (a few minutes, once per recipe)`);
    const code = await runRecipe(recipe, partial, mirror);
    if (code !== 0 || !complete(partial)) {
      rmSync(partial, { recursive: true, force: true });
      throw new Error(`building the guest image failed (exit ${code}); the recipe is ${recipe}`);
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
    say(`guest image built in ${Math.round((Date.now() - started) / 1000)} s`);
    return imageAt(dir);
  } finally {
    unlock();
  }
}
