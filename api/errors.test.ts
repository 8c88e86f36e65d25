import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GrpcStatus, TaskError, asTaskError, eventRequired, fromGrpcStatus, grpcCodeOf, namespaceRequired, notFound, notImplemented, toStatus, unavailable } from './errors.js';

test('gRPC codes map to TaskServiceError codes with errdefs class suffixes', () => {
  const nf = fromGrpcStatus(GrpcStatus.NOT_FOUND, 'task x');
  assert.equal(nf.code, 'not-found');
  assert.equal(nf.message, 'task x: not found');
  assert.equal(fromGrpcStatus(GrpcStatus.FAILED_PRECONDITION, 'p').code, 'failed-precondition');
  assert.equal(fromGrpcStatus(GrpcStatus.ALREADY_EXISTS, 'a').code, 'already-exists');
  const unk = fromGrpcStatus(GrpcStatus.UNKNOWN, 'failed to create shim task: OCI runtime create failed: x');
  assert.equal(unk.message, 'failed to create shim task: OCI runtime create failed: x: unknown');
  assert.equal(fromGrpcStatus(13, 'internal').code, 'unknown');
});

test('containerd down reads as Docker shows it', () => {
  const refused = fromGrpcStatus(GrpcStatus.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED /r/c.sock', '/r/c.sock');
  assert.equal(refused.code, 'unavailable');
  assert.equal(refused.message, 'connection error: desc = "transport: error while dialing: dial unix /r/c.sock: connect: connection refused": unavailable');
  assert.match(unavailable('unix:///r/c.sock', 'connect ENOENT /r/c.sock').message, /dial unix \/r\/c\.sock: connect: no such file or directory/);
});

test('errors keep their class across the wire', () => {
  assert.equal(grpcCodeOf('not-found'), GrpcStatus.NOT_FOUND);
  assert.equal(asTaskError(new TaskError('already-exists', 'x')).code, 'already-exists');
  assert.equal(asTaskError(Object.assign(new Error('y'), { code: 'failed-precondition' })).code, 'failed-precondition');
  assert.equal(asTaskError(Object.assign(new Error('z'), { code: 'ENOENT' })).code, 'unknown');
});

test('on the wire an error carries its class once, as errdefs.ToGRPC writes it', () => {
  assert.deepEqual(toStatus(notFound('process already finished')), { code: 5, message: 'process already finished: not found' });
  assert.deepEqual(toStatus(notImplemented('stats')), { code: 12, message: 'stats: not implemented' });
  assert.deepEqual(toStatus(new Error('OCI runtime start failed: x')), { code: 2, message: 'OCI runtime start failed: x: unknown' });
  // a Go peer's message already ends with its class: not doubled on the way back
  assert.equal(fromGrpcStatus(5, 'process already finished: not found').message, 'process already finished: not found');
  assert.equal(fromGrpcStatus(12, 'method Stats').code, 'not-implemented');
});

test("containerd's request errors read as containerd writes them, on gRPC and ttrpc alike", () => {
  assert.deepEqual(toStatus(namespaceRequired()), { code: GrpcStatus.FAILED_PRECONDITION, message: 'namespace is required: failed precondition' });
  assert.deepEqual(toStatus(eventRequired()), { code: GrpcStatus.INVALID_ARGUMENT, message: 'event must be set: invalid argument' });
  // an error that names its own code (the metadata store's, the filters') keeps it, and gets its class once
  const own = Object.assign(new Error('restoring from a checkpoint is not supported'), { grpcCode: GrpcStatus.UNIMPLEMENTED });
  assert.deepEqual(toStatus(own), { code: GrpcStatus.UNIMPLEMENTED, message: 'restoring from a checkpoint is not supported: not implemented' });
  const topic = Object.assign(new Error('must start with \'/\' and have a component: "x": invalid argument'), { grpcCode: GrpcStatus.INVALID_ARGUMENT });
  assert.equal(toStatus(topic).message, 'must start with \'/\' and have a component: "x": invalid argument');
  assert.equal(toStatus(Object.assign(new Error('odd'), { grpcCode: GrpcStatus.INTERNAL })).message, 'odd: unknown');
});
