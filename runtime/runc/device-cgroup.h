// The device cgroup on cgroup v2: a BPF program of type BPF_PROG_TYPE_CGROUP_DEVICE attached to
// the container's cgroup directory, as runc attaches one. The kernel runs it on every open or
// mknod of a device node by a process in that cgroup, with struct bpf_cgroup_dev_ctx
// { u32 access_type (access << 16 | type); u32 major; u32 minor; } in r1, and allows the access
// when it returns 1. The rules arrive already played through v1's semantics (device-filter.ts):
// a default, and exceptions that each have the opposite effect.
//
// Included by ref-runc-nsexec.c (one source file per binary), which defines these two later.
#include <linux/bpf.h>

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...);
static const char *go_strerror(int err);

#define MAX_DEVICE_EXCEPTIONS 128

struct device_exception {
	int type;		// BPF_DEVCG_DEV_CHAR, BPF_DEVCG_DEV_BLOCK, or 0 for either
	long long major, minor; // -1: any
	int access;		// BPF_DEVCG_ACC_* bits
};

struct device_cgroup {
	const char *dir; // NULL: no program (cgroup v1 uses devices.allow/deny files instead)
	int default_allow;
	struct device_exception exceptions[MAX_DEVICE_EXCEPTIONS];
	int count;
};

static int device_access_bits(const char *access)
{
	int bits = 0;
	for (const char *c = access; *c; c++) {
		if (*c == 'r') bits |= BPF_DEVCG_ACC_READ;
		else if (*c == 'w') bits |= BPF_DEVCG_ACC_WRITE;
		else if (*c == 'm') bits |= BPF_DEVCG_ACC_MKNOD;
	}
	return bits;
}

static int device_type(const char *type)
{
	if (strcmp(type, "c") == 0) return BPF_DEVCG_DEV_CHAR;
	if (strcmp(type, "b") == 0) return BPF_DEVCG_DEV_BLOCK;
	return 0;
}

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i = { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
	return i;
}

#define ALL_ACCESS (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

// r2 = type, r3 = access, r4 = major, r5 = minor; then one block per exception that jumps to the
// next block at the first field that does not match and returns the exception's verdict at its
// end; the default comes last.
static int device_program(const struct device_cgroup *d, struct bpf_insn *prog, int room)
{
	int n = 0;
	// The instruction is built before n moves: jump offsets below are computed from n.
#define EMIT(...) do { if (n >= room) return -1; struct bpf_insn next_ = insn(__VA_ARGS__); prog[n++] = next_; } while (0)
	EMIT(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
	EMIT(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xFFFF);
	EMIT(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0);
	EMIT(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
	EMIT(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
	EMIT(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);
	for (int k = 0; k < d->count; k++) {
		const struct device_exception *e = &d->exceptions[k];
		int size = 2 + (e->type ? 1 : 0) + (e->access != ALL_ACCESS ? 3 : 0) + (e->major >= 0 ? 1 : 0) + (e->minor >= 0 ? 1 : 0);
		int end = n + size; // the first instruction of the next block
		if (e->type)
			EMIT(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, (int16_t)(end - n - 1), e->type);
		if (e->access != ALL_ACCESS) {
			// every requested bit must be among the exception's: (r3 & access) == r3
			EMIT(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
			EMIT(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, e->access);
			EMIT(BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_3, (int16_t)(end - n - 1), 0);
		}
		if (e->major >= 0)
			EMIT(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, (int16_t)(end - n - 1), (int32_t)e->major);
		if (e->minor >= 0)
			EMIT(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, (int16_t)(end - n - 1), (int32_t)e->minor);
		EMIT(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, d->default_allow ? 0 : 1);
		EMIT(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	EMIT(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, d->default_allow ? 1 : 0);
	EMIT(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
#undef EMIT
	return n;
}

// Loads the program and attaches it to the cgroup directory. The attachment holds the program,
// so both descriptors are closed again; the program goes when the cgroup is removed.
static void attach_device_program(const struct device_cgroup *d)
{
	static struct bpf_insn prog[8 + MAX_DEVICE_EXCEPTIONS * 8];
	int count = device_program(d, prog, (int)(sizeof(prog) / sizeof(prog[0])));
	if (count < 0)
		fail("device cgroup: too many rules");
	static char log[4096];
	union bpf_attr load;
	memset(&load, 0, sizeof(load));
	load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	load.insns = (uint64_t)(uintptr_t)prog;
	load.insn_cnt = (uint32_t)count;
	load.license = (uint64_t)(uintptr_t)"Apache";
	int prog_fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));
	if (prog_fd < 0) {
		// once more with the verifier's log, for the error message
		load.log_buf = (uint64_t)(uintptr_t)log;
		load.log_size = sizeof(log);
		load.log_level = 1;
		prog_fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));
	}
	if (prog_fd < 0)
		fail("failed to call BPF_PROG_LOAD (BPF_PROG_TYPE_CGROUP_DEVICE): %s%s%s", go_strerror(errno), log[0] ? ": " : "", log);
	int dir_fd = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		fail("open %s: %s", d->dir, go_strerror(errno));
	union bpf_attr attach;
	memset(&attach, 0, sizeof(attach));
	attach.target_fd = (uint32_t)dir_fd;
	attach.attach_bpf_fd = (uint32_t)prog_fd;
	attach.attach_type = BPF_CGROUP_DEVICE;
	attach.attach_flags = BPF_F_ALLOW_MULTI;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof(attach)) < 0)
		fail("failed to call BPF_PROG_ATTACH (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI): %s", go_strerror(errno));
	close(dir_fd);
	close(prog_fd);
}
