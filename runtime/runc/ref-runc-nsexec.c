// ref-runc-nsexec: the single-threaded stage of ref-runc (see docs/design.md, "Why two small native
// pieces"). The TypeScript CLI reads config.json and turns it into this program's command line
// (a "plan"); this program then does what a multi-threaded Node process cannot: clone into new
// namespaces, set up the mounts, pivot_root, and hold the container's process until `start`.
//
//   ref-runc-nsexec create [plan…] -- args…   start a container's init, stopped before exec
//   ref-runc-nsexec exec   [plan…] -- args…   run a process inside a running container
//
// The outcome goes to fd 3 (the Node parent reads it): "pid <host pid>\n" or "error <message>\n".
// Messages use Go's lower-case errno texts, because dockerd maps "no such file or directory" and
// "permission denied" in runc's messages to exit codes 127 and 126.
//
// Why one file of ~1350 lines: it is one program that runs once per container as one sequence
// (plan, clone, mounts, pivot_root, process setup, the parent's hooks and sync, exec), and every
// section below shares the plan and fail()'s channel to the parent (the sync socket before exec,
// fd 3 after). scripts/build-native.mjs makes one static binary per .c file, so a split can only be
// headers included into this one translation unit, as device-cgroup.h already is for the v2 device
// cgroup; the "// ---" sections are where those headers would be cut.
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "device-cgroup.h"
#include "../../lib/native/mkdir-all.h"

#define RESULT_FD 3
#define MAX_ITEMS 128
#define MESSAGE_MAX 4096

struct mount_entry {
	const char *source, *destination, *type, *data;
	unsigned long flags, propagation;
};

struct device_entry {
	const char *path;
	char type;
	unsigned major, minor, mode, uid, gid;
};

struct link_entry {
	const char *target, *path;
};

struct hook {
	const char *path;
	char **argv; // NULL-terminated, points into our own argv
	char **envp;
	int timeout_seconds;
};

struct rlimit_entry {
	int resource;
	unsigned long long soft, hard;
};

struct capability_sets {
	int present;
	uint64_t bounding, effective, permitted, inheritable, ambient;
};

struct process_plan {
	char **args;
	char *env[MAX_ITEMS * 4];
	int env_count;
	const char *cwd;
	mode_t umask;
	unsigned uid, gid;
	gid_t groups[MAX_ITEMS];
	int group_count;
	struct capability_sets caps;
	struct rlimit_entry rlimits[MAX_ITEMS];
	int rlimit_count;
	int no_new_privileges;
	int oom_score_adj_set;
	int oom_score_adj;
	int terminal;
	unsigned short console_rows, console_cols;
	const char *seccomp_hex; // a compiled sock_filter array (runtime/runc/seccomp.ts)
};

struct plan {
	int exec_mode;
	const char *rootfs;
	int readonly_root, no_pivot;
	const char *hostname;
	const char *fifo;
	const char *pid_file;
	const char *console_socket;
	int detach;
	int new_namespaces; // CLONE_NEW* flags
	struct { int type; const char *path; } join[16];
	int join_count;
	pid_t target_pid; // exec: the container's init
	const char *cgroups[32];
	int cgroup_count;
	struct { const char *name, *host_dir, *link; } cgroup_mounts[32];
	int cgroup_mount_count;
	const char *cgroup2_dir; // cgroup v2: the container's directory, for /sys/fs/cgroup
	struct device_cgroup device_cgroup;
	unsigned long root_propagation;
	struct mount_entry mounts[MAX_ITEMS];
	int mount_count;
	struct device_entry devices[MAX_ITEMS];
	int device_count;
	struct link_entry links[32];
	int link_count;
	const char *sysctls[MAX_ITEMS][2];
	int sysctl_count;
	const char *masked[MAX_ITEMS];
	int masked_count;
	const char *readonly_paths[MAX_ITEMS];
	int readonly_count;
	struct hook hooks[32];
	int hook_count;
	const char *state_prefix, *state_suffix; // hook stdin is prefix + pid + suffix
	struct process_plan process;
};

// --- errors -------------------------------------------------------------------------------

static int sync_fd = -1; // child → parent channel while the child sets up the container
// Set once create has returned: nobody reads the result any more, so errors go to stderr.
static int report_to_stderr;

// Go prints errno texts in lower case ("no such file or directory"); dockerd matches those.
static const char *go_strerror(int err)
{
	static char text[256];
	snprintf(text, sizeof(text), "%s", strerror(err));
	text[0] = (char)tolower((unsigned char)text[0]);
	return text;
}

static void write_result(const char *fmt, ...)
{
	char line[MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	// One line per outcome: the reader takes the first line only.
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	for (int k = 0; k < n; k++)
		if (line[k] == '\n')
			line[k] = ' ';
	line[n++] = '\n';
	if (write(RESULT_FD, line, n) < 0) {
		// The Node parent is gone; nothing left to tell.
	}
}

// In the container's process before exec, an error travels to the parent over the sync socket;
// in the parent it becomes the result line.
static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	char message[MESSAGE_MAX] = "error ";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message + 6, sizeof(message) - 6, fmt, ap);
	va_end(ap);
	if (report_to_stderr) {
		fprintf(stderr, "ref-runc: %s\n", message + 6);
		_exit(1);
	}
	if (sync_fd >= 0) {
		if (send(sync_fd, message, strlen(message), 0) < 0) {
			// parent gone: it reports a child that died without a word
		}
		_exit(1);
	}
	write_result("%s", message);
	exit(1);
}

// --- plan parsing --------------------------------------------------------------------------

static unsigned long long parse_number(const char *text)
{
	if (strcmp(text, "-1") == 0 || strcmp(text, "unlimited") == 0)
		return RLIM_INFINITY;
	return strtoull(text, NULL, 0);
}

static char *next_arg(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		fail("plan: %s needs a value", argv[*i]);
	return argv[++*i];
}

static int namespace_flag(const char *name)
{
	if (strcmp(name, "pid") == 0) return CLONE_NEWPID;
	if (strcmp(name, "mount") == 0 || strcmp(name, "mnt") == 0) return CLONE_NEWNS;
	if (strcmp(name, "uts") == 0) return CLONE_NEWUTS;
	if (strcmp(name, "ipc") == 0) return CLONE_NEWIPC;
	if (strcmp(name, "network") == 0 || strcmp(name, "net") == 0) return CLONE_NEWNET;
	if (strcmp(name, "cgroup") == 0) return CLONE_NEWCGROUP;
	if (strcmp(name, "user") == 0) return CLONE_NEWUSER;
	fail("plan: unknown namespace %s", name);
}

// A NULL-terminated list inside argv: "<count> item…", returned in place.
static char **take_list(int argc, char **argv, int *i)
{
	int count = atoi(next_arg(argc, argv, i));
	if (*i + count >= argc)
		fail("plan: list too short");
	char **list = calloc(count + 1, sizeof(char *));
	for (int k = 0; k < count; k++)
		list[k] = argv[++*i];
	return list;
}

static void parse_plan(int argc, char **argv, struct plan *p)
{
	memset(p, 0, sizeof(*p));
	p->exec_mode = strcmp(argv[1], "exec") == 0;
	p->root_propagation = MS_SLAVE | MS_REC;
	struct process_plan *proc = &p->process;
	proc->cwd = "/";
	proc->umask = 022;
	int i = 2;
	for (; i < argc; i++) {
		const char *opt = argv[i];
		if (strcmp(opt, "--") == 0) {
			i++;
			break;
		}
#define IS(name) (strcmp(opt, name) == 0)
		if (IS("--rootfs")) p->rootfs = next_arg(argc, argv, &i);
		else if (IS("--readonly-root")) p->readonly_root = 1;
		else if (IS("--no-pivot")) p->no_pivot = 1;
		else if (IS("--hostname")) p->hostname = next_arg(argc, argv, &i);
		else if (IS("--fifo")) p->fifo = next_arg(argc, argv, &i);
		else if (IS("--pid-file")) p->pid_file = next_arg(argc, argv, &i);
		else if (IS("--console-socket")) p->console_socket = next_arg(argc, argv, &i);
		else if (IS("--detach")) p->detach = 1;
		else if (IS("--new-ns")) p->new_namespaces |= namespace_flag(next_arg(argc, argv, &i));
		else if (IS("--join-ns")) {
			int type = namespace_flag(next_arg(argc, argv, &i));
			p->join[p->join_count].type = type;
			p->join[p->join_count++].path = next_arg(argc, argv, &i);
		} else if (IS("--target-pid")) p->target_pid = atoi(next_arg(argc, argv, &i));
		else if (IS("--cgroup")) p->cgroups[p->cgroup_count++] = next_arg(argc, argv, &i);
		else if (IS("--cgroup2-mount")) p->cgroup2_dir = next_arg(argc, argv, &i);
		else if (IS("--device-cgroup")) {
			p->device_cgroup.dir = next_arg(argc, argv, &i);
			p->device_cgroup.default_allow = strcmp(next_arg(argc, argv, &i), "allow") == 0;
		} else if (IS("--device-exception")) {
			if (p->device_cgroup.count >= MAX_DEVICE_EXCEPTIONS)
				fail("plan: too many entries at %s", opt);
			struct device_exception *e = &p->device_cgroup.exceptions[p->device_cgroup.count++];
			e->type = device_type(next_arg(argc, argv, &i));
			e->major = atoll(next_arg(argc, argv, &i));
			e->minor = atoll(next_arg(argc, argv, &i));
			e->access = device_access_bits(next_arg(argc, argv, &i));
		}
		else if (IS("--cgroup-mount")) {
			int k = p->cgroup_mount_count++;
			p->cgroup_mounts[k].name = next_arg(argc, argv, &i);
			p->cgroup_mounts[k].host_dir = next_arg(argc, argv, &i);
		} else if (IS("--cgroup-link")) {
			int k = p->cgroup_mount_count++;
			p->cgroup_mounts[k].name = next_arg(argc, argv, &i);
			p->cgroup_mounts[k].link = next_arg(argc, argv, &i);
		} else if (IS("--root-propagation")) p->root_propagation = strtoul(next_arg(argc, argv, &i), NULL, 0);
		else if (IS("--mount")) {
			struct mount_entry *m = &p->mounts[p->mount_count++];
			m->source = next_arg(argc, argv, &i);
			m->destination = next_arg(argc, argv, &i);
			m->type = next_arg(argc, argv, &i);
			m->flags = strtoul(next_arg(argc, argv, &i), NULL, 0);
			m->propagation = strtoul(next_arg(argc, argv, &i), NULL, 0);
			m->data = next_arg(argc, argv, &i);
		} else if (IS("--device")) {
			struct device_entry *d = &p->devices[p->device_count++];
			d->path = next_arg(argc, argv, &i);
			d->type = next_arg(argc, argv, &i)[0];
			d->major = atoi(next_arg(argc, argv, &i));
			d->minor = atoi(next_arg(argc, argv, &i));
			d->mode = strtoul(next_arg(argc, argv, &i), NULL, 0);
			d->uid = atoi(next_arg(argc, argv, &i));
			d->gid = atoi(next_arg(argc, argv, &i));
		} else if (IS("--symlink")) {
			p->links[p->link_count].target = next_arg(argc, argv, &i);
			p->links[p->link_count++].path = next_arg(argc, argv, &i);
		} else if (IS("--sysctl")) {
			p->sysctls[p->sysctl_count][0] = next_arg(argc, argv, &i);
			p->sysctls[p->sysctl_count++][1] = next_arg(argc, argv, &i);
		} else if (IS("--masked")) p->masked[p->masked_count++] = next_arg(argc, argv, &i);
		else if (IS("--readonly-path")) p->readonly_paths[p->readonly_count++] = next_arg(argc, argv, &i);
		else if (IS("--hook")) {
			struct hook *h = &p->hooks[p->hook_count++];
			h->path = next_arg(argc, argv, &i);
			h->timeout_seconds = atoi(next_arg(argc, argv, &i));
			h->argv = take_list(argc, argv, &i);
			h->envp = take_list(argc, argv, &i);
		} else if (IS("--state-prefix")) p->state_prefix = next_arg(argc, argv, &i);
		else if (IS("--state-suffix")) p->state_suffix = next_arg(argc, argv, &i);
		else if (IS("--env")) proc->env[proc->env_count++] = next_arg(argc, argv, &i);
		else if (IS("--cwd")) proc->cwd = next_arg(argc, argv, &i);
		else if (IS("--umask")) proc->umask = (mode_t)strtoul(next_arg(argc, argv, &i), NULL, 0);
		else if (IS("--uid")) proc->uid = atoi(next_arg(argc, argv, &i));
		else if (IS("--gid")) proc->gid = atoi(next_arg(argc, argv, &i));
		else if (IS("--group")) proc->groups[proc->group_count++] = atoi(next_arg(argc, argv, &i));
		else if (IS("--caps")) {
			proc->caps.present = 1;
			proc->caps.bounding = strtoull(next_arg(argc, argv, &i), NULL, 0);
			proc->caps.effective = strtoull(next_arg(argc, argv, &i), NULL, 0);
			proc->caps.permitted = strtoull(next_arg(argc, argv, &i), NULL, 0);
			proc->caps.inheritable = strtoull(next_arg(argc, argv, &i), NULL, 0);
			proc->caps.ambient = strtoull(next_arg(argc, argv, &i), NULL, 0);
		} else if (IS("--rlimit")) {
			struct rlimit_entry *r = &proc->rlimits[proc->rlimit_count++];
			r->resource = atoi(next_arg(argc, argv, &i));
			r->soft = parse_number(next_arg(argc, argv, &i));
			r->hard = parse_number(next_arg(argc, argv, &i));
		} else if (IS("--no-new-privileges")) proc->no_new_privileges = 1;
		else if (IS("--oom-score-adj")) {
			proc->oom_score_adj_set = 1;
			proc->oom_score_adj = atoi(next_arg(argc, argv, &i));
		} else if (IS("--terminal")) proc->terminal = 1;
		else if (IS("--seccomp")) proc->seccomp_hex = next_arg(argc, argv, &i);
		else if (IS("--console-size")) {
			proc->console_rows = atoi(next_arg(argc, argv, &i));
			proc->console_cols = atoi(next_arg(argc, argv, &i));
		} else fail("plan: unknown option %s", opt);
#undef IS
		if (p->mount_count >= MAX_ITEMS || p->device_count >= MAX_ITEMS || p->hook_count >= 32 ||
		    p->cgroup_count >= 32 || p->cgroup_mount_count >= 32 || p->join_count >= 16 ||
		    p->link_count >= 32 || p->sysctl_count >= MAX_ITEMS || p->masked_count >= MAX_ITEMS ||
		    p->readonly_count >= MAX_ITEMS || proc->env_count >= MAX_ITEMS * 4 - 1 ||
		    proc->group_count >= MAX_ITEMS || proc->rlimit_count >= MAX_ITEMS)
			fail("plan: too many entries at %s", opt);
	}
	if (i >= argc)
		fail("plan: no process args");
	proc->args = argv + i;
	proc->env[proc->env_count] = NULL;
}

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

// --- cgroups and namespaces ----------------------------------------------------------------

static void join_cgroups(const struct plan *p)
{
	for (int k = 0; k < p->cgroup_count; k++) {
		char procs[PATH_MAX];
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", p->cgroups[k]);
		// "0" means the writer itself, whatever its pid is in the namespace it now lives in.
		if (write_file(procs, "0") < 0)
			fail("join cgroup %s: %s", p->cgroups[k], go_strerror(errno));
	}
}

static void join_namespaces(const struct plan *p, int only_type, int skip_type)
{
	int fds[16];
	for (int k = 0; k < p->join_count; k++) {
		fds[k] = -1;
		if ((only_type && p->join[k].type != only_type) || p->join[k].type == skip_type)
			continue;
		fds[k] = open(p->join[k].path, O_RDONLY | O_CLOEXEC);
		if (fds[k] < 0)
			fail("open namespace %s: %s", p->join[k].path, go_strerror(errno));
	}
	// The mount namespace last: after it, the other paths would resolve inside the container.
	for (int pass = 0; pass < 2; pass++) {
		for (int k = 0; k < p->join_count; k++) {
			if (fds[k] < 0 || (p->join[k].type == CLONE_NEWNS) != (pass == 1))
				continue;
			if (setns(fds[k], p->join[k].type) < 0)
				fail("setns %s: %s", p->join[k].path, go_strerror(errno));
			close(fds[k]);
		}
	}
}

// --- process setup, shared by create and exec ----------------------------------------------

static int connect_console_socket(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (fd < 0 || strlen(path) >= sizeof(addr.sun_path))
		fail("console socket %s: invalid", path);
	strcpy(addr.sun_path, path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		fail("connect console socket %s: %s", path, go_strerror(errno));
	return fd;
}

static void send_fd(int socket_fd, int fd, const char *name)
{
	char control[CMSG_SPACE(sizeof(int))];
	memset(control, 0, sizeof(control));
	struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	if (sendmsg(socket_fd, &msg, 0) < 0)
		fail("send console master: %s", go_strerror(errno));
}

// A terminal made inside the container's own devpts, as runc does: the master goes to whoever
// listens on the console socket (the shim), the slave becomes stdio and controlling terminal.
static void setup_console(int console_socket, const struct process_plan *proc, int bind_dev_console)
{
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		fail("open /dev/ptmx: %s", go_strerror(errno));
	if (unlockpt(master) < 0)
		fail("unlockpt: %s", go_strerror(errno));
	char slave_path[64];
	if (ptsname_r(master, slave_path, sizeof(slave_path)) != 0)
		fail("ptsname: %s", go_strerror(errno));
	int slave = open(slave_path, O_RDWR | O_NOCTTY);
	if (slave < 0)
		fail("open %s: %s", slave_path, go_strerror(errno));
	if (proc->console_rows || proc->console_cols) {
		struct winsize ws = { .ws_row = proc->console_rows, .ws_col = proc->console_cols };
		ioctl(slave, TIOCSWINSZ, &ws);
	}
	if (bind_dev_console) {
		ensure_file("/dev/console");
		if (mount(slave_path, "/dev/console", NULL, MS_BIND, NULL) < 0)
			fail("bind %s to /dev/console: %s", slave_path, go_strerror(errno));
	}
	send_fd(console_socket, master, "/dev/ptmx");
	close(master);
	close(console_socket);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			fail("dup2 console: %s", go_strerror(errno));
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		fail("set controlling terminal: %s", go_strerror(errno));
	if (slave > 2)
		close(slave);
}

static void apply_rlimits(const struct process_plan *proc)
{
	umask(proc->umask);
	for (int k = 0; k < proc->rlimit_count; k++) {
		struct rlimit limit = { .rlim_cur = proc->rlimits[k].soft, .rlim_max = proc->rlimits[k].hard };
		if (setrlimit(proc->rlimits[k].resource, &limit) < 0)
			fail("setrlimit %d: %s", proc->rlimits[k].resource, go_strerror(errno));
	}
}

static int last_capability(void)
{
	int last = CAP_LAST_CAP;
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char text[16] = "";
		if (read(fd, text, sizeof(text) - 1) > 0)
			last = atoi(text);
		close(fd);
	}
	return last;
}

// Order as runc: shrink the bounding set while CAP_SETPCAP is still held, change uid with
// PR_SET_KEEPCAPS so the permitted set survives, then set the final sets and the ambient ones.
static void apply_identity(const struct process_plan *proc, int cap_last)
{
	const struct capability_sets *caps = &proc->caps;
	if (caps->present) {
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
			fail("keep capabilities: %s", go_strerror(errno));
		for (int cap = 0; cap <= cap_last; cap++)
			if (!(caps->bounding & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
				fail("drop capability %d from the bounding set: %s", cap, go_strerror(errno));
	}
	if (setgroups(proc->group_count, proc->groups) < 0)
		fail("setgroups: %s", go_strerror(errno));
	if (setresgid(proc->gid, proc->gid, proc->gid) < 0)
		fail("setgid %u: %s", proc->gid, go_strerror(errno));
	if (setresuid(proc->uid, proc->uid, proc->uid) < 0)
		fail("setuid %u: %s", proc->uid, go_strerror(errno));
	if (!caps->present)
		return;
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	// Capabilities this kernel does not know (a privileged config lists all runc knows) cannot be
	// held, and asking for them makes capset fail; runc skips them too.
	uint64_t known = cap_last >= 63 ? ~0ULL : (1ULL << (cap_last + 1)) - 1;
	for (int w = 0; w < 2; w++) {
		data[w].effective = (uint32_t)((caps->effective & known) >> (32 * w));
		data[w].permitted = (uint32_t)((caps->permitted & known) >> (32 * w));
		data[w].inheritable = (uint32_t)((caps->inheritable & known) >> (32 * w));
	}
	if (syscall(SYS_capset, &header, data) < 0)
		fail("unable to apply caps: %s", go_strerror(errno));
	for (int cap = 0; cap <= cap_last; cap++)
		if ((caps->ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			fail("raise ambient capability %d: %s", cap, go_strerror(errno));
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void install_seccomp(const struct process_plan *proc)
{
	if (!proc->seccomp_hex)
		return;
	size_t bytes = strlen(proc->seccomp_hex) / 2;
	if (bytes == 0 || bytes % sizeof(struct sock_filter) != 0)
		fail("error loading seccomp filter: malformed program");
	unsigned char *program = malloc(bytes);
	for (size_t k = 0; k < bytes; k++) {
		int hi = hex_digit(proc->seccomp_hex[2 * k]), lo = hex_digit(proc->seccomp_hex[2 * k + 1]);
		if (hi < 0 || lo < 0)
			fail("error loading seccomp filter: malformed program");
		program[k] = (unsigned char)(hi << 4 | lo);
	}
	struct sock_fprog fprog = { .len = (unsigned short)(bytes / sizeof(struct sock_filter)),
				    .filter = (struct sock_filter *)program };
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) < 0)
		fail("error loading seccomp filter: %s", go_strerror(errno));
	free(program);
}

static const char *env_lookup(char *const *env, const char *name)
{
	size_t len = strlen(name);
	for (; *env; env++)
		if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
			return *env + len + 1;
	return NULL;
}

// runc sets HOME when config.json does not: the user's home in the container's /etc/passwd, or "/".
static void ensure_home(struct process_plan *proc)
{
	if (env_lookup(proc->env, "HOME") || proc->env_count >= MAX_ITEMS * 4 - 1)
		return;
	const char *home = "/";
	static char line[1024], entry[1100];
	FILE *passwd = fopen("/etc/passwd", "re");
	while (passwd && fgets(line, sizeof(line), passwd)) {
		// name:password:uid:gid:gecos:home:shell
		char *fields[7] = { 0 };
		char *cursor = line;
		for (int f = 0; f < 7 && cursor; f++) {
			fields[f] = cursor;
			cursor = strchr(cursor, ':');
			if (cursor)
				*cursor++ = '\0';
		}
		if (fields[2] && fields[5] && *fields[5] && strtoul(fields[2], NULL, 10) == proc->uid) {
			home = fields[5];
			break;
		}
	}
	snprintf(entry, sizeof(entry), "HOME=%s", home);
	if (passwd)
		fclose(passwd);
	proc->env[proc->env_count++] = entry;
	proc->env[proc->env_count] = NULL;
}

// Go's exec.LookPath, with which runc checks the command at create time: a name with a slash
// must be a non-directory with an x bit; otherwise each $PATH entry is tried ("" means ".").
static int executable_by_mode(const char *path, int *err)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		*err = errno;
		return 0;
	}
	if (!S_ISDIR(st.st_mode) && (st.st_mode & 0111))
		return 1;
	*err = EACCES;
	return 0;
}

static void look_path(const char *name, char *const *env, char *out, size_t out_size, const char *prefix)
{
	int err = 0;
	if (strchr(name, '/')) {
		if (executable_by_mode(name, &err)) {
			snprintf(out, out_size, "%s", name);
			return;
		}
		if (err == EACCES)
			fail("%sexec: \"%s\": permission denied", prefix, name);
		fail("%sexec: \"%s\": stat %s: %s", prefix, name, name, go_strerror(err));
	}
	const char *path = env_lookup(env, "PATH");
	if (path) {
		const char *dir = path;
		for (;;) {
			const char *end = strchr(dir, ':');
			size_t len = end ? (size_t)(end - dir) : strlen(dir);
			snprintf(out, out_size, "%.*s/%s", (int)len, len ? dir : ".", name);
			if (executable_by_mode(out, &err))
				return;
			if (!end)
				break;
			dir = end + 1;
		}
	}
	fail("%sexec: \"%s\": executable file not found in $PATH", prefix, name);
}

// Written to a temporary name and renamed, so a reader never sees a half-written pid.
static int write_pid_file(const char *path, pid_t pid)
{
	char tmp[PATH_MAX + 32], text[32];
	snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
	snprintf(text, sizeof(text), "%d", (int)pid);
	int fd = open(tmp, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		int err = errno;
		unlink(tmp);
		errno = err;
		return -1;
	}
	return 0;
}

// The last word to the caller: the pid file (create and exec --pid-file) and the result line. A
// process whose pid cannot be recorded is killed: nobody could ever find it to stop it.
static int report_pid(const struct plan *p, pid_t child)
{
	if (p->pid_file && write_pid_file(p->pid_file, child) < 0) {
		write_result("error write pid file %s: %s", p->pid_file, go_strerror(errno));
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return -1;
	}
	write_result("pid %d", (int)child);
	return 0;
}

// --- parent side: hooks and the sync protocol ----------------------------------------------

static void append_output(int fd, char *buffer, size_t *used, size_t size)
{
	ssize_t n = read(fd, buffer + *used, size - 1 - *used);
	if (n > 0)
		*used += n;
	buffer[*used] = '\0';
}

// OCI prestart hooks run in the runtime's namespaces with the container's state on stdin, once
// the namespaces exist; dockerd's libnetwork-setkey hook configures the network namespace here.
static void run_hook(const struct plan *p, int index, pid_t child)
{
	const struct hook *h = &p->hooks[index];
	int in[2], out[2], err[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		fail("error running hook #%d: pipe: %s", index, go_strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		fail("error running hook #%d: fork: %s", index, go_strerror(errno));
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execve(h->path, h->argv[0] ? h->argv : (char *[]){ (char *)h->path, NULL }, h->envp);
		fprintf(stderr, "exec: %s", go_strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	dprintf(in[1], "%s%d%s", p->state_prefix ? p->state_prefix : "", (int)child,
		p->state_suffix ? p->state_suffix : "");
	close(in[1]);
	char stdout_text[1024] = "", stderr_text[1024] = "";
	size_t out_used = 0, err_used = 0;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int status = 0, open_pipes = 2;
	struct pollfd fds[2] = { { .fd = out[0], .events = POLLIN }, { .fd = err[0], .events = POLLIN } };
	for (;;) {
		if (open_pipes > 0 && poll(fds, 2, 100) > 0) {
			for (int k = 0; k < 2; k++) {
				if (!(fds[k].revents & (POLLIN | POLLHUP)))
					continue;
				size_t before = k == 0 ? out_used : err_used;
				if (k == 0)
					append_output(out[0], stdout_text, &out_used, sizeof(stdout_text));
				else
					append_output(err[0], stderr_text, &err_used, sizeof(stderr_text));
				size_t after = k == 0 ? out_used : err_used;
				if (after == before && (fds[k].revents & POLLHUP)) {
					fds[k].fd = -1;
					open_pipes--;
				}
			}
		}
		pid_t done = waitpid(pid, &status, open_pipes > 0 ? WNOHANG : 0);
		if (done == pid)
			break;
		if (h->timeout_seconds > 0) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - start.tv_sec >= h->timeout_seconds) {
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				fail("error running hook #%d: timeout after %d seconds", index, h->timeout_seconds);
			}
		}
		if (open_pipes == 0)
			usleep(1000);
	}
	close(out[0]);
	close(err[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	while (out_used > 0 && stdout_text[out_used - 1] == '\n')
		stdout_text[--out_used] = '\0';
	while (err_used > 0 && stderr_text[err_used - 1] == '\n')
		stderr_text[--err_used] = '\0';
	if (WIFSIGNALED(status))
		fail("error running hook #%d: signal: %s, stdout: %s, stderr: %s", index, strsignal(WTERMSIG(status)),
		     stdout_text, stderr_text);
	fail("error running hook #%d: exit status %d, stdout: %s, stderr: %s", index, WEXITSTATUS(status),
	     stdout_text, stderr_text);
}

static void send_message(const char *text)
{
	if (send(sync_fd, text, strlen(text), 0) < 0)
		fail("sync with parent: %s", go_strerror(errno));
}

static void expect_message(int fd, const char *expected)
{
	char buf[MESSAGE_MAX];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		_exit(1); // the parent died: nothing to report to
	buf[n] = '\0';
	if (strcmp(buf, expected) != 0)
		_exit(1);
}

// Parent of the container's process: answers its requests until it is ready or has failed.
static int supervise_setup(const struct plan *p, int fd, pid_t child)
{
	char buf[MESSAGE_MAX];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			write_result("error container init exited before it was ready");
			return -1;
		}
		buf[n] = '\0';
		if (strcmp(buf, "hooks") == 0) {
			int saved = sync_fd;
			sync_fd = -1; // a failing hook is reported by this process, not sent back
			pid_t hooks_child = fork();
			if (hooks_child == 0) {
				for (int k = 0; k < p->hook_count; k++)
					run_hook(p, k, child);
				_exit(0);
			}
			int status;
			waitpid(hooks_child, &status, 0);
			sync_fd = saved;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				return -1; // the hooks process already wrote the result line
			if (send(fd, "go", 2, 0) < 0)
				return -1;
			continue;
		}
		if (strcmp(buf, "ready") == 0)
			return 0;
		if (strncmp(buf, "error ", 6) == 0) {
			write_result("%s", buf);
			return -1;
		}
		write_result("error unexpected message from container init: %s", buf);
		return -1;
	}
}

// --- create --------------------------------------------------------------------------------

static void __attribute__((noreturn)) container_init(struct plan *p, int fifo_path_fd, int console_socket)
{
	struct process_plan *proc = &p->process;
	// If ref-runc dies mid-create, this half-made container must not linger.
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	join_cgroups(p);
	// A new cgroup namespace is rooted at the cgroup its creator is in: made only now, inside the
	// container's cgroup, it shows the container "0::/" (runc unshares it at the same point).
	if ((p->new_namespaces & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
		fail("unshare cgroup namespace: %s", go_strerror(errno));
	join_namespaces(p, 0, 0);
	if (setsid() < 0)
		fail("setsid: %s", go_strerror(errno));
	if (proc->oom_score_adj_set) {
		char text[16];
		snprintf(text, sizeof(text), "%d", proc->oom_score_adj);
		write_file("/proc/self/oom_score_adj", text);
	}
	int cap_last = last_capability();

	if (mount(NULL, "/", NULL, p->root_propagation, NULL) < 0)
		fail("make / %#lx: %s", p->root_propagation, go_strerror(errno));
	if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		fail("bind rootfs %s: %s", p->rootfs, go_strerror(errno));
	for (int k = 0; k < p->mount_count; k++)
		mount_one(p, &p->mounts[k]);
	create_devices(p);

	if (p->hook_count > 0) {
		send_message("hooks");
		expect_message(sync_fd, "go");
	}

	if (p->no_pivot)
		move_into(p->rootfs);
	else
		pivot_into(p->rootfs);
	if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
		fail("sethostname: %s", go_strerror(errno));
	if (console_socket >= 0)
		setup_console(console_socket, proc, 1);
	apply_sysctls(p);
	for (int k = 0; k < p->readonly_count; k++)
		make_readonly(p->readonly_paths[k]);
	for (int k = 0; k < p->masked_count; k++)
		mask_path(p->masked[k]);
	if (p->readonly_root && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		fail("remount / read-only: %s", go_strerror(errno));

	apply_rlimits(proc);
	// Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, so it goes before the
	// capabilities are dropped (as runc); with it, as close to execve as possible.
	ensure_home(proc);
	if (!proc->no_new_privileges)
		install_seccomp(proc);
	apply_identity(proc, cap_last);
	if (chdir(proc->cwd) < 0)
		fail("chdir to cwd (\"%s\") set in config.json failed: %s", proc->cwd, go_strerror(errno));
	char executable[PATH_MAX];
	look_path(proc->args[0], proc->env, executable, sizeof(executable), "");

	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	send_message("ready");
	close(sync_fd);
	sync_fd = -1;
	report_to_stderr = 1;

	// Blocks until `ref-runc start` opens exec.fifo for reading: this is the created state.
	char fifo_link[64];
	snprintf(fifo_link, sizeof(fifo_link), "/proc/self/fd/%d", fifo_path_fd);
	int fifo = open(fifo_link, O_WRONLY | O_CLOEXEC);
	if (fifo < 0) {
		fprintf(stderr, "ref-runc: open exec fifo: %s\n", go_strerror(errno));
		_exit(1);
	}
	if (write(fifo, "0", 1) < 0) {
		fprintf(stderr, "ref-runc: write exec fifo: %s\n", go_strerror(errno));
		_exit(1);
	}
	close(fifo);
	close(fifo_path_fd);
	if (proc->no_new_privileges) {
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		install_seccomp(proc); // fails to stderr: create has already returned
	}
	execve(executable, proc->args, proc->env);
	fprintf(stderr, "ref-runc: exec %s: %s\n", proc->args[0], go_strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static int create_container(struct plan *p)
{
	if (!p->rootfs || !p->fifo)
		fail("plan: create needs --rootfs and --fifo");
	// 0622 as runc's: a container user that is not root must be able to open it for writing.
	if (mkfifo(p->fifo, 0622) < 0 || chmod(p->fifo, 0622) < 0)
		fail("create exec fifo %s: %s", p->fifo, go_strerror(errno));
	int fifo_path_fd = open(p->fifo, O_PATH | O_CLOEXEC);
	if (fifo_path_fd < 0)
		fail("open exec fifo %s: %s", p->fifo, go_strerror(errno));
	int console_socket = p->console_socket ? connect_console_socket(p->console_socket) : -1;
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		fail("socketpair: %s", go_strerror(errno));

	// cgroup v2: the device rules are in force before the container's first process exists.
	if (p->device_cgroup.dir)
		attach_device_program(&p->device_cgroup);
	// A raw clone rather than unshare+fork: this process stays in the host's namespaces, where
	// hooks must run, and the child is born as PID 1 of its new pid namespace. The cgroup
	// namespace waits until the child is in its cgroup (container_init).
	unsigned long clone_flags = (unsigned long)(p->new_namespaces & ~CLONE_NEWCGROUP) | SIGCHLD;
	pid_t child = (pid_t)syscall(SYS_clone, clone_flags, NULL, NULL, NULL, NULL);
	if (child < 0)
		fail("clone: %s", go_strerror(errno));
	if (child == 0) {
		close(pair[0]);
		close(RESULT_FD);
		sync_fd = pair[1];
		container_init(p, fifo_path_fd, console_socket);
	}
	close(pair[1]);
	if (console_socket >= 0)
		close(console_socket);
	if (supervise_setup(p, pair[0], child) < 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return 1;
	}
	if (report_pid(p, child) < 0)
		return 1;
	return 0;
}

// --- exec ----------------------------------------------------------------------------------

static pid_t exec_child_pid;

static void forward_to_exec_child(int signo)
{
	if (exec_child_pid > 0)
		kill(exec_child_pid, signo);
}

static void __attribute__((noreturn)) exec_process(struct plan *p, int console_socket)
{
	struct process_plan *proc = &p->process;
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	// The host's cgroup files are out of reach once inside the container's mount namespace.
	join_cgroups(p);
	join_namespaces(p, 0, CLONE_NEWPID);
	if (chdir("/") < 0)
		fail("chdir /: %s", go_strerror(errno));
	if (setsid() < 0)
		fail("setsid: %s", go_strerror(errno));
	if (console_socket >= 0)
		setup_console(console_socket, proc, 0);
	apply_rlimits(proc);
	if (proc->oom_score_adj_set) {
		char text[16];
		snprintf(text, sizeof(text), "%d", proc->oom_score_adj);
		write_file("/proc/self/oom_score_adj", text);
	}
	ensure_home(proc);
	if (!proc->no_new_privileges)
		install_seccomp(proc);
	apply_identity(proc, last_capability());
	if (chdir(proc->cwd) < 0)
		fail("exec failed: unable to start container process: chdir to cwd (\"%s\") set in config.json failed: %s",
		     proc->cwd, go_strerror(errno));
	char executable[PATH_MAX];
	look_path(proc->args[0], proc->env, executable, sizeof(executable),
		  "exec failed: unable to start container process: ");
	// Detached, the parent exits right after the exec; the process must outlive it.
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	if (proc->no_new_privileges) {
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		install_seccomp(proc);
	}
	execve(executable, proc->args, proc->env);
	fail("exec failed: unable to start container process: exec: \"%s\": %s", proc->args[0], go_strerror(errno));
}

static int exec_in_container(struct plan *p)
{
	int console_socket = p->console_socket ? connect_console_socket(p->console_socket) : -1;
	// setns into a pid namespace only moves children, so the parent joins it and forks.
	join_namespaces(p, CLONE_NEWPID, 0);
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		fail("socketpair: %s", go_strerror(errno));
	pid_t child = fork();
	if (child < 0)
		fail("fork: %s", go_strerror(errno));
	if (child == 0) {
		close(pair[0]);
		close(RESULT_FD);
		sync_fd = pair[1];
		exec_process(p, console_socket);
	}
	close(pair[1]);
	if (console_socket >= 0)
		close(console_socket);
	// The socket is close-on-exec: end of file means execve succeeded, a message means it failed.
	char buf[MESSAGE_MAX];
	ssize_t n;
	do
		n = recv(pair[0], buf, sizeof(buf) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		buf[n] = '\0';
		write_result("%s", buf);
		waitpid(child, NULL, 0);
		return 1;
	}
	if (report_pid(p, child) < 0)
		return 1;
	if (p->detach)
		return 0;
	close(RESULT_FD);
	exec_child_pid = child;
	struct sigaction forward = { .sa_handler = forward_to_exec_child };
	sigemptyset(&forward.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGCHLD && sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &forward, NULL);
	int status;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "create") != 0 && strcmp(argv[1], "exec") != 0)) {
		fprintf(stderr, "usage: ref-runc-nsexec create|exec [plan…] -- args…\n"
				"(the single-threaded stage of ref-runc; not meant to be run by hand)\n");
		return 2;
	}
	struct plan *p = calloc(1, sizeof(struct plan));
	parse_plan(argc, argv, p);
	return p->exec_mode ? exec_in_container(p) : create_container(p);
}
