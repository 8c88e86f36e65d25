// What the native front doors share (ref-runc, ref-docker-proxy, ref-containerd-shim): each does
// the hot part of its command in C and hands everything else, unchanged, to the TypeScript program
// of the same name, which is complete on its own. One copy here, so that the three hand over alike.
//
// The including file defines FRONT_DOOR_NAME (e.g. "ref-runc") before the include, sets
// original_argv = argv first thing in main, and is built from dist/native/<name>: the TypeScript
// program is ../bin/<name>.js relative to the binary.
#ifndef DOCKSPEC_FRONT_DOOR_H
#define DOCKSPEC_FRONT_DOOR_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FRONT_DOOR_NAME
#error "define FRONT_DOOR_NAME before including front-door.h"
#endif

static char **original_argv;

// /proc/self/exe, not argv[0]: argv[0] may be a bare name that was found through PATH.
static void script_path(char *out, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		perror(FRONT_DOOR_NAME ": readlink /proc/self/exe");
		exit(1);
	}
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(out, size, "%s/../bin/" FRONT_DOOR_NAME ".js", self);
}

// Same arguments, same pid (exec, not spawn): the caller waits for this process and reads its
// status and output as if the front door had answered itself.
static void __attribute__((noreturn)) hand_to_node(void)
{
	char script[PATH_MAX + 32];
	script_path(script, sizeof(script));
	int argc = 0;
	while (original_argv[argc])
		argc++;
	char **argv = calloc(argc + 2, sizeof(char *));
	argv[0] = "node";
	argv[1] = script;
	for (int i = 1; i < argc; i++)
		argv[i + 1] = original_argv[i];
	execvp("node", argv);
	perror(FRONT_DOOR_NAME ": exec node");
	exit(1);
}

#endif
