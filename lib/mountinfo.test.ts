import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountPointsUnder, parseMountinfo, readMounts } from './mountinfo.js';

test('mountinfo lines: optional fields of any number, octal escapes in paths, non-mount lines skipped', () => {
  const text = [
    '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro',
    '30 22 0:26 /docker/abc /sys/fs/cgroup/memory rw,nosuid shared:14 master:3 - cgroup cgroup rw,memory',
    '41 22 0:50 / /tmp/dsp/engines/e1/my\\040dir ro - overlay overlay rw,lowerdir=/l',
    '42 22 0:51 / /tmp/dsp/engines/e10 rw - tmpfs tmpfs rw',
    'not a mount line',
    '',
  ].join('\n');
  const mounts = parseMountinfo(text);
  assert.equal(mounts.length, 4);
  assert.deepEqual(mounts[1], {
    id: 30,
    parent: 22,
    root: '/docker/abc',
    mountPoint: '/sys/fs/cgroup/memory',
    options: ['rw', 'nosuid'],
    fsType: 'cgroup',
    source: 'cgroup',
    superOptions: ['rw', 'memory'],
  });
  assert.equal(mounts[2].mountPoint, '/tmp/dsp/engines/e1/my dir');
  assert.deepEqual(mounts[2].options, ['ro']);
  // e10 is not under e1
  assert.deepEqual(mountPointsUnder('/tmp/dsp/engines/e1', mounts), ['/tmp/dsp/engines/e1/my dir']);
});

test('this process sees its root mount', () => {
  assert.ok(readMounts().some((m) => m.mountPoint === '/'));
  assert.deepEqual(readMounts(2 ** 22 + 1), []);
});
