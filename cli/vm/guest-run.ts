// The script the guest's unit runs from the share (/share/guest-run.sh): environment, COMMAND in
// the checkout's copy, then reports/out back to the share. Its exit code is COMMAND's.

/** Where the checkout's copy is inside the guest (the checkout disk is mounted at /opt/dockspec). */
export const GUEST_CHECKOUT = '/opt/dockspec/checkout';

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

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
exit $code
`;
}
