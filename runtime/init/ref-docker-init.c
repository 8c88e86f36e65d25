// ref-docker-init: the init that Docker bind-mounts at /sbin/docker-init for `docker run --init`.
// It runs `-- cmd args…` as its only child, forwards the signals it receives to that child, reaps
// every orphan the kernel re-parents to it (it is PID 1 of the container), and exits with the
// child's status. Command line compatible with what dockerd passes to tini (`--`, and `--version`
// for `docker info`), plus tini's -s, -g, -v.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define INIT_VERSION "0.1.0"

struct options {
	int subreaper;     // -s: adopt orphans even when not PID 1
	int process_group; // -g: signal the child's whole process group, not only the child
	int verbosity;     // -v, repeatable
	char **command;
};

static void report(const char *level, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "[%s ref-docker-init (%d)] ", level, (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void print_usage(FILE *out)
{
	fprintf(out,
		"ref-docker-init (dockspec reference init) - version " INIT_VERSION "\n"
		"Usage: ref-docker-init [OPTIONS] -- PROGRAM [ARGS]\n\n"
		"Runs PROGRAM as a child, forwards signals to it, reaps zombies.\n\n"
		"  -h         show this help\n"
		"  -s         register as a process subreaper\n"
		"  -g         send signals to the child's process group\n"
		"  -v         more verbose output (repeat for more)\n"
		"  --version  print the version and exit\n");
}

// dockerd parses `docker-init --version` the way tini prints it ("… version X - git.COMMIT") to
// fill `docker info`; keeping that shape lets real dockerd read ours without a warning.
static void print_version(void)
{
	printf("ref-docker-init version " INIT_VERSION " - git.dockspec\n");
}

static int parse_options(int argc, char **argv, struct options *opts)
{
	memset(opts, 0, sizeof(*opts));
	int i = 1;
	for (; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(arg, "--version") == 0) {
			print_version();
			exit(0);
		}
		if (arg[0] != '-' || arg[1] == '\0')
			break; // tini also accepts the program without "--"
		for (const char *flag = arg + 1; *flag; flag++) {
			switch (*flag) {
			case 's': opts->subreaper = 1; break;
			case 'g': opts->process_group = 1; break;
			case 'v': opts->verbosity++; break;
			case 'h': print_usage(stdout); exit(0);
			default:
				print_usage(stderr);
				exit(1);
			}
		}
	}
	if (i >= argc) {
		print_usage(stderr);
		exit(1);
	}
	opts->command = argv + i;
	return 0;
}

// Signals raised by a fault in this process itself must keep their default action; every other
// signal is blocked and collected with sigwaitinfo, so that none is lost between two waits.
static void block_forwardable_signals(sigset_t *blocked, sigset_t *previous)
{
	sigfillset(blocked);
	static const int synchronous[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGSYS };
	for (size_t i = 0; i < sizeof(synchronous) / sizeof(synchronous[0]); i++)
		sigdelset(blocked, synchronous[i]);
	// SIGTTIN/SIGTTOU are never forwarded: the child handles its own terminal access.
	sigdelset(blocked, SIGTTIN);
	sigdelset(blocked, SIGTTOU);
	sigprocmask(SIG_SETMASK, blocked, previous);
}

// Ignored so that handing the terminal to the child's process group (tcsetpgrp from a process
// that is then in the background) does not stop us.
static void ignore_terminal_stops(struct sigaction *saved_ttin, struct sigaction *saved_ttou)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGTTIN, &ignore, saved_ttin);
	sigaction(SIGTTOU, &ignore, saved_ttou);
}

// The child gets its own process group, as with tini: a shell's job control, `kill -- -pgid` and
// the terminal's foreground group then concern the command and not the init.
static void isolate_child(void)
{
	if (setpgid(0, 0) < 0)
		report("WARN", "setpgid failed: %s", strerror(errno));
	if (isatty(STDIN_FILENO) && tcsetpgrp(STDIN_FILENO, getpgrp()) < 0 && errno != ENOTTY && errno != ENXIO)
		report("WARN", "tcsetpgrp failed: %s", strerror(errno));
}

// Exit codes follow the shell's convention that Docker also reports: 127 not found, 126 not
// executable.
static int exec_failure_status(int err)
{
	switch (err) {
	case ENOENT: return 127;
	case EACCES: case EPERM: case ENOEXEC: case EISDIR: return 126;
	default: return 1;
	}
}

static pid_t spawn_command(char **command, const sigset_t *previous_mask,
			   const struct sigaction *saved_ttin, const struct sigaction *saved_ttou)
{
	pid_t pid = fork();
	if (pid < 0) {
		report("FATAL", "fork failed: %s", strerror(errno));
		exit(1);
	}
	if (pid > 0) {
		// Also from the parent, so that a signal forwarded with -g right away finds the group.
		setpgid(pid, pid);
		return pid;
	}
	isolate_child();
	sigaction(SIGTTIN, saved_ttin, NULL);
	sigaction(SIGTTOU, saved_ttou, NULL);
	sigprocmask(SIG_SETMASK, previous_mask, NULL);
	execvp(command[0], command);
	int err = errno;
	report("FATAL", "exec %s failed: %s", command[0], strerror(err));
	_exit(exec_failure_status(err));
}

static int status_to_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

// PID 1 inherits every orphan of the container; each must be waited for or it stays a zombie.
// Returns 1 once the command itself has been reaped, with its exit code in *exit_code.
static int reap_zombies(pid_t command_pid, int *exit_code, int verbosity)
{
	int command_done = 0;
	for (;;) {
		int status;
#ifdef FAULT_INIT_NO_REAP
		// Fault switch init-no-reap (lib/faults.ts): wait for the command only, so orphans stay zombies.
		pid_t pid = waitpid(command_pid, &status, WNOHANG);
#else
		pid_t pid = waitpid(-1, &status, WNOHANG);
#endif
		if (pid == 0)
			break;
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break; // ECHILD: nothing left to reap
		}
		if (pid == command_pid) {
			*exit_code = status_to_exit_code(status);
			command_done = 1;
		} else if (verbosity > 0) {
			report("INFO", "reaped zombie process %d", (int)pid);
		}
	}
	return command_done;
}

static void forward_signal(const struct options *opts, pid_t command_pid, int signo)
{
	pid_t target = opts->process_group ? -command_pid : command_pid;
	if (kill(target, signo) < 0 && errno != ESRCH)
		report("WARN", "forwarding signal %d failed: %s", signo, strerror(errno));
	else if (opts->verbosity > 1)
		report("INFO", "forwarded signal %d to %d", signo, (int)target);
}

static void warn_when_orphans_escape(const struct options *opts)
{
	if (opts->subreaper) {
		if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
			report("WARN", "registering as a child subreaper failed: %s", strerror(errno));
		return;
	}
	if (getpid() != 1)
		report("WARN", "not running as PID 1 and not a subreaper (-s): orphans will not be reaped here");
}

int main(int argc, char **argv)
{
	struct options opts;
	parse_options(argc, argv, &opts);
	warn_when_orphans_escape(&opts);

	sigset_t waited, previous;
	struct sigaction saved_ttin, saved_ttou;
	block_forwardable_signals(&waited, &previous);
	ignore_terminal_stops(&saved_ttin, &saved_ttou);

	pid_t command_pid = spawn_command(opts.command, &previous, &saved_ttin, &saved_ttou);
	for (;;) {
		siginfo_t info;
		int signo = sigwaitinfo(&waited, &info);
		if (signo < 0)
			continue; // EINTR
		if (signo == SIGCHLD) {
			int exit_code;
			if (reap_zombies(command_pid, &exit_code, opts.verbosity))
				return exit_code;
			continue;
		}
#ifdef FAULT_INIT_NO_SIGNAL_FORWARD
		// Fault switch init-no-signal-forward (lib/faults.ts): the signal is taken and dropped.
		continue;
#endif
		forward_signal(&opts, command_pid, signo);
	}
}
