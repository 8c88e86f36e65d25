import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSpec, tmpfsOptions } from './bundle.js';
import type { Container } from './container-store.js';
import { initialState } from './container.js';

test('--tmpfs options: dockerd\'s defaults, then the user\'s, a later one replacing the same flag or key', () => {
  // measured with 20.10.24: `--tmpfs /tmp` → config.json options
  assert.deepEqual(tmpfsOptions(''), ['noexec', 'nosuid', 'nodev', 'rprivate']);
  assert.deepEqual(tmpfsOptions('exec,size=64m'), ['nosuid', 'nodev', 'rprivate', 'exec', 'size=64m']);
  assert.deepEqual(tmpfsOptions('size=1m,size=2m,ro'), ['noexec', 'nosuid', 'nodev', 'rprivate', 'size=2m', 'ro']);
  assert.throws(() => tmpfsOptions('bogus=1'), /Invalid tmpfs option \["bogus" "1"\]/);
});

function container(hostConfig: Record<string, unknown>): Container {
  const id = 'a'.repeat(64);
  return {
    rec: {
      ID: id, Created: '', Path: 'sh', Args: [], Config: { Hostname: 'h', User: '', WorkingDir: '' }, State: initialState(), Image: '', Name: '/c',
      LogPath: '', ResolvConfPath: '/c/resolv.conf', HostnamePath: '/c/hostname', HostsPath: '/c/hosts', RestartCount: 0, Driver: 'overlay2',
    },
    hostConfig: { Binds: null, NetworkMode: 'default', PortBindings: {}, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, AutoRemove: false, Runtime: 'runc',
      PublishAllPorts: false, Privileged: false, Memory: 0, NanoCpus: 0, CpuShares: 0, PidsLimit: null, ShmSize: 0, ...hostConfig },
  } as unknown as Container;
}

test('cgroupsPath is <parent>/<id> as dockerd joins it; a relative parent stays relative', () => {
  const id = 'a'.repeat(64);
  const path = (hc: Record<string, unknown>, parent?: string) =>
    (buildSpec({ container: container(hc), rootfs: '/nonexistent', args: ['sh'], env: [], cgroupParent: parent }).linux as { cgroupsPath: string }).cgroupsPath;
  assert.equal(path({}), `/docker/${id}`);
  assert.equal(path({}, 'dockspec-1'), `dockspec-1/${id}`);
  assert.equal(path({}, '/p/'), `/p/${id}`);
  assert.equal(path({ CgroupParent: 'mine' }, 'dockspec-1'), `mine/${id}`);
});

test('--tmpfs becomes a tmpfs mount in the bundle', () => {
  const spec = buildSpec({ container: container({ Tmpfs: { '/tmp': '' } }), rootfs: '/nonexistent', args: ['sh'], env: [] });
  const tmp = (spec.mounts as Array<Record<string, unknown>>).find((m) => m.destination === '/tmp');
  assert.deepEqual(tmp, { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'rprivate'] });
});
