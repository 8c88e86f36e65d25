import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ipam, macFromIp, subnetOf } from './ipam.js';

function tmpFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ipam-')), 'ipam.json');
}

test('MAC addresses are 02:42 and the IPv4 bytes, as Docker makes them', () => {
  assert.equal(macFromIp('10.231.9.2'), '02:42:0a:e7:09:02');
  assert.equal(macFromIp('172.17.0.2'), '02:42:ac:11:00:02');
});

test('subnet arithmetic', () => {
  assert.deepEqual(subnetOf('10.231.9.1', 24), { network: '10.231.9.0', broadcast: '10.231.9.255', cidr: '10.231.9.0/24' });
  assert.deepEqual(subnetOf('172.17.0.1', 16), { network: '172.17.0.0', broadcast: '172.17.255.255', cidr: '172.17.0.0/16' });
});

test('the lowest free address is given, never the gateway, and a released one is reused', () => {
  const file = tmpFile();
  const ipam = new Ipam(file, '10.231.9.1', 24);
  assert.equal(ipam.allocate('a'), '10.231.9.2');
  assert.equal(ipam.allocate('b'), '10.231.9.3');
  assert.equal(ipam.allocate('a'), '10.231.9.2', 'an owner keeps its address');
  ipam.release('10.231.9.2');
  assert.equal(ipam.allocate('c'), '10.231.9.2');
});

test('allocations survive a restart; a re-addressed bridge forgets them', () => {
  const file = tmpFile();
  new Ipam(file, '10.231.9.1', 24).allocate('a');
  assert.equal(new Ipam(file, '10.231.9.1', 24).allocate('b'), '10.231.9.3');
  assert.equal(new Ipam(file, '10.231.10.1', 24).allocate('b'), '10.231.10.2');
});

test('a gateway that is not the first address is skipped, and a /30 runs out', () => {
  const ipam = new Ipam(tmpFile(), '10.231.9.2', 30);
  assert.equal(ipam.allocate('a'), '10.231.9.1');
  assert.equal(ipam.allocate('b'), undefined);
});
