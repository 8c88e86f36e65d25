// The contract's field numbers on exact bytes: what real containerd 1.6 sends the shim and reads
// back (checked against containerd 1.6.20: `ctr events` decodes a TaskExit forwarded with these).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from './protos.js';
import { packMessage, unpackMessage, packJson, unpackJson, PROCESS_TYPE } from './any.js';
import { fromTimestamp, toTimestamp } from './timestamp.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const str = (field: number, s: string) => hex(Buffer.concat([Buffer.from([(field << 3) | 2, s.length]), Buffer.from(s, 'latin1')]));
/** a length-delimited field holding already-encoded bytes (given in hex) */
const msg = (field: number, innerHex: string) => ((field << 3) | 2).toString(16).padStart(2, '0') + (innerHex.length / 2).toString(16).padStart(2, '0') + innerHex;

test('containerd.events.TaskExit: container_id=1, id=2, pid=3, exit_status=4, exited_at=5', () => {
  const b = encode('containerd.events.TaskExit', { containerId: 'c', id: 'e', pid: 7, exitStatus: 137, exitedAt: { seconds: 2, nanos: 3 } });
  assert.equal(hex(b), str(1, 'c') + str(2, 'e') + '1807' + '208901' + '2a04' + '0802' + '1003');
});

test('containerd.task.v2: CreateTaskRequest options=10, DeleteResponse pid=1 exit_status=2 exited_at=3, StateResponse status=4 exec_id=11', () => {
  const opts = packMessage('containerd.runc.v1.Options', { binaryName: 'runc', root: '/r' });
  assert.equal(hex(opts.value), str(6, 'runc') + str(7, '/r'));
  const create = encode('containerd.task.v2.CreateTaskRequest', { id: 'c', bundle: '/b', stdout: '/o', options: opts });
  assert.equal(hex(create), str(1, 'c') + str(2, '/b') + str(6, '/o') + msg(10, str(1, 'containerd.runc.v1.Options') + msg(2, hex(opts.value))));
  assert.deepEqual(unpackMessage(decode<{ options: never }>('containerd.task.v2.CreateTaskRequest', create).options, 'containerd.runc.v1.Options'), {
    noPivotRoot: false, noNewKeyring: false, shimCgroup: '', ioUid: 0, ioGid: 0, binaryName: 'runc', root: '/r', criuPath: '', systemdCgroup: false, criuImagePath: '', criuWorkPath: '',
  });
  assert.equal(hex(encode('containerd.task.v2.DeleteResponse', { pid: 1, exitStatus: 2, exitedAt: { seconds: 3 } })), '0801' + '1002' + '1a02' + '0803');
  const state = encode('containerd.task.v2.StateResponse', { id: 'c', pid: 9, status: 'STOPPED', exitStatus: 1, execId: 'x' });
  assert.equal(hex(state), str(1, 'c') + '1809' + '2003' + '4801' + '5a0178');
  assert.equal(decode<{ status: string }>('containerd.task.v2.StateResponse', state).status, 'STOPPED');
  assert.equal(hex(encode('containerd.task.v2.KillRequest', { id: 'c', signal: 9, all: true })), str(1, 'c') + '1809' + '2001');
  assert.equal(hex(encode('containerd.task.v2.ConnectResponse', { shimPid: 1, taskPid: 2 })), '0801' + '1002');
});

test('the ttrpc events envelope: ForwardRequest{envelope=1{timestamp=1, namespace=2, topic=3, event=4}}', () => {
  const event = packMessage('containerd.events.TaskStart', { containerId: 'c', pid: 5 });
  const b = encode('containerd.services.events.ttrpc.v1.ForwardRequest', { envelope: { namespace: 'moby', topic: '/tasks/start', event } });
  const inner = str(2, 'moby') + str(3, '/tasks/start') + msg(4, str(1, 'containerd.events.TaskStart') + msg(2, str(1, 'c') + '1005'));
  assert.equal(hex(b), msg(1, inner));
});

test('JSON values in an Any keep their bare type URL', () => {
  const any = packJson(PROCESS_TYPE, { args: ['sh'] });
  assert.equal(any.typeUrl, 'types.containerd.io/opencontainers/runtime-spec/1/Process');
  assert.deepEqual(unpackJson(any, PROCESS_TYPE), { args: ['sh'] });
  assert.throws(() => unpackJson(any, 'other'), /expected other, got type URL types\.containerd\.io/);
});

test('timestamps round-trip with nanoseconds; a missing one reads as Go\'s zero time', () => {
  assert.deepEqual(toTimestamp('2026-01-02T03:04:05.000000123Z'), { seconds: 1767323045, nanos: 123 });
  assert.equal(fromTimestamp({ seconds: 1767323045, nanos: 123 }), '2026-01-02T03:04:05.000000123Z');
  assert.equal(fromTimestamp({ seconds: 1767323045, nanos: 0 }), '2026-01-02T03:04:05Z');
  assert.equal(fromTimestamp(null), '0001-01-01T00:00:00Z');
});

test('cgroups Metrics: v1 pids=2{current=1}, memory=4{usage=33{usage=2}}; v2 memory=4{usage=32}, memory_events=8{oom=4}', () => {
  assert.equal(hex(encode('io.containerd.cgroups.v1.Metrics', { pids: { current: 3 }, memory: { usage: { usage: 5 } } })), '12020803' + '22058a02021005');
  assert.equal(hex(encode('io.containerd.cgroups.v2.Metrics', { memory: { usage: 5 }, memoryEvents: { oom: 1 } })), '2203800205' + '42022001');
});
