// ref-containerd-shim (native front door): the shim's `start` step without Node.js. containerd runs
// `<shim> -namespace … -id … -address … start` once per container and waits for the address on
// its stdout before it can send the first request, so this step is on every container start's
// critical path; booting Node.js for it cost 60–150 ms (docs/benchmarks.md). It does what
// runtime/shim/shim-start.ts does, step for step:
//
//   drain stdin (containerd writes the runtime options there), find the shim's socket path
//   (api/shim-address.ts: <dir of containerd.sock>/s/<sha256(address/namespace/id)>), answer with
//   the shim that already serves it if one does, else bind and listen, launch the serving shim
//   (`node ../bin/ref-containerd-shim.js -namespace … -id … -address …`) in its own session with
//   the listening socket as fd 3 and no stdio, write shim.pid and the `address` file, print the
//   address and exit.
//
// containerd's first request then waits in the socket's backlog while the serving shim boots.
// Everything else (delete, serving, a command line it does not know, any fault switch) is handed
// to the TypeScript shim unchanged, which is also a complete shim on its own.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SUN_PATH_MAX 107
// The serving shim lives as long as its container and allocates little once it serves: a young
// generation of 1 MiB semi-spaces instead of V8's default keeps ~2 MiB less of it resident per
// container; --expose-gc lets it compact its heap once it is idle (runtime/shim/shim-serve.ts); no
// V8 worker threads and no optimising compilers (--lite-mode: its per-request JavaScript is small,
// its stdio bytes move in libuv) and one malloc arena keep ~1 MiB more of it off each container
// (docs/benchmarks.md). runtime/shim/shim-start.ts starts it the same way.
#define SERVE_NODE_FLAGS "--max-semi-space-size=1", "--expose-gc", "--single-threaded", "--v8-pool-size=1", "--lite-mode"
#define SERVE_MALLOC_ARENA_MAX "1"
#define LISTENER_FD 3

// hand_to_node(): everything this front door does not do itself goes to bin/ref-containerd-shim.js.
#define FRONT_DOOR_NAME "ref-containerd-shim"
#include "../../lib/native/front-door.h"
#include "../../lib/native/mkdir-all.h"

// SHA-256 (FIPS 180-4), for the socket name only.
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

static void sha256_hex(const char *text, char out[65])
{
	uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	size_t len = strlen(text);
	size_t full = len / 64 * 64;
	for (size_t off = 0; off < full; off += 64)
		sha256_block(h, (const unsigned char *)text + off);
	unsigned char tail[128] = { 0 };
	size_t rest = len - full;
	memcpy(tail, text + full, rest);
	tail[rest] = 0x80;
	size_t tail_len = rest + 1 + 8 <= 64 ? 64 : 128;
	uint64_t bits = (uint64_t)len * 8;
	for (int i = 0; i < 8; i++)
		tail[tail_len - 1 - i] = (unsigned char)(bits >> (8 * i));
	for (size_t off = 0; off < tail_len; off += 64)
		sha256_block(h, tail + off);
	for (int i = 0; i < 8; i++)
		snprintf(out + 8 * i, 9, "%08x", h[i]);
}

// api/shim-address.ts: beside containerd's socket, a shorter hash when the path would not fit.
static void shim_socket_path(const char *address, const char *ns, const char *id, char *out, size_t size)
{
	const char *sock = strncmp(address, "unix://", 7) == 0 ? address + 7 : address;
	size_t text_len = strlen(sock) + strlen(ns) + strlen(id) + 3;
	char *text = malloc(text_len);
	snprintf(text, text_len, "%s/%s/%s", sock, ns, id);
	char hash[65];
	sha256_hex(text, hash);
	free(text);
	char dir[PATH_MAX / 2];
	const char *slash = strrchr(sock, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), "s");
	else if (slash == sock)
		snprintf(dir, sizeof(dir), "/s");
	else
		snprintf(dir, sizeof(dir), "%.*s/s", (int)(slash - sock), sock);
	for (int len = 64; len >= 32; len -= 32) {
		snprintf(out, size, "%s/%.*s", dir, len, hash);
		if (strlen(out) <= SUN_PATH_MAX)
			return;
	}
	snprintf(out, size, "/run/ref-containerd/s/%.32s", hash);
}

static void drain_stdin(void)
{
	struct stat st;
	if (fstat(0, &st) < 0 || !S_ISFIFO(st.st_mode))
		return;
	char buf[4096];
	while (read(0, buf, sizeof(buf)) > 0)
		;
}

static int unix_address(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

// Does a shim already serve this socket? (containerd retries `start` after a crash in between.)
static int answers(const char *path)
{
	struct sockaddr_un sa;
	if (unix_address(path, &sa) < 0)
		return 0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	int ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static int bind_listener(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir_all(dir, 0711, NULL) < 0)
			return -1;
	}
	// A socket file that nobody answers on is a dead shim's leftover.
	if (unlink(path) < 0 && errno != ENOENT)
		return -1;
	struct sockaddr_un sa;
	if (unix_address(path, &sa) < 0)
		return -1;
	// Not close-on-exec: the serving shim inherits it (moved to fd 3 below).
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 511) < 0 || chmod(path, 0600) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

// Launches the serving shim; returns its pid, or -1 with errno from the failed exec.
static pid_t launch(int listener, const char *socket_path, char *const serve_argv[])
{
	int report[2];
	if (pipe2(report, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(report[0]);
		setsid();
		int null = open("/dev/null", O_RDWR);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			goto failed;
		if (listener == LISTENER_FD) {
			int flags = fcntl(listener, F_GETFD);
			if (flags < 0 || fcntl(listener, F_SETFD, flags & ~FD_CLOEXEC) < 0)
				goto failed;
		} else if (dup2(listener, LISTENER_FD) < 0) {
			goto failed;
		}
		if (null > LISTENER_FD)
			close(null);
		if (listener > LISTENER_FD)
			close(listener);
		setenv("REF_SHIM_LISTENER_FD", "3", 1);
		setenv("REF_SHIM_SOCKET", socket_path, 1);
		setenv("MALLOC_ARENA_MAX", SERVE_MALLOC_ARENA_MAX, 1);
		execvp(serve_argv[0], serve_argv);
failed:;
		int err = errno;
		ssize_t w = write(report[1], &err, sizeof(err));
		(void)w;
		_exit(127);
	}
	close(report[1]);
	int err = 0;
	ssize_t n = read(report[0], &err, sizeof(err));
	close(report[0]);
	if (n == sizeof(err)) {
		errno = err;
		return -1;
	}
	return pid;
}

static int write_file(const char *dir, const char *name, const char *text, mode_t mode, int atomic)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	const char *target = atomic ? tmp : path;
	int fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return -1;
	return atomic ? rename(tmp, path) : 0;
}

// The address file in the bundle (read by containerd when it reconnects), then stdout.
static int announce(const char *socket_path)
{
	char address[PATH_MAX + 8];
	snprintf(address, sizeof(address), "unix://%s", socket_path);
	if (write_file(".", "address", address, 0600, 1) < 0) {
		fprintf(stderr, "write address file: %s\n", strerror(errno));
		return 1;
	}
	fputs(address, stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	original_argv = argv;
	// Fault switches (lib/faults.ts) live in the TypeScript shim only.
	if (getenv("DOCKSPEC_FAULTS") && *getenv("DOCKSPEC_FAULTS"))
		hand_to_node();
	// Go's flag package, as shim-flags.ts parses it; anything else is the TypeScript shim's to judge.
	const char *ns = "moby", *id = NULL, *address = NULL, *action = NULL;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (arg[0] != '-') {
			if (!action)
				action = arg;
			continue;
		}
		const char *name = arg + (arg[1] == '-' ? 2 : 1);
		const char *eq = strchr(name, '=');
		size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
		const char **slot = NULL;
		if (name_len == 9 && strncmp(name, "namespace", 9) == 0)
			slot = &ns;
		else if (name_len == 2 && strncmp(name, "id", 2) == 0)
			slot = &id;
		else if (name_len == 7 && strncmp(name, "address", 7) == 0)
			slot = &address;
		else if ((name_len == 14 && strncmp(name, "publish-binary", 14) == 0) || (name_len == 6 && strncmp(name, "bundle", 6) == 0))
			slot = NULL; // valued, not used by the start step
		else if (name_len == 5 && strncmp(name, "debug", 5) == 0 && (!eq || strcmp(eq + 1, "true") == 0 || strcmp(eq + 1, "false") == 0))
			continue;
		else
			hand_to_node();
		const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
		if (!value)
			hand_to_node();
		if (slot)
			*slot = value;
	}
	if (!action || strcmp(action, "start") != 0 || !id || !*id || !address || !*address)
		hand_to_node();
	// What `ps` shows of containerd-shim-runc-v2, and what the TypeScript start step sets as its title.
	prctl(PR_SET_NAME, "ref-containerd-", 0, 0, 0);

	drain_stdin();
	char socket_path[PATH_MAX];
	shim_socket_path(address, ns, id, socket_path, sizeof(socket_path));
	if (answers(socket_path))
		return announce(socket_path);
	int listener = bind_listener(socket_path);
	if (listener < 0) {
		fprintf(stderr, "failed to create shim socket %s: %s\n", socket_path, strerror(errno));
		return 1;
	}
	char script[PATH_MAX + 32];
	script_path(script, sizeof(script));
	char *serve_argv[] = { "node", SERVE_NODE_FLAGS, script, "-namespace", (char *)ns, "-id", (char *)id, "-address", (char *)address, NULL };
	pid_t pid = launch(listener, socket_path, serve_argv);
	if (pid < 0) {
		int err = errno;
		unlink(socket_path);
		fprintf(stderr, "failed to start shim: %s\n", strerror(err));
		return 1;
	}
	// As the runc shim's start step does: the serving shim's pid in the bundle before the address is out.
	char pid_text[32];
	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	if (write_file(".", "shim.pid", pid_text, 0644, 0) < 0) {
		fprintf(stderr, "write shim.pid: %s\n", strerror(errno));
		return 1;
	}
	// The listener is the serving shim's now; exiting leaves the socket file in place.
	return announce(socket_path);
}
