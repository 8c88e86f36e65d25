// The script the guest's unit runs from the share (/share/guest-run.sh): environment, COMMAND in
// the checkout's copy, then reports/out back to the share. Its exit code is COMMAND's.

/** Where the checkout's copy is inside the guest (the checkout disk is mounted at /opt/dockspec). */
export const GUEST_CHECKOUT = '/opt/dockspec/checkout';

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * After COMMAND, the guest's cgroup tree must hold nothing that a run made: no engine's cgroup
 * parent (the harness names them dockspec-<engine id>; the guest's own unit is dockspec-guest.service)
 * and no container's cgroup (cgroupfs names it after the full id, the systemd driver
 * docker-<id>.scope). Anything there is listed and turns a passing COMMAND into exit code 1.
 */
export const LEFTOVER_CGROUPS_CHECK = `left=$(find /sys/fs/cgroup -mindepth 1 -type d -regextype posix-extended \\( \\( -name 'dockspec-*' ! -name 'dockspec-guest.service' \\) -o -regex '.*/(docker-)?[0-9a-f]{64}(\\.scope)?' \\) -print 2>/dev/null)
if [ -n "$left" ]; then
  echo "guest: cgroups left behind after COMMAND:"; echo "$left"
  [ "$code" -ne 0 ] || code=1
else
  echo "guest: no cgroup left behind under /sys/fs/cgroup"
fi
`;

export function guestRunScript(o: { timeScale: string; env: NodeJS.ProcessEnv }): string {
  // The run's own DOCKSPEC_* settings go along (DOCKSPEC_PARALLEL, DOCKSPEC_TEST_ARGS, …), not the
  // VM's, and not the host's name or paths: the guest is another host with its own report column.
  const own = new Set(['DOCKSPEC_TIME_SCALE', 'DOCKSPEC_HOST', 'DOCKSPEC_WORKDIR']);
  const passed = Object.entries(o.env)
    .filter(([k, v]) => k.startsWith('DOCKSPEC_') && !k.startsWith('DOCKSPEC_VM_') && !own.has(k) && v !== undefined)
    .map(([k, v]) => `export ${k}=${shellQuote(v!)}\n`)
    .join('');
  return `export PATH=/opt/dockspec/node/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
export DOCKSPEC_TIME_SCALE=${shellQuote(o.timeScale)}
${passed}cd ${GUEST_CHECKOUT} || exit 1
echo "guest: $(uname -sr), /sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup), $(nproc) CPUs, node $(node --version)"
bash /share/command.sh
code=$?
if [ -d reports/out ]; then
  mkdir -p /share/reports && cp -a reports/out/. /share/reports/
fi
${LEFTOVER_CGROUPS_CHECK}exit $code
`;
}
