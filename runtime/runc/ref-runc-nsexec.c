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
// One program, one translation unit (scripts/build-native.mjs makes one static binary per .c file),
// cut by job into headers that only this file includes, in this order: nsexec-errors.h (the result
// line and fail()), nsexec-plan.h (the plan and its parser), nsexec-mounts.h (the rootfs),
// nsexec-process.h (the process's identity, limits and exec), nsexec-parent.h (hooks and the sync
// protocol); create, exec and main stay here.
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

#include "nsexec-errors.h"
#include "nsexec-plan.h"
#include "nsexec-mounts.h"
#include "nsexec-process.h"
#include "nsexec-parent.h"

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
