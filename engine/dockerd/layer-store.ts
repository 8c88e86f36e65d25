// Container root filesystems: an overlay whose lower layer is the image's unpacked rootfs and
// whose upper/work directories are the container's own, under <data-root>/overlay/<id>/. Mounted
// when the container starts, unmounted when it stops, like dockerd's overlay2 driver.
import fs from 'node:fs';
import path from 'node:path';
import { readMounts } from '../../lib/mountinfo.js';

export class LayerStore {
  readonly root: string;

  constructor(dataRoot: string) {
    this.root = path.join(dataRoot, 'overlay');
  }

  paths(id: string) {
    const dir = path.join(this.root, id);
    return { dir, diff: path.join(dir, 'diff'), work: path.join(dir, 'work'), merged: path.join(dir, 'merged') };
  }

  create(id: string): void {
    const p = this.paths(id);
    for (const d of [p.diff, p.work, p.merged]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  }

  isMounted(target: string): boolean {
    return readMounts().some((m) => m.mountPoint === target);
  }

  async mount(id: string, lower: string): Promise<string> {
    const p = this.paths(id);
    this.create(id);
    if (this.isMounted(p.merged)) return p.merged;
    const { mount } = await import('../../lib/libc.js');
    mount('overlay', p.merged, 'overlay', 0, `lowerdir=${lower},upperdir=${p.diff},workdir=${p.work}`);
    return p.merged;
  }

  async unmount(id: string): Promise<void> {
    const p = this.paths(id);
    if (!this.isMounted(p.merged)) return;
    const { umount, MNT_DETACH } = await import('../../lib/libc.js');
    umount(p.merged, MNT_DETACH);
  }

  async remove(id: string): Promise<void> {
    await this.unmount(id);
    fs.rmSync(this.paths(id).dir, { recursive: true, force: true });
  }
}
