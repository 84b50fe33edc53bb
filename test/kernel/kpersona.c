// SPDX-License-Identifier: MIT
/*
 * kpersona: run a command as if on an older kernel.
 *
 *   kpersona [--shim PATH] RELEASE [--] COMMAND [ARG...]
 *   kpersona --facts              the table, one fact a line (tab-separated)
 *   kpersona --describe RELEASE   what RELEASE takes away, and how
 *
 * A seccomp filter, inherited by every process the command starts, answers
 * as RELEASE would: ENOSYS for newer system calls, EINVAL for newer
 * fanotify_init()/fanotify_mark() flags, types and mask bits and for newer
 * flags of other calls, ENOTTY for newer ioctls, EFAULT for NULL paths
 * before they were allowed.  What a filter cannot see (a response written
 * to a group, statx() masks, what a pidfd looks like) is the shim's
 * (--shim, an LD_PRELOAD library: kshim.c).  TH_KERNEL=RELEASE tells the
 * tests which personality they run under; started under one already, the
 * older of the two is what the filters (they stack) and TH_KERNEL give.
 * Exit 77 if the running kernel is older than RELEASE, or the machine is
 * not one the filter knows.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kfacts.h"

#if defined(__x86_64__)
#define ARCH_NATIVE AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH_NATIVE AUDIT_ARCH_AARCH64
#endif
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "argument halves below assume a little-endian machine"
#endif

#define MAX_INSNS 1024
#define MAX_RULES 64
#define IOC_SIZE_BITS 0x3fff0000u	/* _IOC_SIZEMASK << _IOC_SIZESHIFT */
#define X32_BIT 0x40000000u

enum rule_type { R_BITS, R_NULL, R_MASKEQ };

struct rule {
	long nr;
	enum rule_type type;
	int arg;
	bool hi;		/* the upper 32 bits of a 64-bit argument */
	uint32_t and_mask, value;
	int err;
};

struct prog {
	struct sock_filter insn[MAX_INSNS];
	unsigned int n;
	struct rule rules[MAX_RULES];
	unsigned int nrules;
};

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kpersona: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void emit(struct prog *p, struct sock_filter f)
{
	if (p->n >= MAX_INSNS)
		die("%s", "seccomp program too long");
	p->insn[p->n++] = f;
}

static uint32_t arg_off(int arg, bool hi)
{
	return (uint32_t)(offsetof(struct seccomp_data, args) + 8 * (unsigned int)arg + (hi ? 4 : 0));
}

static void ret_errno(struct prog *p, int err)
{
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
					     SECCOMP_RET_ERRNO | ((uint32_t)err & SECCOMP_RET_DATA)));
}

static void add_rule(struct prog *p, struct rule r)
{
	unsigned int i;

	/* bit rules on the same argument and errno merge into one */
	for (i = 0; r.type == R_BITS && i < p->nrules; i++) {
		struct rule *o = &p->rules[i];

		if (o->type == R_BITS && o->nr == r.nr && o->arg == r.arg && o->hi == r.hi &&
		    o->err == r.err) {
			o->value |= r.value;
			return;
		}
	}
	if (r.type == R_BITS && !r.value)
		return;
	if (p->nrules >= MAX_RULES)
		die("%s", "too many argument rules");
	p->rules[p->nrules++] = r;
}

/* One rule: load the argument, compare, return its errno on a match. */
static void emit_rule(struct prog *p, const struct rule *r)
{
	emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, arg_off(r->arg, r->hi)));
	switch (r->type) {
	case R_BITS:
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, r->value, 0, 1));
		break;
	case R_MASKEQ:
		emit(p, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, r->and_mask));
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, r->value, 0, 1));
		break;
	case R_NULL:
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3));
		emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, arg_off(r->arg, true)));
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1));
		break;
	}
	ret_errno(p, r->err);
}

/* Instructions emit_rule() takes for r. */
static unsigned int rule_len(const struct rule *r)
{
	return r->type == R_BITS ? 3 : r->type == R_MASKEQ ? 4 : 5;
}

/* if (nr == N) { rules of N...; allow } */
static void emit_block(struct prog *p, long nr)
{
	unsigned int i, len = 1;

	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].nr == nr)
			len += rule_len(&p->rules[i]);
	if (len > 255)
		die("%s", "argument rules of one system call too long for a jump");
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, len));
	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].nr == nr)
			emit_rule(p, &p->rules[i]);
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
}

static void rules_of(struct prog *p, const struct kfact *f)
{
	uint64_t v = f->value;

	switch (f->kind) {
	case KF_FAN_INIT:
	case KF_FAN_MARK:
	case KF_ARG_BITS:
		add_rule(p, (struct rule){ .nr = f->nr, .type = R_BITS, .arg = f->arg,
					   .value = (uint32_t)v, .err = f->err });
		break;
	case KF_FAN_EVENT:	/* a u64 in one register: both halves */
		add_rule(p, (struct rule){ .nr = f->nr, .type = R_BITS, .arg = f->arg,
					   .value = (uint32_t)v, .err = f->err });
		add_rule(p, (struct rule){ .nr = f->nr, .type = R_BITS, .arg = f->arg, .hi = true,
					   .value = (uint32_t)(v >> 32), .err = f->err });
		break;
	case KF_FAN_MARK_TYPE:
		add_rule(p, (struct rule){ .nr = f->nr, .type = R_MASKEQ, .arg = f->arg,
					   .and_mask = 0x110, .value = (uint32_t)v, .err = f->err });
		break;
	case KF_ARG_NULL:
		add_rule(p, (struct rule){ .nr = f->nr, .type = R_NULL, .arg = f->arg,
					   .err = f->err });
		break;
	case KF_IOCTL:
		add_rule(p, (struct rule){ .nr = __NR_ioctl, .type = R_MASKEQ, .arg = 1,
					   .and_mask = ~IOC_SIZE_BITS,
					   .value = (uint32_t)v & ~IOC_SIZE_BITS, .err = f->err });
		break;
	default:
		break;
	}
}

static void build(struct prog *p, const char *release)
{
	size_t i, j, n;
	const struct kfact *all = kf_all(&n);

	emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					     offsetof(struct seccomp_data, arch)));
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_NATIVE, 1, 0));
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					     offsetof(struct seccomp_data, nr)));
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_BIT, 0, 1));
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	for (i = 0; i < n; i++) {
		if (!kf_absent(&all[i], release))
			continue;
		if (all[i].kind == KF_SYSCALL) {
			emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							     (uint32_t)all[i].nr, 0, 1));
			ret_errno(p, all[i].err);
		} else {
			rules_of(p, &all[i]);
		}
	}
	for (i = 0; i < p->nrules; i++) {
		for (j = 0; j < i && p->rules[j].nr != p->rules[i].nr; j++)
			;
		if (j == i)
			emit_block(p, p->rules[i].nr);
	}
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
}

static void install(struct prog *p)
{
	struct sock_fprog fp = { .len = (unsigned short)p->n, .filter = p->insn };

	/*
	 * Without no_new_privs when we may (CAP_SYS_ADMIN): tests run setuid
	 * helpers and file capabilities as they would on the real kernel.
	 */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) == 0)
		return;
	if (errno != EACCES)
		die("seccomp: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
		die("seccomp: %s", strerror(errno));
}

/* The running kernel's release, for the check that it is not older. */
static long running_release(void)
{
	struct utsname u;
	char buf[sizeof(u.release)];
	size_t i = 0;
	int dots = 0;

	if (uname(&u) < 0)
		return -1;
	while (u.release[i] && (u.release[i] == '.' ? ++dots < 3 : (u.release[i] >= '0' &&
								  u.release[i] <= '9')) &&
	       i < sizeof(buf) - 1) {
		buf[i] = u.release[i];
		i++;
	}
	buf[i] = '\0';
	if (i && buf[i - 1] == '.')
		buf[i - 1] = '\0';
	return kf_version(buf);
}

static void prepend_env(const char *var, const char *value, char sep)
{
	const char *old = getenv(var);
	size_t n = strlen(value);
	char *v;

	if (old && !strncmp(old, value, n) && (!old[n] || old[n] == sep))
		return;		/* there already */
	if (!old || !*old) {
		setenv(var, value, 1);
		return;
	}
	if (asprintf(&v, "%s%c%s", value, sep, old) < 0)
		die("%s", "out of memory");
	setenv(var, v, 1);
	free(v);
}

static void print_facts(void)
{
	size_t i, n;
	const struct kfact *f = kf_all(&n);

	for (i = 0; i < n; i++)
		printf("%s\t%s\t%s\t%s\t%s%s%s%s\n", kf_kind_name(f[i].kind), f[i].name, f[i].since,
		       kf_mechanism(f[i].kind), f[i].users & KF_LIB ? "lib," : "",
		       f[i].users & KF_CLI ? "cli," : "", f[i].users & KF_TESTS ? "tests," : "",
		       f[i].users & KF_HARNESS ? "harness," : "");
}

static void describe(const char *release)
{
	size_t i, n;
	const struct kfact *f = kf_all(&n);
	struct prog p = { .n = 0 };

	for (i = 0; i < n; i++)
		if (kf_absent(&f[i], release))
			printf("%-6s %-12s %-8s %s\n", f[i].since, kf_kind_name(f[i].kind),
			       kf_mechanism(f[i].kind), f[i].name);
	build(&p, release);
	printf("seccomp program: %u instructions\n", p.n);
}

static void usage(void)
{
	fprintf(stderr, "usage: kpersona [--shim PATH] RELEASE [--] COMMAND [ARG...]\n"
			"       kpersona --facts | --describe RELEASE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct prog p;
	const char *shim = NULL, *release;
	char asan[] = "verify_asan_link_order=0";
	int i = 1;

	if (argc == 2 && !strcmp(argv[1], "--facts"))
		return print_facts(), 0;
	if (argc == 3 && !strcmp(argv[1], "--describe")) {
		if (kf_version(argv[2]) < 0)
			usage();
		return describe(argv[2]), 0;
	}
	if (i + 1 < argc && !strcmp(argv[i], "--shim")) {
		shim = argv[i + 1];
		i += 2;
	}
	if (i >= argc || kf_version(argv[i]) < 0)
		usage();
	release = argv[i++];
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		usage();
#ifndef ARCH_NATIVE
	printf("SKIP: kernel personalities need x86_64 or aarch64\n");
	return 77;
#else
	if (running_release() < kf_version(release)) {
		printf("SKIP: personality %s needs a kernel at least that new to run on\n", release);
		return 77;
	}
	build(&p, release);
	/* under a personality already, the older one stays (the filters stack) */
	if (!getenv(KF_ENV) || kf_version(getenv(KF_ENV)) < 0 ||
	    kf_version(getenv(KF_ENV)) > kf_version(release))
		setenv(KF_ENV, release, 1);
	if (shim) {
		/* absolute: the command's children may run in another directory */
		char *abs = realpath(shim, NULL);

		if (!abs || access(abs, R_OK) < 0)
			die("cannot read the shim %s", shim);
		prepend_env("LD_PRELOAD", abs, ':');
		free(abs);
		/* an ASan runtime must otherwise come first in the library list */
		prepend_env("ASAN_OPTIONS", asan, ':');
	}
	install(&p);
	execvp(argv[i], argv + i);
	die("cannot run %s: %s", argv[i], strerror(errno));
#endif
}
