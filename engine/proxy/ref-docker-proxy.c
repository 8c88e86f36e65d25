// ref-docker-proxy (native): docker-proxy's process contract without a Node.js runtime behind it.
// dockerd starts one proxy per published host port and address family and keeps it for the
// container's life, so what it costs is memory: a Node.js process cannot get under ~9 MiB PSS
// (its heap and runtime; docs/benchmarks.md), where this one needs a few hundred KiB.
//
// Same contract as engine/proxy/main.ts: `0\n` on fd 3 once the port is bound, TCP forwarded per
// connection with the half-close passed on (kernel splice, no copy through user space), UDP with one
// socket towards the container per client address, forgotten after 90 s idle; stops on SIGINT or
// SIGTERM and when its parent (dockerd) goes. Anything else — a command line it does not take
// as given (help, unknown flags, a bad value, sctp, a host address that is not an IP) and every bind
// error — is handed to the TypeScript proxy (bin/ref-docker-proxy.js) unchanged, which prints
// docker-proxy's usage and Go's texts; it is also a complete proxy on its own.
//
// One file (~430 lines) on purpose: TCP and UDP forwarding are both driven by the one epoll loop
// in main(), which tells their events apart by the data pointer, so each half needs the other's
// types; the hand-over to Node.js is lib/native/front-door.h.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READY_FD 3
#define PIPE_CHUNK (64 * 1024)
#define UDP_FLOW_IDLE_S 90
#define UDP_MAX_DATAGRAM 65507
#define PARENT_POLL_MS 200

// hand_to_node(): everything this front door does not do itself goes to bin/ref-docker-proxy.js.
#define FRONT_DOOR_NAME "ref-docker-proxy"
#include "../../lib/native/front-door.h"

struct addr {
	struct sockaddr_storage sa;
	socklen_t len;
	int family;
};

// An IPv4 or IPv6 literal (no zone) and a port, as a socket address; -1 when the text is not one.
static int parse_addr(const char *ip, long port, struct addr *out)
{
	memset(out, 0, sizeof(*out));
	struct sockaddr_in *v4 = (struct sockaddr_in *)&out->sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->sa;
	if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
		v4->sin_family = out->family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		out->len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
		v6->sin6_family = out->family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*v6);
		return 0;
	}
	return -1;
}

static int parse_port(const char *text, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno || !*text || *end || v < 0 || v > 65535)
		return -1;
	*out = v;
	return 0;
}

// Go's errno texts are strerror's with a lower-case first letter ("connection refused").
static const char *go_errno(int err)
{
	static char text[128];
	snprintf(text, sizeof(text), "%s", strerror(err));
	if (text[0] >= 'A' && text[0] <= 'Z')
		text[0] = (char)(text[0] - 'A' + 'a');
	return text;
}

static int epfd;
static struct addr backend;
static char backend_text[INET6_ADDRSTRLEN + 8];

// ---- TCP: one pair of sockets per client, each direction spliced through a pipe ----

struct conn;
struct end {
	struct conn *conn;
	int fd;
	int registered; // in the epoll set: an end with nothing to wait for is taken out, or its HUP would spin the loop
};
struct direction {
	int pipe[2];
	size_t pending; // bytes in the pipe, read from src and not yet written to dst
	int src_eof;
	int shut; // dst's write side shut down after src ended
};
struct conn {
	struct end client, backend;
	struct direction up, down; // up: client → backend
	int connecting;
	int dead;
	struct conn *next_dead;
};
static struct conn *dead_conns;

static void conn_close(struct conn *c)
{
	if (c->dead)
		return;
	c->dead = 1;
	close(c->client.fd);
	close(c->backend.fd);
	for (int i = 0; i < 2; i++) {
		close(c->up.pipe[i]);
		close(c->down.pipe[i]);
	}
	// Freed after the current batch of events, which may still name it.
	c->next_dead = dead_conns;
	dead_conns = c;
}

// Moves what can move from src to dst without blocking; -1 on a connection error.
static int pump(struct direction *d, int src, int dst)
{
	for (;;) {
		if (d->pending > 0) {
			ssize_t n = splice(d->pipe[0], NULL, dst, NULL, d->pending, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				d->pending -= (size_t)n;
				continue;
			}
			return n < 0 && errno == EAGAIN ? 0 : -1;
		}
		if (d->src_eof) {
			if (!d->shut) {
				shutdown(dst, SHUT_WR); // the half-close, passed on
				d->shut = 1;
			}
			return 0;
		}
		ssize_t n = splice(src, NULL, d->pipe[1], NULL, PIPE_CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0)
			d->pending += (size_t)n;
		else if (n == 0)
			d->src_eof = 1;
		else
			return errno == EAGAIN ? 0 : -1;
	}
}

static void watch(struct end *e, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = e };
	if (!events) {
		if (e->registered)
			epoll_ctl(epfd, EPOLL_CTL_DEL, e->fd, NULL);
		e->registered = 0;
		return;
	}
	epoll_ctl(epfd, e->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, e->fd, &ev);
	e->registered = 1;
}

static void conn_rearm(struct conn *c)
{
	uint32_t client = 0, back = 0;
	if (c->up.pending)
		back |= EPOLLOUT;
	else if (!c->up.src_eof)
		client |= EPOLLIN;
	if (c->down.pending)
		client |= EPOLLOUT;
	else if (!c->down.src_eof)
		back |= EPOLLIN;
	watch(&c->client, client);
	watch(&c->backend, back);
}

static void conn_event(struct conn *c, uint32_t events)
{
	if (c->dead)
		return;
	// A reset from either side ends both, as the TypeScript proxy's destroy() does.
	if (events & EPOLLERR && !c->connecting) {
		conn_close(c);
		return;
	}
	if (c->connecting) {
		int err = 0;
		socklen_t len = sizeof(err);
		getsockopt(c->backend.fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err == EINPROGRESS)
			return;
		if (err) {
			fprintf(stderr, "Can't forward traffic to backend tcp/%s: dial tcp %s: connect: %s\n", backend_text, backend_text, go_errno(err));
			conn_close(c);
			return;
		}
		c->connecting = 0;
	}
	if (pump(&c->up, c->client.fd, c->backend.fd) < 0 || pump(&c->down, c->backend.fd, c->client.fd) < 0) {
		conn_close(c);
		return;
	}
	if (c->up.shut && c->down.shut) {
		conn_close(c);
		return;
	}
	conn_rearm(c);
}

static int add_fd(int fd, void *ptr, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void tcp_accept(int listener)
{
	for (;;) {
		int client = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (client < 0)
			return;
		int one = 1;
		setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct conn *c = calloc(1, sizeof(*c));
		c->client = (struct end){ c, client, 0 };
		c->backend = (struct end){ c, socket(backend.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), 0 };
		if (c->backend.fd < 0 || pipe2(c->up.pipe, O_NONBLOCK | O_CLOEXEC) < 0 || pipe2(c->down.pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
			fprintf(stderr, "Can't forward traffic to backend tcp/%s: %s\n", backend_text, go_errno(errno));
			close(client);
			if (c->backend.fd >= 0)
				close(c->backend.fd);
			free(c);
			continue;
		}
		setsockopt(c->backend.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->connecting = 1;
		if (connect(c->backend.fd, (struct sockaddr *)&backend.sa, backend.len) < 0 && errno != EINPROGRESS) {
			fprintf(stderr, "Can't forward traffic to backend tcp/%s: dial tcp %s: connect: %s\n", backend_text, backend_text, go_errno(errno));
			conn_close(c);
			continue;
		}
		// Nothing is read from the client until the backend is connected.
		watch(&c->backend, EPOLLOUT);
	}
}

// ---- UDP: one socket towards the container per client address ----

struct flow {
	struct sockaddr_storage client;
	socklen_t client_len;
	int fd;
	time_t last;
	struct flow *next;
};
static struct flow *flows;
static int udp_listener;
static char datagram[UDP_MAX_DATAGRAM];

static void udp_from_client(void)
{
	for (;;) {
		struct sockaddr_storage from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(udp_listener, datagram, sizeof(datagram), MSG_DONTWAIT, (struct sockaddr *)&from, &len);
		if (n < 0)
			return;
		struct flow *f = flows;
		while (f && !(f->client_len == len && memcmp(&f->client, &from, len) == 0))
			f = f->next;
		if (!f) {
			int fd = socket(backend.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (fd < 0 || connect(fd, (struct sockaddr *)&backend.sa, backend.len) < 0) {
				if (fd >= 0)
					close(fd);
				continue;
			}
			f = calloc(1, sizeof(*f));
			f->client = from;
			f->client_len = len;
			f->fd = fd;
			f->next = flows;
			flows = f;
			add_fd(fd, f, EPOLLIN);
		}
		f->last = time(NULL);
		send(f->fd, datagram, (size_t)n, MSG_DONTWAIT);
	}
}

static void udp_from_backend(struct flow *f)
{
	for (;;) {
		ssize_t n = recv(f->fd, datagram, sizeof(datagram), MSG_DONTWAIT);
		if (n < 0)
			return;
		f->last = time(NULL);
		sendto(udp_listener, datagram, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&f->client, f->client_len);
	}
}

static void udp_forget_idle(void)
{
	time_t now = time(NULL);
	for (struct flow **p = &flows; *p;) {
		struct flow *f = *p;
		if (now - f->last < UDP_FLOW_IDLE_S) {
			p = &f->next;
			continue;
		}
		*p = f->next;
		close(f->fd); // also leaves the epoll set
		free(f);
	}
}

static void on_stop(int sig)
{
	(void)sig;
	_exit(0);
}

int main(int argc, char **argv)
{
	original_argv = argv;
	const char *proto = "tcp", *host_ip = "", *container_ip = "";
	const char *host_port_text = NULL, *container_port_text = NULL;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (arg[0] != '-' || strcmp(arg, "-") == 0 || strcmp(arg, "--") == 0)
			break; // Go stops at the first non-flag argument
		const char *name = arg + (arg[1] == '-' ? 2 : 1);
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
		if (!value)
			hand_to_node();
		if (len == 5 && strncmp(name, "proto", 5) == 0)
			proto = value;
		else if (len == 7 && strncmp(name, "host-ip", 7) == 0)
			host_ip = value;
		else if (len == 9 && strncmp(name, "host-port", 9) == 0)
			host_port_text = value;
		else if (len == 12 && strncmp(name, "container-ip", 12) == 0)
			container_ip = value;
		else if (len == 14 && strncmp(name, "container-port", 14) == 0)
			container_port_text = value;
		else
			hand_to_node(); // -h, unknown flags: usage and Go's texts
	}
	int tcp = strcmp(proto, "tcp") == 0;
	long host_port, container_port;
	if ((!tcp && strcmp(proto, "udp") != 0) || !host_port_text || !container_port_text || parse_port(host_port_text, &host_port) < 0 ||
	    parse_port(container_port_text, &container_port) < 0 || parse_addr(container_ip, container_port, &backend) < 0)
		hand_to_node();
	struct addr host;
	// Go's net.ParseIP gives nil for text that is no address, and a nil IP listens on every address.
	if (parse_addr(host_ip, host_port, &host) < 0) {
		if (*host_ip && strchr(host_ip, '%'))
			hand_to_node(); // a zone: Node's parser takes it, inet_pton does not
		parse_addr(tcp ? "::" : "0.0.0.0", host_port, &host);
	}
	if (backend.family == AF_INET6)
		snprintf(backend_text, sizeof(backend_text), "[%s]:%ld", container_ip, container_port);
	else
		snprintf(backend_text, sizeof(backend_text), "%s:%ld", container_ip, container_port);

	// Stop with dockerd: the kernel's parent-death signal, and the parent's pid polled as well.
	pid_t parent = getppid();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	struct sigaction sa = { .sa_handler = on_stop };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int listener = socket(host.family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listener < 0)
		hand_to_node();
	int one = 1;
	// Go's tcp6 listener on "::" is IPv6-only, which is why Docker runs a second proxy for 0.0.0.0.
	if (host.family == AF_INET6)
		setsockopt(listener, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (tcp)
		setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listener, (struct sockaddr *)&host.sa, host.len) < 0 || (tcp && listen(listener, 511) < 0)) {
		close(listener);
		hand_to_node(); // the TypeScript proxy binds again and reports Go's text for the error
	}
	if (parent > 1 && getppid() != parent)
		return 0; // dockerd went before the death signal was armed
	epfd = epoll_create1(EPOLL_CLOEXEC);
	add_fd(listener, NULL, EPOLLIN);
	udp_listener = listener;
	// Run by hand there is no fd 3: nobody to tell.
	if (write(READY_FD, "0\n", 2) == 2)
		close(READY_FD);

	struct epoll_event events[64];
	for (;;) {
		int n = epoll_wait(epfd, events, 64, PARENT_POLL_MS);
		for (int i = 0; i < n; i++) {
			void *ptr = events[i].data.ptr;
			if (!ptr) {
				if (tcp)
					tcp_accept(listener);
				else
					udp_from_client();
			} else if (tcp) {
				conn_event(((struct end *)ptr)->conn, events[i].events);
			} else {
				udp_from_backend(ptr);
			}
		}
		while (dead_conns) {
			struct conn *c = dead_conns;
			dead_conns = c->next_dead;
			free(c);
		}
		if (!tcp)
			udp_forget_idle();
		if (parent > 1 && getppid() != parent)
			return 0;
	}
}
