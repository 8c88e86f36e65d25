// ref-runc (native front door): the same command line as bin/ref-runc.js, for callers that start
// the runtime several times per container (containerd-shim-runc-v2 runs create, start, delete and
// delete --force for every `docker run --rm`). Node.js needs tens of milliseconds just to boot, so
// the two calls that are pure bookkeeping on the hot path are answered here:
//
//   start <id>            release a created container (read its exec.fifo)
//   kill <id> [number]    signal a live container's init (containerd always sends numbers)
//   delete [--force] <id> forget a container that has already stopped, or one that is not there
//
// and only when `create` left a "fastpath" note (it does not when hooks must run). Every other
// case, including every error, is handed to the TypeScript CLI unchanged, so messages and
// semantics stay defined in one place (runtime/runc/*.ts).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_ROOT "/run/ref-runc"
#define MAX_CGROUPS 32

struct fastpath_note {
	long pid;
	char start_time[32];
	char cgroups[MAX_CGROUPS][PATH_MAX];
	int cgroup_count;
};

// hand_to_node(): everything this front door does not do itself goes to bin/ref-runc.js.
#define FRONT_DOOR_NAME "ref-runc"
#include "../../lib/native/front-door.h"

static int read_note(const char *dir, struct fastpath_note *note)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/fastpath", dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	memset(note, 0, sizeof(*note));
	char line[PATH_MAX + 16];
	int ok = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "init ", 5) == 0)
			ok = sscanf(line + 5, "%ld %31s", &note->pid, note->start_time) == 2;
		else if (strncmp(line, "cgroup ", 7) == 0 && note->cgroup_count < MAX_CGROUPS) {
			size_t len = strnlen(line + 7, PATH_MAX - 1);
			memcpy(note->cgroups[note->cgroup_count], line + 7, len);
			note->cgroups[note->cgroup_count++][len] = '\0';
		}
	}
	fclose(f);
	return ok ? 0 : -1;
}

// Same test as the TypeScript state store: alive, not a zombie, same start time (field 22).
static int init_alive(const struct fastpath_note *note)
{
	char path[64], stat[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", note->pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	stat[n] = '\0';
	char *p = strrchr(stat, ')');
	if (!p || p[1] != ' ')
		return 0;
	p += 2;
	if (*p == 'Z' || *p == 'X')
		return 0;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return 0;
	size_t len = strcspn(p, " ");
	return len == strlen(note->start_time) && strncmp(p, note->start_time, len) == 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int fast_start(const char *dir)
{
	struct fastpath_note note;
	if (read_note(dir, &note) < 0 || !init_alive(&note))
		return -1;
	char fifo[PATH_MAX + 16];
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", dir);
	// Non-blocking, as in start.ts: a process that died meanwhile must not hang us.
	int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1; // not created (already started): the CLI names the state
	char byte;
	for (int waited = 0;; waited++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		poll(&pfd, 1, 1);
		ssize_t n = read(fd, &byte, 1);
		if (n == 1)
			break;
		if ((n == 0 || (n < 0 && errno == EAGAIN)) && init_alive(&note) && waited < 10000) {
			if (n == 0)
				sleep_ms(1); // no writer yet: poll reports end of file at once
			continue;
		}
		close(fd);
		return -1;
	}
	close(fd);
	unlink(fifo);
	return 0;
}

static int fast_kill(const char *dir, const char *signal_text)
{
	char *end;
	long signo = signal_text ? strtol(signal_text, &end, 10) : 15;
	if (signal_text && (*end || signo <= 0 || signo >= 65))
		return -1; // a name, or nonsense: the CLI parses and reports it
	struct fastpath_note note;
	if (read_note(dir, &note) < 0 || !init_alive(&note))
		return -1;
	return kill((pid_t)note.pid, (int)signo);
}

static int remove_cgroups(const struct fastpath_note *note)
{
	for (int tries = 0; tries < 200; tries++) {
		int pending = 0;
		for (int k = 0; k < note->cgroup_count; k++)
			if (rmdir(note->cgroups[k]) < 0 && errno != ENOENT)
				pending++;
		if (!pending)
			return 0;
		sleep_ms(10);
	}
	return -1;
}

static int remove_state_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	struct dirent *entry;
	while ((entry = readdir(d))) {
		if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
			continue;
		char path[PATH_MAX + NAME_MAX + 2];
		snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
		if (unlink(path) < 0 && errno != ENOENT) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return rmdir(dir) < 0 && errno != ENOENT ? -1 : 0;
}

static int fast_delete(const char *dir, int force)
{
	struct stat st;
	if (stat(dir, &st) < 0 && errno == ENOENT)
		return force ? 0 : -1; // without --force the CLI reports "container does not exist"
	struct fastpath_note note;
	if (read_note(dir, &note) < 0 || init_alive(&note))
		return -1; // created or running: killing is the CLI's business
	if (remove_cgroups(&note) < 0)
		return -1;
	return remove_state_dir(dir);
}

static int valid_id(const char *id)
{
	if (!*id || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return 0;
	for (const char *c = id; *c; c++)
		if (!(*c == '_' || *c == '-' || *c == '.' || *c == '+' || (*c >= '0' && *c <= '9') ||
		      (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	original_argv = argv;
	// Fault switches (lib/faults.ts, e.g. runtime-stays-running) live in the TypeScript CLI only.
	if (getenv("DOCKSPEC_FAULTS") && *getenv("DOCKSPEC_FAULTS"))
		hand_to_node();
	const char *root = DEFAULT_ROOT;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *flag = argv[i] + (argv[i][1] == '-' ? 2 : 1);
		if (strncmp(flag, "root=", 5) == 0) {
			root = flag + 5;
		} else if (strcmp(flag, "root") == 0 && i + 1 < argc) {
			root = argv[++i];
		} else if ((strcmp(flag, "log") == 0 || strcmp(flag, "log-format") == 0 || strcmp(flag, "criu") == 0 ||
			    strcmp(flag, "rootless") == 0) && i + 1 < argc) {
			i++;
		} else if (strcmp(flag, "debug") != 0 && strcmp(flag, "systemd-cgroup") != 0 && !strchr(flag, '=')) {
			hand_to_node(); // --version, --help, anything new
		}
	}
	if (i >= argc)
		hand_to_node();
	const char *command = argv[i++];
	int force = 0;
	if (strcmp(command, "delete") == 0)
		for (; i < argc && argv[i][0] == '-'; i++) {
			if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0)
				force = 1;
			else
				hand_to_node();
		}
	const char *signal_text = NULL;
	if (strcmp(command, "kill") == 0 && i == argc - 2)
		signal_text = argv[argc - 1];
	else if (i != argc - 1)
		hand_to_node();
	if (!valid_id(argv[i]))
		hand_to_node();
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%s", root, argv[i]);
	int rc = -1;
	if (strcmp(command, "kill") == 0)
		rc = fast_kill(dir, signal_text);
	else if (strcmp(command, "start") == 0)
		rc = fast_start(dir);
	else if (strcmp(command, "delete") == 0)
		rc = fast_delete(dir, force);
	if (rc == 0)
		return 0;
	hand_to_node();
}
