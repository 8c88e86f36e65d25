import test from 'node:test';
import assert from 'node:assert/strict';
import { HOST_CONFIG_GO_TYPE, newHostConfig, shownDefaults } from './host-config.js';
import { CONTAINER_CONFIG_WRAPPER, typeError } from './api/go-json.js';

const v1 = { defaultRuntime: 'runc', cgroupVersion: '1' as const };
const v2 = { defaultRuntime: 'ref-runc', cgroupVersion: '2' as const };

test('create keeps what the request gave and fills the kept defaults where it left them unset', () => {
  const hc = newHostConfig({ Memory: 67108864, ShmSize: 0, NetworkMode: '', RestartPolicy: { Name: '', MaximumRetryCount: 3 }, Init: true, Dns: ['1.1.1.1'] }, v2);
  assert.equal(hc.Memory, 67108864);
  assert.equal(hc.ShmSize, 67108864, 'ShmSize 0 means the default 64 MiB');
  assert.equal(hc.NetworkMode, 'default');
  assert.deepEqual(hc.RestartPolicy, { Name: 'no', MaximumRetryCount: 0 });
  assert.equal(hc.Runtime, 'ref-runc', "the daemon's default runtime");
  assert.equal(hc.CgroupnsMode, 'private', 'private on a cgroup v2 host');
  assert.equal(newHostConfig({}, v1).CgroupnsMode, 'host');
  assert.equal(hc.Init, true);
  assert.equal('Init' in newHostConfig({}, v1), false, 'Init stays unset: the daemon decides at start');
  assert.deepEqual(hc.Dns, ['1.1.1.1']);
  assert.equal('Dns' in newHostConfig({}, v1), false, 'fields without a kept default are not written');
  assert.deepEqual(newHostConfig({ LogConfig: { Type: 'none', Config: {} } }, v1).LogConfig, { Type: 'json-file', Config: {} });
});

test('defaults are copies: editing a record does not change the next one', () => {
  const a = newHostConfig({}, v1);
  a.PortBindings['80/tcp'] = [{ HostIp: '', HostPort: '8080' }];
  assert.deepEqual(newHostConfig({}, v1).PortBindings, {});
  const shown = shownDefaults(v1);
  (shown.MaskedPaths as string[]).push('/x');
  assert.equal((shownDefaults(v1).MaskedPaths as string[]).includes('/x'), false);
});

test('inspect shows every declared default, and none for the fields dockerd omits', () => {
  const shown = shownDefaults(v1);
  assert.equal(shown.Runtime, 'runc');
  assert.equal(shown.IpcMode, 'private');
  assert.equal('MemorySwap' in shown, false);
  assert.equal('Init' in shown, false);
});

test('the create decoder checks HostConfig against the same table', () => {
  assert.equal(HOST_CONFIG_GO_TYPE.name, 'container.HostConfig');
  assert.equal(
    typeError({ HostConfig: { PidsLimit: 'x' } }, CONTAINER_CONFIG_WRAPPER),
    'json: cannot unmarshal string into Go struct field HostConfig.HostConfig.PidsLimit of type int64',
  );
  assert.equal(
    typeError({ HostConfig: { PortBindings: { '80/tcp': [{ HostPort: 80 }] } } }, CONTAINER_CONFIG_WRAPPER),
    'json: cannot unmarshal number into Go struct field PortBinding.HostConfig.PortBindings.HostPort of type string',
  );
  assert.equal(typeError({ HostConfig: { Init: null, PidsLimit: null } }, CONTAINER_CONFIG_WRAPPER), undefined);
});
