import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseArgs } from './args.js';
import { listenError } from './go-errors.js';

test('docker-proxy\'s flags in all of Go\'s spellings', () => {
  assert.deepEqual(parseArgs(['-proto', 'tcp', '-host-ip', '0.0.0.0', '-host-port', '8080', '-container-ip', '10.231.9.2', '-container-port', '80']), {
    proto: 'tcp',
    hostIp: '0.0.0.0',
    hostPort: 8080,
    containerIp: '10.231.9.2',
    containerPort: 80,
  });
  assert.deepEqual(parseArgs(['--proto=udp', '-host-ip=::', '--host-port', '53']), { proto: 'udp', hostIp: '::', hostPort: 53, containerIp: '', containerPort: -1 });
});

test('unknown flags and bad numbers give Go\'s texts', () => {
  assert.throws(() => parseArgs(['-bogus']), (e) => e instanceof FlagError && e.message === 'flag provided but not defined: -bogus');
  assert.throws(() => parseArgs(['-host-port', 'x']), /invalid value "x" for flag -host-port: parse error/);
  assert.throws(() => parseArgs(['-host-port']), /flag needs an argument: -host-port/);
});

test('bind errors read like Go\'s net package (measured on docker-proxy 20.10)', () => {
  const inUse = Object.assign(new Error('listen EADDRINUSE: address already in use 0.0.0.0:8090'), { code: 'EADDRINUSE', syscall: 'listen' });
  assert.equal(listenError('tcp', '0.0.0.0', 8090, inUse), 'listen tcp4 0.0.0.0:8090: bind: address already in use');
  assert.equal(listenError('tcp', '::', 8090, inUse), 'listen tcp6 [::]:8090: bind: address already in use');
  const notAvail = Object.assign(new Error('x'), { code: 'EADDRNOTAVAIL' });
  assert.equal(listenError('tcp', '10.231.99.1', 8090, notAvail), 'listen tcp4 10.231.99.1:8090: bind: cannot assign requested address');
  const odd = Object.assign(new Error('listen ENOBUFS: no buffer space available 0.0.0.0:1'), { code: 'ENOBUFS' });
  assert.equal(listenError('udp', '0.0.0.0', 1, odd), 'listen udp4 0.0.0.0:1: bind: no buffer space available');
});
