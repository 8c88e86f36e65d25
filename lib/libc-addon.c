// libc-addon: the few system calls a serving shim makes for its container's whole life (waitpid of
// the processes it adopted, PR_SET_CHILD_SUBREAPER, F_SETPIPE_SZ, pipe2, eventfd), as a Node-API
// addon of a few kilobytes. lib/libc.ts uses it when it was built (dist/native/libc-addon.node) and
// koffi otherwise. Why (docs/benchmarks.md): koffi, a general FFI, cost every shim ~14 ms of CPU to
// load on the container's start path and ~1.5 MiB of anonymous memory for as long as it ran.
//
// Every call returns what the system call returned, or -errno when it failed: the caller turns
// that into its SyscallError.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int32_t int_arg(napi_env env, napi_value *argv, size_t argc, size_t i)
{
	int32_t v = 0;
	if (i < argc)
		napi_get_value_int32(env, argv[i], &v);
	return v;
}

static napi_value number(napi_env env, int32_t v)
{
	napi_value out;
	napi_create_int32(env, v, &out);
	return out;
}

static napi_value pair(napi_env env, int32_t a, int32_t b)
{
	napi_value out;
	napi_create_array_with_length(env, 2, &out);
	napi_set_element(env, out, 0, number(env, a));
	napi_set_element(env, out, 1, number(env, b));
	return out;
}

#define ARGS(n)                                                        \
	size_t argc = (n);                                             \
	napi_value argv[(n)];                                          \
	napi_get_cb_info(env, info, &argc, argv, NULL, NULL)

// waitpid(pid, options) → [pid or 0, wait status] or [-errno, 0]
static napi_value js_waitpid(napi_env env, napi_callback_info info)
{
	ARGS(2);
	int status = 0;
	pid_t rc = waitpid(int_arg(env, argv, argc, 0), &status, int_arg(env, argv, argc, 1));
	return rc < 0 ? pair(env, -errno, 0) : pair(env, rc, status);
}

// prctl(option, arg2) with the other arguments 0
static napi_value js_prctl(napi_env env, napi_callback_info info)
{
	ARGS(2);
	int rc = prctl(int_arg(env, argv, argc, 0), (unsigned long)int_arg(env, argv, argc, 1), 0UL, 0UL, 0UL);
	return number(env, rc < 0 ? -errno : rc);
}

// fcntl(fd, cmd, int arg)
static napi_value js_fcntl(napi_env env, napi_callback_info info)
{
	ARGS(3);
	int rc = fcntl(int_arg(env, argv, argc, 0), int_arg(env, argv, argc, 1), int_arg(env, argv, argc, 2));
	return number(env, rc < 0 ? -errno : rc);
}

// pipe2(flags) → [read end, write end] or [-errno, -errno]
static napi_value js_pipe2(napi_env env, napi_callback_info info)
{
	ARGS(1);
	int fds[2];
	if (pipe2(fds, int_arg(env, argv, argc, 0)) < 0)
		return pair(env, -errno, -errno);
	return pair(env, fds[0], fds[1]);
}

// eventfd(initval, flags)
static napi_value js_eventfd(napi_env env, napi_callback_info info)
{
	ARGS(2);
	int rc = eventfd((unsigned int)int_arg(env, argv, argc, 0), int_arg(env, argv, argc, 1));
	return number(env, rc < 0 ? -errno : rc);
}

NAPI_MODULE_INIT()
{
	const napi_property_descriptor fns[] = {
		{ "waitpid", NULL, js_waitpid, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "prctl", NULL, js_prctl, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "fcntl", NULL, js_fcntl, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "pipe2", NULL, js_pipe2, NULL, NULL, NULL, napi_enumerable, NULL },
		{ "eventfd", NULL, js_eventfd, NULL, NULL, NULL, napi_enumerable, NULL },
	};
	napi_define_properties(env, exports, sizeof(fns) / sizeof(fns[0]), fns);
	return exports;
}
