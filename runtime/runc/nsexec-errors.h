// How ref-runc-nsexec reports: one result line on fd 3 for the Node parent, Go's lower-case errno
// texts, and fail(), which in the container's process before exec goes over the sync socket.
// Part of ref-runc-nsexec.c, its one translation unit (scripts/build-native.mjs makes one binary per
// .c file): included there once, after the system headers and the parts before it.

#define RESULT_FD 3
#define MESSAGE_MAX 4096

// --- errors -------------------------------------------------------------------------------

static int sync_fd = -1; // child → parent channel while the child sets up the container
// Set once create has returned: nobody reads the result any more, so errors go to stderr.
static int report_to_stderr;

// Go prints errno texts in lower case ("no such file or directory"); dockerd matches those.
static const char *go_strerror(int err)
{
	static char text[256];
	snprintf(text, sizeof(text), "%s", strerror(err));
	text[0] = (char)tolower((unsigned char)text[0]);
	return text;
}

static void write_result(const char *fmt, ...)
{
	char line[MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	// One line per outcome: the reader takes the first line only.
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	for (int k = 0; k < n; k++)
		if (line[k] == '\n')
			line[k] = ' ';
	line[n++] = '\n';
	if (write(RESULT_FD, line, n) < 0) {
		// The Node parent is gone; nothing left to tell.
	}
}

// In the container's process before exec, an error travels to the parent over the sync socket;
// in the parent it becomes the result line.
static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	char message[MESSAGE_MAX] = "error ";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message + 6, sizeof(message) - 6, fmt, ap);
	va_end(ap);
	if (report_to_stderr) {
		fprintf(stderr, "ref-runc: %s\n", message + 6);
		_exit(1);
	}
	if (sync_fd >= 0) {
		if (send(sync_fd, message, strlen(message), 0) < 0) {
			// parent gone: it reports a child that died without a word
		}
		_exit(1);
	}
	write_result("%s", message);
	exit(1);
}
