import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseShimFlags, serveArgs } from './shim-flags.js';
import { shimSocketPath } from '../../api/shim-address.js';

test("the shim takes containerd-shim-runc-v2's flags", () => {
  const f = parseShimFlags(['-namespace', 'moby', '-id', 'abc', '-address', '/run/c.sock', '-publish-binary', '/x', '--debug', 'start']);
  assert.deepEqual(f, { namespace: 'moby', id: 'abc', address: '/run/c.sock', publishBinary: '/x', bundle: undefined, debug: true, action: 'start' });
  assert.equal(parseShimFlags(['--id=a', '-address=/s']).action, undefined);
  assert.deepEqual(serveArgs(f), ['-namespace', 'moby', '-id', 'abc', '-address', '/run/c.sock']);
  assert.throws(() => parseShimFlags(['-id', 'a']), /address must be set/);
  assert.throws(() => parseShimFlags(['-id', 'a', '-address', '/s', '-bogus']), /flag provided but not defined: -bogus/);
});

test('shim sockets sit beside containerd\'s and fit in sun_path', () => {
  const id = 'f'.repeat(64);
  const p = shimSocketPath('/run/ref-docker/containerd/containerd.sock', 'moby', id);
  assert.match(p, /^\/run\/ref-docker\/containerd\/s\/[0-9a-f]{64}$/);
  assert.equal(p, shimSocketPath('unix:///run/ref-docker/containerd/containerd.sock', 'moby', id));
  assert.notEqual(p, shimSocketPath('/run/ref-docker/containerd/containerd.sock', 'moby', 'e'.repeat(64)));
  const deep = '/tmp/' + 'd'.repeat(60) + '/containerd/containerd.sock';
  assert.ok(shimSocketPath(deep, 'moby', id).length <= 107);
});
