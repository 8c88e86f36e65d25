// The plan: what the TypeScript CLI decided from config.json, passed as this program's command
// line, and its parser.
// Part of ref-runc-nsexec.c, its one translation unit (scripts/build-native.mjs makes one binary per
// .c file): included there once, after the system headers and the parts before it.

#define MAX_ITEMS 128

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
