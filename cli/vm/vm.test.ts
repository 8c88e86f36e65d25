import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mirrorIn } from './image.js';
import { guestRunScript, LEFTOVER_CGROUPS_CHECK } from './guest-run.js';
import { qemuArgs } from './guest.js';

test('the guest comes from the main archive apt names, not the security one or a third party', () => {
  const deb822 = 'Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\n';
  assert.equal(mirrorIn(['deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n', deb822]), 'http://mirror.example/debian');
  assert.equal(mirrorIn(['deb [arch=amd64 signed-by=/k.gpg] http://ftp.de.debian.org/debian bookworm main\n']), 'http://ftp.de.debian.org/debian');
  assert.equal(mirrorIn(['# deb http://x/debian bookworm main\n']), undefined);
});

test('the guest script passes the run\'s DOCKSPEC_ settings quoted, not the VM\'s own', () => {
  const s = guestRunScript({ timeScale: '10', env: { DOCKSPEC_TEST_ARGS: "--tags '@isolation'", DOCKSPEC_VM_CACHE: '/c', DOCKSPEC_TIME_SCALE: '3', DOCKSPEC_HOST: 'ci-1', HOME: '/h' } });
  assert.match(s, /^export DOCKSPEC_TEST_ARGS='--tags '\\''@isolation'\\'''$/m);
  assert.match(s, /^export DOCKSPEC_TIME_SCALE='10'$/m);
  assert.doesNotMatch(s, /DOCKSPEC_VM_CACHE|DOCKSPEC_HOST|\/h\b/);
  assert.match(s, /^bash \/share\/command.sh$/m);
});

test('after COMMAND the guest lists leftover cgroups of the harness and fails a passing run for them', () => {
  const s = guestRunScript({ timeScale: '1', env: {} });
  assert.ok(s.indexOf(LEFTOVER_CGROUPS_CHECK) > s.indexOf('bash /share/command.sh'));
  assert.ok(s.trimEnd().endsWith(`${LEFTOVER_CGROUPS_CHECK}exit $code`));
  assert.match(LEFTOVER_CGROUPS_CHECK, /-name 'dockspec-\*' ! -name 'dockspec-guest.service'/);
  assert.match(LEFTOVER_CGROUPS_CHECK, /\[ "\$code" -ne 0 \] \|\| code=1/);
});

test('the base image is only ever a snapshot; the guest has no network device', () => {
  const args = qemuArgs({
    image: { dir: '/c', kernel: '/c/vmlinuz', initrd: '/c/initrd.img', disk: '/c/guest.qcow2' },
    accel: 'tcg', cpus: 2, memoryMiB: 4096, share: '/s', checkoutDisk: '/r/checkout.img', serialLog: '/r/serial.log', timeoutMs: 1000,
  });
  assert.ok(args.includes('file=/c/guest.qcow2,format=qcow2,if=virtio,snapshot=on'));
  assert.deepEqual(args.slice(args.indexOf('-nic'), args.indexOf('-nic') + 2), ['-nic', 'none']);
  assert.deepEqual(args.slice(0, 4), ['-accel', 'tcg', '-cpu', 'max']);
});
