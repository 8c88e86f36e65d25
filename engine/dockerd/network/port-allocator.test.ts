import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PortAllocatedError, PortAllocator, PortsExhaustedError, dynamicPortRange } from './port-allocator.js';

test('an exact duplicate is refused with the address Docker names', () => {
  const a = new PortAllocator([32768, 60999]);
  assert.equal(a.request('tcp', '0.0.0.0', 8080), 8080);
  assert.throws(() => a.request('tcp', '0.0.0.0', 8080), (e) => e instanceof PortAllocatedError && e.message === 'Bind for 0.0.0.0:8080 failed: port is already allocated');
  assert.throws(() => a.request('tcp', '::', 8080) && a.request('tcp', '::', 8080), /Bind for :::8080 failed: port is already allocated/);
});

test('different host addresses and protocols do not conflict in the allocator (the kernel decides)', () => {
  const a = new PortAllocator([32768, 60999]);
  a.request('tcp', '0.0.0.0', 8081);
  assert.equal(a.request('tcp', '127.0.0.1', 8081), 8081);
  assert.equal(a.request('tcp', '127.0.0.2', 8081), 8081);
  assert.equal(a.request('udp', '0.0.0.0', 8081), 8081);
});

test('ephemeral ports start at the range start and continue after the last one given', () => {
  const a = new PortAllocator([32768, 32770]);
  assert.equal(a.request('tcp', '0.0.0.0', 0), 32768);
  assert.equal(a.request('tcp', '0.0.0.0', 0), 32769);
  a.release('tcp', '0.0.0.0', 32768);
  assert.equal(a.request('tcp', '0.0.0.0', 0), 32770);
  assert.equal(a.request('tcp', '0.0.0.0', 0), 32768);
  assert.throws(() => a.request('tcp', '0.0.0.0', 0), PortsExhaustedError);
  assert.equal(a.request('tcp', '127.0.0.1', 0), 32768, 'each address has its own map');
});

test('a host port range takes the first free port in it', () => {
  const a = new PortAllocator([32768, 60999]);
  a.request('tcp', '0.0.0.0', 8000);
  assert.equal(a.request('tcp', '0.0.0.0', 0, 8000, 8002), 8001);
});

test('the dynamic range is the kernel\'s ephemeral range, else 49153-65535', () => {
  assert.deepEqual(dynamicPortRange('/nonexistent'), [49153, 65535]);
  const [lo, hi] = dynamicPortRange();
  assert.ok(lo > 0 && hi >= lo);
});
