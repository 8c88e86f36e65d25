// The container's process, for create and exec alike: cgroups and namespaces to join, then
// user, groups, capabilities, rlimits, seccomp, terminal and the exec itself.
// Part of ref-runc-nsexec.c, its one translation unit (scripts/build-native.mjs makes one binary per
// .c file): included there once, after the system headers and the parts before it.

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
