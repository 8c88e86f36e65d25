// mkdir -p for the native pieces (ref-runc-nsexec's mount points, ref-containerd-shim's socket
// directory): one copy, so that both create parents and report a failure alike.
//
// Returns 0 when every part of `dir` was made now or was there before (EEXIST, as mkdir -p takes
// it), else -1 with errno set and, when `failed` is not NULL, the part that could not be made
// copied there (PATH_MAX bytes): the path Go's os.MkdirAll names in its error. A path too long for
// PATH_MAX fails with ENAMETOOLONG instead of making a truncated one.
#ifndef DOCKSPEC_MKDIR_ALL_H
#define DOCKSPEC_MKDIR_ALL_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

static int mkdir_one(const char *dir, mode_t mode, char *failed)
{
	if (mkdir(dir, mode) == 0 || errno == EEXIST)
		return 0;
	if (failed) {
		int saved = errno;
		snprintf(failed, PATH_MAX, "%s", dir);
		errno = saved;
	}
	return -1;
}

static int mkdir_all(const char *dir, mode_t mode, char *failed)
{
	char buf[PATH_MAX];
	if ((size_t)snprintf(buf, sizeof(buf), "%s", dir) >= sizeof(buf)) {
		if (failed)
			snprintf(failed, PATH_MAX, "%.*s", PATH_MAX - 1, dir);
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir_one(buf, mode, failed) < 0)
			return -1;
		*s = '/';
	}
	return mkdir_one(buf, mode, failed);
}

#endif
