// The parent's side while the child sets up: the OCI hooks it runs and the sync protocol with the
// child over a socket pair.
// Part of ref-runc-nsexec.c, its one translation unit (scripts/build-native.mjs makes one binary per
// .c file): included there once, after the system headers and the parts before it.

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
