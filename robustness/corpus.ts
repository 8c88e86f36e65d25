// The bad-input corpus: malformed and hostile Engine API requests, sent raw over the unix socket.
// What each one must get back is not written here: it was measured by sending the same bytes to a
// real dockerd (robustness/record.ts writes robustness/corpus/docker-20.10.json) and the reference
// must answer alike. A case may carry a `deviation`: the reference is allowed to differ, for the
// reason given, and then only liveness and the escape checks apply.
import { tar, TarEntry } from './tar.js';

export const IMAGE = 'dockspec/busybox:latest';

/** Files a hostile archive or name tries to create on the host; none may exist after the corpus. */
export const ESCAPE_TARGETS = [
  '/etc/dockspec-pwned',
  '/tmp/dockspec-pwned',
  '/tmp/dockspec-pwned-abs',
  '/tmp/dockspec-pwned-dotdot',
  '/tmp/dockspec-pwned-link',
  '/tmp/dockspec-pwned-hard',
  '/etc/pwned',
  '/tmp/pwned',
];

export interface Case {
  id: string;
  what: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** request body; a generator sends it in pieces (huge bodies) */
  body?: Buffer | string | (() => Iterable<Buffer>);
  /** the whole request, bytes as they are, when the request itself is malformed */
  raw?: Buffer;
  /** length for Content-Length when the body is a generator */
  length?: number;
  /** the reference may differ from Docker here, for this reason */
  deviation?: string;
}

const json = (v: unknown) => JSON.stringify(v);
const create = (id: string, what: string, body: string | Buffer, name?: string, headers?: Record<string, string>): Case => ({
  id,
  what,
  method: 'POST',
  path: `/v1.41/containers/create${name === undefined ? '' : `?name=${name}`}`,
  headers: { 'Content-Type': 'application/json', ...headers },
  body,
});
const withHost = (hc: unknown, extra: Record<string, unknown> = {}) => json({ Image: IMAGE, Cmd: ['true'], ...extra, HostConfig: hc });
const importTar = (id: string, what: string, entries: TarEntry[] | Buffer, deviation?: string): Case => ({
  id,
  what,
  method: 'POST',
  path: `/v1.41/images/create?fromSrc=-&repo=dockspec/hostile&tag=${id.replace(/[^a-z0-9]/g, '')}`,
  headers: { 'Content-Type': 'application/x-tar' },
  body: Buffer.isBuffer(entries) ? entries : tar(entries),
  deviation,
});

const MiB = 1024 * 1024;

/** `n` bytes of JSON: an object whose one label holds a long string. */
function* bigLabel(n: number): Iterable<Buffer> {
  const head = Buffer.from(`{"Image":"${IMAGE}","Cmd":["true"],"Labels":{"big":"`);
  const tail = Buffer.from('"}}');
  let left = n - head.length - tail.length;
  yield head;
  const block = Buffer.alloc(MiB, 'a');
  while (left > 0) {
    const k = Math.min(left, block.length);
    yield block.subarray(0, k);
    left -= k;
  }
  yield tail;
}

function* repeat(s: string, n: number): Iterable<Buffer> {
  const block = Buffer.from(s.repeat(Math.ceil(MiB / s.length)).slice(0, MiB));
  let left = n;
  while (left > 0) {
    const k = Math.min(left, block.length);
    yield block.subarray(0, k);
    left -= k;
  }
}

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

export const CORPUS: Case[] = [
  // ---- bad JSON -------------------------------------------------------------------------
  create('json.empty-body', 'create with no body at all', ''),
  create('json.truncated', 'a JSON object cut short', '{"Image":"dockspec/busybox'),
  create('json.not-json', 'plain words instead of JSON', 'hello daemon'),
  create('json.array', 'a JSON array instead of an object', '[]'),
  create('json.string', 'a JSON string instead of an object', '"busybox"'),
  create('json.null', 'JSON null', 'null'),
  create('json.trailing-garbage', 'a valid object followed by garbage (Go decodes the first value only)', `${json({ Image: IMAGE, Cmd: ['true'] })} }}}garbage`),
  create('json.deep-nesting', '100 000 nested arrays as a field value', `{"Image":"${IMAGE}","Cmd":${nested(100000)}}`),
  create('json.invalid-utf8', 'a string with bytes that are not UTF-8', Buffer.concat([Buffer.from(`{"Image":"${IMAGE}","Cmd":["echo","`), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"]}')])),
  create('json.nul-byte', 'a NUL byte inside the JSON text', `{"Image":"${IMAGE}",\u0000"Cmd":["true"]}`),
  create('json.content-type-text', 'valid JSON sent as text/plain', json({ Image: IMAGE, Cmd: ['true'] }), undefined, { 'Content-Type': 'text/plain' }),
  // ---- wrong types ----------------------------------------------------------------------
  create('types.image-number', 'Image is a number', json({ Image: 5, Cmd: ['true'] })),
  create('types.cmd-string', 'Cmd is a string (the API accepts a string for a string list)', json({ Image: IMAGE, Cmd: 'true' })),
  create('types.cmd-numbers', 'Cmd is a list of numbers', json({ Image: IMAGE, Cmd: [1, 2] })),
  create('types.env-string', 'Env is a string', json({ Image: IMAGE, Cmd: ['true'], Env: 'A=B' })),
  create('types.env-numbers', 'Env is a list of numbers', json({ Image: IMAGE, Cmd: ['true'], Env: [1] })),
  create('types.labels-array', 'Labels is a list', json({ Image: IMAGE, Cmd: ['true'], Labels: ['a'] })),
  create('types.tty-string', 'Tty is a string', json({ Image: IMAGE, Cmd: ['true'], Tty: 'yes' })),
  create('types.stoptimeout-string', 'StopTimeout is a string', json({ Image: IMAGE, Cmd: ['true'], StopTimeout: 'ten' })),
  create('types.hostconfig-string', 'HostConfig is a string', json({ Image: IMAGE, Cmd: ['true'], HostConfig: 'x' })),
  create('types.memory-string', 'HostConfig.Memory is a string', withHost({ Memory: 'lots' })),
  create('types.exposedports-array', 'ExposedPorts is a list', json({ Image: IMAGE, Cmd: ['true'], ExposedPorts: ['80/tcp'] })),
  create('types.portbindings-string', 'a port binding is a string, not a list', withHost({ PortBindings: { '80/tcp': '8080' } })),
  {
    ...create('types.image-empty', 'Image is empty', json({ Image: '', Cmd: ['true'] })),
    deviation: 'dockerd 20.10 creates a container without an image (it cannot start); the reference refuses with "Config cannot be empty"',
  },
  create('types.image-invalid-ref', 'Image is not a valid reference', json({ Image: 'UPPER/Case::x', Cmd: ['true'] })),
  create('types.image-missing', 'an image that does not exist', json({ Image: 'dockspec/absent:nope', Cmd: ['true'] })),
  // ---- invalid names --------------------------------------------------------------------
  create('names.one-char', 'a one-character name', json({ Image: IMAGE, Cmd: ['true'] }), 'a'),
  create('names.leading-dash', 'a name starting with a dash', json({ Image: IMAGE, Cmd: ['true'] }), '-bad'),
  create('names.dotdot', 'a name that is a path upwards', json({ Image: IMAGE, Cmd: ['true'] }), '..%2F..%2Fetc%2Fdockspec-pwned'),
  create('names.slash-inside', 'a name with a slash inside', json({ Image: IMAGE, Cmd: ['true'] }), 'a%2Fb'),
  create('names.nul', 'a name with a NUL byte', json({ Image: IMAGE, Cmd: ['true'] }), 'ab%00cd'),
  create('names.space', 'a name with a space', json({ Image: IMAGE, Cmd: ['true'] }), 'with%20space'),
  create('names.unicode', 'a name with non-ASCII letters', json({ Image: IMAGE, Cmd: ['true'] }), '%C3%BCn%C3%AFcode'),
  create('names.newline', 'a name with a newline (log injection)', json({ Image: IMAGE, Cmd: ['true'] }), 'ab%0Atime%3D%22forged%22'),
  create('names.very-long', 'a valid name of 300 characters is accepted', json({ Image: IMAGE, Cmd: ['true'] }), `n${'x'.repeat(299)}`),
  // ---- invalid port specs ---------------------------------------------------------------
  create('ports.exposed-not-number', 'ExposedPorts key that is not a number', json({ Image: IMAGE, Cmd: ['true'], ExposedPorts: { 'abc/tcp': {} } })),
  create('ports.exposed-bad-proto', 'ExposedPorts key with an unknown protocol', json({ Image: IMAGE, Cmd: ['true'], ExposedPorts: { '80/sctpx': {} } })),
  create('ports.exposed-too-big', 'ExposedPorts key above 65535', json({ Image: IMAGE, Cmd: ['true'], ExposedPorts: { '70000/tcp': {} } })),
  create('ports.binding-key-not-number', 'PortBindings key that is not a port', withHost({ PortBindings: { 'x/tcp': [{ HostPort: '8080' }] } })),
  create('ports.hostport-not-number', 'HostPort that is not a number', withHost({ PortBindings: { '80/tcp': [{ HostPort: 'abc' }] } })),
  create('ports.hostport-too-big', 'HostPort above 65535', withHost({ PortBindings: { '80/tcp': [{ HostPort: '99999' }] } })),
  create('ports.hostport-negative', 'negative HostPort', withHost({ PortBindings: { '80/tcp': [{ HostPort: '-1' }] } })),
  create('ports.hostip-invalid', 'HostIp that is not an address', withHost({ PortBindings: { '80/tcp': [{ HostIp: 'not-an-ip', HostPort: '8080' }] } })),
  create('ports.range-reversed', 'a port range written backwards', withHost({ PortBindings: { '90-80/tcp': [{ HostPort: '8080' }] } })),
  // ---- routes, versions, query parameters -----------------------------------------------
  { id: 'routes.unknown', what: 'an endpoint that does not exist', method: 'GET', path: '/v1.41/nope' },
  { id: 'routes.unknown-method', what: 'a known path with a method it does not take', method: 'DELETE', path: '/_ping' },
  { id: 'routes.version-too-new', what: 'API version above the daemon\'s', method: 'GET', path: '/v1.99/version' },
  { id: 'routes.version-too-old', what: 'API version below the minimum', method: 'GET', path: '/v0.1/version' },
  { id: 'routes.version-garbage', what: 'a version prefix that is not a version', method: 'GET', path: '/vabc/version' },
  { id: 'routes.version-huge', what: 'a version number that overflows', method: 'GET', path: '/v99999999999999999999.1/version' },
  { id: 'routes.dotdot-path', what: 'a path climbing out of the API', method: 'GET', path: '/v1.41/../../etc/passwd' },
  { id: 'routes.encoded-dotdot-id', what: 'a container id that is an encoded path', method: 'GET', path: '/v1.41/containers/..%2F..%2Fetc%2Fpasswd/json' },
  { id: 'routes.filters-not-json', what: 'a filters parameter that is not JSON', method: 'GET', path: '/v1.41/containers/json?filters=notjson' },
  { id: 'routes.filters-bad-status', what: 'a status filter with an unknown state', method: 'GET', path: `/v1.41/containers/json?all=1&filters=${encodeURIComponent('{"status":["bogus"]}')}` },
  { id: 'routes.images-filters-not-json', what: 'an image filters parameter that is not JSON', method: 'GET', path: '/v1.41/images/json?filters=%7B' },
  { id: 'routes.start-missing', what: 'start a container that does not exist', method: 'POST', path: '/v1.41/containers/nonexistent/start' },
  { id: 'routes.exec-missing', what: 'exec in a container that does not exist', method: 'POST', path: '/v1.41/containers/nonexistent/exec', headers: { 'Content-Type': 'application/json' }, body: json({ Cmd: ['true'] }) },
  { id: 'routes.logs-missing', what: 'logs of a container that does not exist', method: 'GET', path: '/v1.41/containers/nonexistent/logs?stdout=1' },
  { id: 'routes.wait-bad-condition', what: 'wait with an unknown condition', method: 'POST', path: '/v1.41/containers/nonexistent/wait?condition=bogus' },
  // ---- huge and lying bodies ------------------------------------------------------------
  {
    id: 'huge.json-20mib-label',
    what: '20 MiB of valid JSON (one huge label)',
    method: 'POST',
    path: '/v1.41/containers/create?name=huge-label',
    headers: { 'Content-Type': 'application/json' },
    body: () => bigLabel(20 * MiB),
    length: 20 * MiB,
  },
  {
    id: 'huge.unterminated-string-20mib',
    what: '20 MiB of an unterminated JSON string',
    method: 'POST',
    path: '/v1.41/containers/create',
    headers: { 'Content-Type': 'application/json' },
    body: () => [Buffer.from('{"Image":"'), ...repeat('a', 20 * MiB - 10)],
    length: 20 * MiB,
  },
  {
    id: 'huge.whitespace-20mib',
    what: '20 MiB of whitespace before the JSON',
    method: 'POST',
    path: '/v1.41/containers/create',
    headers: { 'Content-Type': 'application/json' },
    body: () => [...repeat(' ', 20 * MiB - 2), Buffer.from('{}')],
    length: 20 * MiB,
  },
  {
    id: 'huge.content-length-lies-short',
    what: 'Content-Length smaller than the body sent',
    method: 'POST',
    path: '/v1.41/containers/create',
    raw: Buffer.from(`POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n${json({ Image: IMAGE, Cmd: ['true'] })}`),
  },
  {
    id: 'http.garbage-request-line',
    what: 'a request line that is not HTTP',
    method: '',
    path: '',
    raw: Buffer.from('HELLO DAEMON\r\n\r\n'),
  },
  {
    id: 'http.header-64kib',
    what: 'one 64 KiB header (Go allows 1 MiB of headers)',
    method: 'GET',
    path: '/_ping',
    headers: { 'X-Padding': 'p'.repeat(64 * 1024) },
    deviation: "Node's HTTP parser answers 431 above 16 KiB of headers where Go's allows 1 MiB; refusing is the safe side",
  },
  {
    id: 'http.header-2mib',
    what: '2 MiB of headers',
    method: 'GET',
    path: '/_ping',
    headers: { 'X-Padding': 'p'.repeat(2 * MiB) },
  },
  {
    id: 'http.bad-content-length',
    what: 'a Content-Length that is not a number',
    method: 'POST',
    path: '/v1.41/containers/create',
    raw: Buffer.from('POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: lots\r\nConnection: close\r\n\r\n{}'),
  },
  // ---- image import: not a tar, torn tars, and archives that try to escape the root --------
  importTar('tar.not-a-tar', 'a body that is not an archive', Buffer.from('hello, this is not a tar\n'.repeat(40))),
  importTar('tar.empty-body', 'an empty body', Buffer.alloc(0)),
  importTar('tar.truncated', 'an archive cut in the middle of a file', tar([{ name: 'a.txt', body: 'x'.repeat(4000) }], { truncate: 1500 })),
  importTar('tar.dotdot', 'an entry named ../../…/tmp/dockspec-pwned-dotdot', [{ name: '../../../../../../../../tmp/dockspec-pwned-dotdot', body: 'pwned\n' }]),
  importTar('tar.dotdot-inside', 'an entry whose `..` stays inside the root', [{ name: 'a/', type: 'dir' }, { name: 'a/../b.txt', body: 'ok\n' }]),
  importTar('tar.absolute', 'an absolute entry /tmp/dockspec-pwned-abs', [{ name: '/tmp/dockspec-pwned-abs', body: 'pwned\n' }]),
  importTar('tar.symlink-dir-escape', 'symlink x -> /etc, then a file x/dockspec-pwned', [
    { name: 'x', type: 'symlink', linkname: '/etc' },
    { name: 'x/dockspec-pwned', body: 'pwned\n' },
  ]),
  importTar('tar.symlink-relative-escape', 'symlink up -> ../../../../../../tmp, then up/dockspec-pwned', [
    { name: 'up', type: 'symlink', linkname: '../../../../../../../../tmp' },
    { name: 'up/dockspec-pwned', body: 'pwned\n' },
  ]),
  importTar('tar.symlink-then-overwrite', 'symlink f -> /tmp/dockspec-pwned-link, then a file f', [
    { name: 'f', type: 'symlink', linkname: '/tmp/dockspec-pwned-link' },
    { name: 'f', body: 'pwned\n' },
  ]),
  importTar('tar.hardlink-absolute', 'a hard link to /etc/passwd', [{ name: 'passwd', type: 'link', linkname: '/etc/passwd' }]),
  importTar('tar.hardlink-dotdot', 'a hard link to ../../../../etc/passwd', [{ name: 'passwd', type: 'link', linkname: '../../../../../../../../etc/passwd' }]),
  importTar('tar.hardlink-through-symlink', 'symlink e -> /etc, then a hard link to e/passwd', [
    { name: 'e', type: 'symlink', linkname: '/etc' },
    { name: 'passwd', type: 'link', linkname: 'e/passwd' },
  ]),
  importTar('tar.hardlink-then-write', 'a hard link to a host file, then file content under its name', [
    { name: 'h', type: 'link', linkname: '/tmp/dockspec-pwned-hard' },
    { name: 'h', body: 'pwned\n' },
  ]),
  importTar('tar.char-device', 'a character device node (/dev/mem)', [{ name: 'mem', type: 'char', mode: 0o666, devmajor: 1, devminor: 1 }]),
  importTar('tar.block-device', 'a block device node', [{ name: 'disk', type: 'block', mode: 0o666, devmajor: 8, devminor: 0 }]),
  importTar('tar.setuid', 'a setuid root file', [{ name: 'suid', mode: 0o4755, body: '#!/bin/sh\n' }]),
  importTar('tar.fifo', 'a named pipe', [{ name: 'pipe', type: 'fifo', mode: 0o644 }]),
  importTar('tar.file-then-dir', 'a file and then a directory of the same name', [{ name: 'same', body: 'x' }, { name: 'same/', type: 'dir' }, { name: 'same/in', body: 'y' }]),
  { ...importTar('tar.fromsrc-url', 'fromSrc is a URL (the daemon would download it)', Buffer.alloc(0)), path: '/v1.41/images/create?fromSrc=http%3A%2F%2F127.0.0.1%3A1%2Fimage.tar', deviation: 'the reference engine imports only from the request body; it never downloads' },
  { ...importTar('tar.bad-repo', 'an import tagged with an invalid repository name', tar([{ name: 'a', body: 'a' }])), path: '/v1.41/images/create?fromSrc=-&repo=UPPER%2F..%2Fbad' },
];
