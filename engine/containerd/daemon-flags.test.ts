import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags } from './daemon.js';

test("ref-containerd reads containerd's flags as Go's flag package does", () => {
  const f = parseFlags(['--address', 'unix:///r/c.sock', '-root=/var/lib/x', '--state', '/run/x', '-l', 'debug', '--pidfile', '/run/x/c.pid']);
  assert.deepEqual(f, { address: '/r/c.sock', root: '/var/lib/x', state: '/run/x', logLevel: 'debug', pidfile: '/run/x/c.pid' });
  assert.equal(parseFlags([]).address, '/run/ref-containerd/containerd.sock');
  assert.throws(() => parseFlags(['--nope']), /^Error: flag provided but not defined: -nope$/);
  assert.throws(() => parseFlags(['--root']), /^Error: flag needs an argument: -root$/);
  assert.throws(() => parseFlags(['config', 'dump']), /flag provided but not defined: config/);
});
