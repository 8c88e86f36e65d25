// The container's file system: mount points made inside the rootfs without following its symlinks
// out of it, the mounts of the plan, devices, masked and read-only paths, pivot_root.
// Part of ref-runc-nsexec.c, its one translation unit (scripts/build-native.mjs makes one binary per
// .c file): included there once, after the system headers and the parts before it.

// --- small file helpers --------------------------------------------------------------------

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	int err = errno;
	close(fd);
	errno = err;
	return n < 0 ? -1 : 0;
}

// A mount point's directories, or the failure as runc words it ("mkdir <the part that failed>: …").
static void make_dirs(const char *path, mode_t mode)
{
	char failed[PATH_MAX];
	if (mkdir_all(path, mode, failed) < 0)
		fail("mkdir %s: %s", failed, go_strerror(errno));
}

static void ensure_file(const char *path)
{
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", path);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		make_dirs(parent, 0755);
	}
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0 && errno != EISDIR)
		fail("create mount point %s: %s", path, go_strerror(errno));
	if (fd >= 0)
		close(fd);
}

// Joins an absolute container path to the rootfs, resolving symlinks as if rootfs were "/", so
// that a symlink in the image (say /etc/hosts -> /tmp/x, or -> ../../../host) cannot place a
// mount outside the container's root.
static void resolve_in_root(const char *rootfs, const char *unsafe, char *out, size_t out_size)
{
	char done[PATH_MAX] = "";   // resolved part, relative to rootfs, each component "/x"
	char todo[PATH_MAX * 2];
	snprintf(todo, sizeof(todo), "%s", unsafe);
	int links = 0;
	char *cursor = todo;
	while (*cursor) {
		while (*cursor == '/')
			cursor++;
		if (!*cursor)
			break;
		char *end = strchr(cursor, '/');
		size_t len = end ? (size_t)(end - cursor) : strlen(cursor);
		char component[NAME_MAX + 1];
		if (len > NAME_MAX)
			len = NAME_MAX;
		memcpy(component, cursor, len);
		component[len] = '\0';
		cursor += len;
		if (strcmp(component, ".") == 0)
			continue;
		if (strcmp(component, "..") == 0) {
			char *last = strrchr(done, '/');
			if (last)
				*last = '\0';
			continue;
		}
		char candidate[PATH_MAX];
		snprintf(candidate, sizeof(candidate), "%s/%s", done, component);
		char full[PATH_MAX];
		snprintf(full, sizeof(full), "%s%s", rootfs, candidate);
		char target[PATH_MAX];
		ssize_t n = readlink(full, target, sizeof(target) - 1);
		if (n < 0) {
			snprintf(done, sizeof(done), "%s", candidate);
			continue;
		}
		if (++links > 40)
			fail("resolve %s in rootfs: too many levels of symbolic links", unsafe);
		target[n] = '\0';
		char rest[PATH_MAX * 2];
		snprintf(rest, sizeof(rest), "%s/%s", target, cursor);
		snprintf(todo, sizeof(todo), "%s", rest);
		cursor = todo;
		if (target[0] == '/')
			done[0] = '\0';
	}
	snprintf(out, out_size, "%s%s", rootfs, done);
}

// --- mounts --------------------------------------------------------------------------------

static void do_mount(const char *source, const char *target, const char *type, unsigned long flags,
		     const char *data, const char *what)
{
	if (mount(source, target, type, flags, data) < 0)
		fail("error mounting \"%s\" to rootfs at \"%s\": mount %s:%s, flags: %#lx: %s", source ? source : "",
		     what, source ? source : "", target, flags, go_strerror(errno));
}

static void mount_cgroup_tree(const struct plan *p, const struct mount_entry *m, const char *dest)
{
	// As runc without a cgroup namespace: a tmpfs with each hierarchy's container directory
	// bound under it, so the container sees its own cgroups at /sys/fs/cgroup/<controller>.
	// The tmpfs itself stays writable, as runc leaves it; the hierarchies carry the ro.
	make_dirs(dest, 0755);
	unsigned long tmpfs_flags = m->flags & ~MS_RDONLY;
	do_mount("tmpfs", dest, "tmpfs", tmpfs_flags, "mode=755", m->destination);
	for (int k = 0; k < p->cgroup_mount_count; k++) {
		char sub[PATH_MAX + NAME_MAX + 2];
		snprintf(sub, sizeof(sub), "%s/%s", dest, p->cgroup_mounts[k].name);
		if (p->cgroup_mounts[k].link) {
			if (symlink(p->cgroup_mounts[k].link, sub) < 0 && errno != EEXIST)
				fail("symlink %s: %s", sub, go_strerror(errno));
			continue;
		}
		make_dirs(sub, 0755);
		do_mount(p->cgroup_mounts[k].host_dir, sub, NULL, MS_BIND | MS_REC, NULL, m->destination);
		unsigned long bind_flags = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
		do_mount(NULL, sub, NULL, MS_BIND | MS_REMOUNT | bind_flags, NULL, m->destination);
	}
}

static void mount_cgroup2(const struct plan *p, const struct mount_entry *m, const char *dest)
{
	// As runc on cgroup v2: a cgroup2 mount of its own, whose root is the container's cgroup when
	// it has a cgroup namespace (unshared by now). Where the kernel refuses that mount, the
	// container's directory is bound there instead.
	make_dirs(dest, 0755);
	unsigned long flags = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME);
	if (mount("cgroup2", dest, "cgroup2", flags, NULL) == 0)
		return;
	if (errno != EPERM && errno != EBUSY)
		fail("error mounting \"cgroup2\" to rootfs at \"%s\": mount cgroup2:%s, flags: %#lx: %s", m->destination,
		     dest, flags, go_strerror(errno));
	do_mount(p->cgroup2_dir, dest, NULL, MS_BIND | MS_REC, NULL, m->destination);
	do_mount(NULL, dest, NULL, MS_BIND | MS_REMOUNT | (flags & ~MS_RELATIME), NULL, m->destination);
}

static void mount_one(const struct plan *p, const struct mount_entry *m)
{
	char dest[PATH_MAX];
	resolve_in_root(p->rootfs, m->destination, dest, sizeof(dest));
	if (strcmp(m->type, "cgroup") == 0 && p->cgroup2_dir) {
		mount_cgroup2(p, m, dest);
	} else if (strcmp(m->type, "cgroup") == 0) {
		mount_cgroup_tree(p, m, dest);
	} else if (m->flags & MS_BIND) {
		struct stat st;
		if (stat(m->source, &st) < 0)
			fail("error mounting \"%s\" to rootfs at \"%s\": stat %s: %s", m->source, m->destination,
			     m->source, go_strerror(errno));
		if (S_ISDIR(st.st_mode))
			make_dirs(dest, 0755);
		else
			ensure_file(dest);
		do_mount(m->source, dest, NULL, MS_BIND | (m->flags & MS_REC), NULL, m->destination);
		// Bind mounts ignore every flag but MS_REC on the first call; a remount applies ro etc.
		unsigned long rest = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
		if (rest)
			do_mount(NULL, dest, NULL, MS_BIND | MS_REMOUNT | rest, NULL, m->destination);
	} else {
		make_dirs(dest, 0755);
		const char *data = m->data[0] ? m->data : NULL;
		do_mount(m->source, dest, m->type, m->flags, data, m->destination);
	}
	if (m->propagation)
		do_mount(NULL, dest, NULL, m->propagation, NULL, m->destination);
}

static void create_devices(const struct plan *p)
{
	for (int k = 0; k < p->device_count; k++) {
		const struct device_entry *d = &p->devices[k];
		char path[PATH_MAX];
		resolve_in_root(p->rootfs, d->path, path, sizeof(path));
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", path);
		char *slash = strrchr(parent, '/');
		if (slash) {
			*slash = '\0';
			make_dirs(parent, 0755);
		}
		mode_t kind = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
		unlink(path);
		if (mknod(path, kind | (d->mode & 07777), makedev(d->major, d->minor)) < 0)
			fail("mknod %s: %s", d->path, go_strerror(errno));
		if (chmod(path, d->mode & 07777) < 0 || chown(path, d->uid, d->gid) < 0)
			fail("chown %s: %s", d->path, go_strerror(errno));
	}
	for (int k = 0; k < p->link_count; k++) {
		char path[PATH_MAX];
		resolve_in_root(p->rootfs, p->links[k].path, path, sizeof(path));
		if (symlink(p->links[k].target, path) < 0 && errno != EEXIST)
			fail("symlink %s %s: %s", p->links[k].target, p->links[k].path, go_strerror(errno));
	}
}

// pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves only the
// container's tree. The old root is made rslave first so the detach does not propagate to the host.
static void pivot_into(const char *rootfs)
{
	int old_root = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	int new_root = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (old_root < 0 || new_root < 0)
		fail("open rootfs %s: %s", rootfs, go_strerror(errno));
	if (fchdir(new_root) < 0)
		fail("chdir %s: %s", rootfs, go_strerror(errno));
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		fail("pivot_root %s: %s", rootfs, go_strerror(errno));
	if (fchdir(old_root) < 0)
		fail("fchdir old root: %s", go_strerror(errno));
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		fail("make old root rslave: %s", go_strerror(errno));
	if (umount2(".", MNT_DETACH) < 0)
		fail("unmount old root: %s", go_strerror(errno));
	if (chdir("/") < 0)
		fail("chdir /: %s", go_strerror(errno));
	close(old_root);
	close(new_root);
}

// --no-pivot is for rootfs on ramfs, where pivot_root is refused: move the tree onto / and chroot.
static void move_into(const char *rootfs)
{
	if (chdir(rootfs) < 0)
		fail("chdir %s: %s", rootfs, go_strerror(errno));
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		fail("move rootfs %s: %s", rootfs, go_strerror(errno));
	if (chroot(".") < 0 || chdir("/") < 0)
		fail("chroot %s: %s", rootfs, go_strerror(errno));
}

static void apply_sysctls(const struct plan *p)
{
	for (int k = 0; k < p->sysctl_count; k++) {
		char path[PATH_MAX] = "/proc/sys/";
		size_t base = strlen(path);
		snprintf(path + base, sizeof(path) - base, "%s", p->sysctls[k][0]);
		for (char *s = path + base; *s; s++)
			if (*s == '.')
				*s = '/';
		if (write_file(path, p->sysctls[k][1]) < 0)
			fail("write sysctl key %s: %s", p->sysctls[k][0], go_strerror(errno));
	}
}

static void make_readonly(const char *path)
{
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
		if (errno == ENOENT)
			return;
		fail("bind %s read-only: %s", path, go_strerror(errno));
	}
	if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		fail("remount %s read-only: %s", path, go_strerror(errno));
}

static void mask_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) < 0)
			fail("mask %s: %s", path, go_strerror(errno));
	} else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
		fail("mask %s: %s", path, go_strerror(errno));
	}
}
