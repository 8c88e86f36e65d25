import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MS, parseMountOptions } from './mount-options.js';
import { capabilityMask } from './capabilities.js';
import { parseSignal } from './signals.js';
import { RuntimeError } from './errors.js';
import { deviceRuleText, expandSlice, hierarchyDirs, ownCgroups, resolveCgroupPath } from './cgroups.js';
import { parseFlags } from './cli.js';

test('mount options become flags, propagation and data as runc splits them', () => {
  const proc = parseMountOptions('proc', ['nosuid', 'noexec', 'nodev']);
  assert.equal(proc.flags, MS.NOSUID | MS.NOEXEC | MS.NODEV);
  assert.equal(proc.data, '');
  const dev = parseMountOptions('tmpfs', ['nosuid', 'strictatime', 'mode=755', 'size=65536k']);
  assert.equal(dev.flags, MS.NOSUID | MS.STRICTATIME);
  assert.equal(dev.data, 'mode=755,size=65536k');
  const bind = parseMountOptions('bind', ['rbind', 'rprivate', 'ro']);
  assert.equal(bind.flags, MS.BIND | MS.REC | MS.RDONLY);
  assert.equal(bind.propagation, MS.PRIVATE | MS.REC);
  // A later "rw" clears an earlier "ro"; a bind given only by type still binds.
  assert.equal(parseMountOptions('bind', ['ro', 'rw']).flags, MS.BIND);
  assert.equal(parseMountOptions('none', ['tmpcopyup', 'rro']).data, '');
});

test('capability names become a mask, unknown names are skipped', () => {
  assert.equal(capabilityMask(['CAP_CHOWN', 'CAP_KILL']), '0x21');
  assert.equal(capabilityMask(['CAP_AUDIT_WRITE', 'CAP_BOGUS']), '0x20000000');
  assert.equal(capabilityMask([]), '0x0');
  // Docker's default set, as /proc/<pid>/status shows it in a runc container (CapEff a80425fb).
  const dockerDefault = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW',
    'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL',
    'CAP_AUDIT_WRITE'];
  assert.equal(capabilityMask(dockerDefault), '0xa80425fb');
});

test('signals are numbers or names with or without SIG, in any case', () => {
  assert.equal(parseSignal('9'), 9);
  assert.equal(parseSignal('KILL'), 9);
  assert.equal(parseSignal('SIGTERM'), 15);
  assert.equal(parseSignal('hup'), 1);
  assert.throws(() => parseSignal('NOPE'), (err: Error) => err instanceof RuntimeError && err.message === 'unknown signal "NOPE"');
});

test('cgroup paths: absolute as given, a default per id, systemd slices expanded', () => {
  assert.equal(resolveCgroupPath('/docker/abc', 'abc', false), '/docker/abc');
  assert.equal(resolveCgroupPath('docker/abc', 'abc', false), 'docker/abc');
  assert.equal(resolveCgroupPath(undefined, 'abc', false), '/ref-runc/abc');
  assert.equal(resolveCgroupPath('system.slice:docker:abc', 'abc', true), '/system.slice/docker-abc.scope');
  assert.equal(expandSlice('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice');
  assert.equal(expandSlice('-.slice'), '');
});

test('a relative cgroups path lands below our own cgroup in each hierarchy, as runc places it', () => {
  // The machine this was measured on: dockerd with --cgroup-parent dockspec-test2, started in a
  // nested memory cgroup, put the container at memory/process_api/<hash>/dockspec-test2/<id>.
  const self = '9:name=systemd:/\n4:memory:/process_api/h1\n2:cpu,cpuacct:/\n0::/\n';
  const mountinfo = [
    '30 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
    '31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct',
    '32 25 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd',
    '33 25 0:29 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
  ].join('\n');
  const own = ownCgroups(self, mountinfo);
  assert.deepEqual(own, { systemd: '/', memory: '/process_api/h1', 'cpu,cpuacct': '/', unified: '/' });
  assert.deepEqual(hierarchyDirs('p/abc', ['memory', 'cpu,cpuacct', 'unified'], own), {
    memory: '/sys/fs/cgroup/memory/process_api/h1/p/abc',
    'cpu,cpuacct': '/sys/fs/cgroup/cpu,cpuacct/p/abc',
    unified: '/sys/fs/cgroup/unified/p/abc',
  });
  assert.deepEqual(hierarchyDirs('/docker/abc', ['memory'], own), { memory: '/sys/fs/cgroup/memory/docker/abc' });
  // In a cgroup namespace the memory hierarchy is mounted from /docker/c1; a second mount of it
  // outside /sys/fs/cgroup is not where runc looks.
  const nested = [
    '29 25 0:26 / /mnt/elsewhere rw - cgroup cgroup rw,memory',
    '30 25 0:26 /docker/c1 /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
  ].join('\n');
  assert.deepEqual(ownCgroups('4:memory:/docker/c1/sub\n', nested), { memory: '/sub' });
});

test('device rules are written in the devices cgroup syntax', () => {
  assert.equal(deviceRuleText({ allow: false, access: 'rwm' }), 'a');
  assert.equal(deviceRuleText({ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }), 'c 1:3 rwm');
  assert.equal(deviceRuleText({ allow: true, type: 'c', major: 136, access: 'rwm' }), 'c 136:* rwm');
});

test('flags stop at the first positional so a command keeps its own dashes', () => {
  const parsed = parseFlags(['--pid-file', 'p', '--detach', 'id1', 'ls', '-l'], ['pid-file']);
  assert.equal(parsed.flags.get('pid-file'), 'p');
  assert.equal(parsed.flags.get('detach'), true);
  assert.deepEqual(parsed.positionals, ['id1', 'ls', '-l']);
  const eq = parseFlags(['--bundle=/b', '-e', 'A=1', '-e', 'B=2', 'x'], ['e']);
  assert.equal(eq.flags.get('bundle'), '/b');
  assert.deepEqual(eq.ordered.filter(([n]) => n === 'e').map(([, v]) => v), ['A=1', 'B=2']);
  assert.throws(() => parseFlags(['--pid-file'], ['pid-file']), /flag needs an argument/);
});
