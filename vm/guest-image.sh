#!/usr/bin/env bash
# Builds the cgroup v2 guest for `dockspec vm` from Debian packages only: a Debian 12 root file
# system (debootstrap), the guest's own kernel and an initramfs that can reach a virtio disk and a
# 9p share, packed as a compressed qcow2. Run as root. The content of this file is the cache key:
# change anything here and `dockspec vm` builds a new image.
#   guest-image.sh OUT_DIR MIRROR
# OUT_DIR receives vmlinuz, initrd.img and guest.qcow2.
set -euo pipefail
out=$1
mirror=$2
work=$(mktemp -d "${out}/build.XXXXXX")
R=$work/root
cleanup() {
  umount "$R/proc" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# What the suite needs on a host (as .ci/run installs it), without chromium, plus apparmor: the
# guest kernel has AppArmor on and without the package every `docker run` fails.
packages=systemd,systemd-sysv,udev,kmod,initramfs-tools,iproute2,iptables,procps,util-linux,ca-certificates
packages+=,busybox-static,docker.io,containerd,runc,tini,curl,openssl,apparmor
packages+=,openssh-server,openssh-client,gcc,libc6-dev,git

echo "guest image: debootstrap bookworm from ${mirror}"
debootstrap --variant=minbase --include="$packages" bookworm "$R" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log"; exit 1; }

# No service may start inside the chroot while packages install.
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod 755 "$R/usr/sbin/policy-rc.d"
# The initramfs needs only what reaches the root disk and the share (virtio, ext4, 9p): set before
# the kernel's package builds it.
printf 'virtio_pci\nvirtio_blk\next4\n9pnet_virtio\n9p\n' >>"$R/etc/initramfs-tools/modules"
sed -i 's/^MODULES=.*/MODULES=list/' "$R/etc/initramfs-tools/initramfs.conf"
echo "guest image: kernel and initramfs"
mount -t proc proc "$R/proc"
chroot "$R" apt-get install -y --no-install-recommends linux-image-amd64 >"$work/kernel.log" 2>&1 \
  || { tail -n 30 "$work/kernel.log"; exit 1; }
kver=$(ls "$R/lib/modules" | sort -V | tail -n 1)
[ -f "$R/boot/initrd.img-$kver" ] || chroot "$R" mkinitramfs -o "/boot/initrd.img-$kver" "$kver"
cp "$R/boot/vmlinuz-$kver" "$out/vmlinuz"
cp "$R/boot/initrd.img-$kver" "$out/initrd.img"
umount "$R/proc"
rm -f "$R/usr/sbin/policy-rc.d"
chroot "$R" apt-get clean
rm -rf "$R"/var/lib/apt/lists/*

echo "guest image: configuration"
echo dockspec-vm >"$R/etc/hostname"
printf '/dev/vda / ext4 rw,relatime 0 1\n' >"$R/etc/fstab"
: >"$R/etc/machine-id"
# The harness starts its own daemons: the packaged ones stay off, and nothing else wakes up.
for unit in docker.service docker.socket containerd.service ssh.service apt-daily.timer \
  apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer dpkg-db-backup.timer; do
  chroot "$R" systemctl disable "$unit" >/dev/null 2>&1 || true
done
for unit in getty@tty1.service serial-getty@ttyS0.service systemd-firstboot.service \
  systemd-networkd-wait-online.service apt-daily.service apt-daily-upgrade.service; do
  chroot "$R" systemctl mask "$unit" >/dev/null 2>&1 || true
done

# The run: mount the host's share and the checkout disk, run the share's script, power off.
cat >"$R/usr/local/sbin/dockspec-guest" <<'SCRIPT'
#!/bin/sh
# Runs once per boot (dockspec-guest.service). /share is the host's 9p share: guest-run.sh in, the
# output and the exit code out. /dev/vdb is the checkout disk the host made for this run.
mkdir -p /share /opt/dockspec
mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 work /share || exit 1
echo "guest: up after $(cut -d' ' -f1 /proc/uptime) s" >>/share/out.log
mount /dev/vdb /opt/dockspec || { echo "guest: cannot mount the checkout disk" >>/share/out.log; echo 1 >/share/exit-code; exit 1; }
sh /share/guest-run.sh >>/share/out.log 2>&1
echo $? >/share/exit-code.tmp
sync
mv /share/exit-code.tmp /share/exit-code
umount /opt/dockspec
sync
SCRIPT
chmod 755 "$R/usr/local/sbin/dockspec-guest"
cat >"$R/etc/systemd/system/dockspec-guest.service" <<'UNIT'
[Unit]
Description=dockspec: run the host's command
After=local-fs.target systemd-udev-settle.service apparmor.service
Wants=apparmor.service
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/dockspec-guest
StandardOutput=journal+console
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
UNIT
chroot "$R" systemctl enable dockspec-guest.service >/dev/null 2>&1

echo "guest image: ext4 and qcow2"
mkfs.ext4 -q -d "$R" "$work/image.raw" 6G
qemu-img convert -c -O qcow2 "$work/image.raw" "$out/guest.qcow2"
echo "guest image: done ($(du -m "$out/guest.qcow2" | cut -f1) MiB)"
