/* SPDX-License-Identifier: MIT */
/*
 * Test harness shared by every test: exit 0 pass, 1 fail, 77 skip with a
 * one-line reason; private mounts for live tests; a hard timeout.
 */
#ifndef TH_H
#define TH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TH_SKIP 77

/* Arm a timeout (SIGALRM kills the test with a message) and unbuffer stdout. */
void th_init(unsigned int timeout_seconds);

__attribute__((noreturn, format(printf, 1, 2))) void th_skip(const char *fmt, ...);
__attribute__((noreturn, format(printf, 3, 4))) void th_fail_at(const char *file, int line,
								const char *fmt, ...);
#define th_fail(...) th_fail_at(__FILE__, __LINE__, __VA_ARGS__)

#define T_ASSERT(cond)                                                      \
	do {                                                                \
		if (!(cond))                                                \
			th_fail("assertion failed: %s", #cond);             \
	} while (0)
#define T_EQ(a, b)                                                          \
	do {                                                                \
		long long a_ = (long long)(a), b_ = (long long)(b);         \
		if (a_ != b_)                                               \
			th_fail("%s == %lld, expected %s == %lld", #a, a_, #b, b_); \
	} while (0)
#define T_STREQ(a, b)                                                       \
	do {                                                                \
		const char *a_ = (a), *b_ = (b);                            \
		if (!a_ || !b_ || strcmp(a_, b_))                           \
			th_fail("%s is \"%s\", expected \"%s\"", #a,        \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)");    \
	} while (0)

/*
 * Enter a private mount namespace (once per process) and mount a fresh
 * tmpfs on a new directory; its path is written to dir.  Skips (exit 77)
 * without CAP_SYS_ADMIN.  Unmounted at exit.
 */
void th_private_tmpfs(char *dir, size_t size);

/* Unmount and remove them now, for a test that leaves through _exit(). */
void th_cleanup(void);

/*
 * Same, with a loop-mounted ext4 image of size_mb MiB (made with
 * mkfs.ext4 inside a private tmpfs).  Skips if mkfs.ext4 or loop devices
 * are missing.  extra_mkfs may be NULL or extra mkfs.ext4 options.
 * The image path is written to img (may be NULL).
 */
void th_private_ext4(char *dir, size_t size, unsigned int size_mb, const char *extra_mkfs,
		     char *img, size_t img_size);

/* What a kernel says to a flag it lacks, or without the privilege: EINVAL, EPERM, EOPNOTSUPP. */
bool th_support_error(int r);
/*
 * Skip (77) unless the kernel accepts these init flags, naming in the
 * reason each flag refused alone and the release that added it; fail on
 * any other error (EMFILE, ENOMEM: not a missing feature).
 */
void th_require_init(unsigned int init_flags, unsigned int event_f_flags);

/*
 * Kernel personalities (test/kernel/kpersona): the release a test runs as,
 * from TH_KERNEL ("6.1"), or NULL on the plain running kernel.
 */
const char *th_kernel(void);
/*
 * Does the kernel have what Linux `since` brought?  Under a personality
 * compared with it, else with the running kernel's release (which a
 * distribution may have backported to: where a probe can tell, probe).
 */
bool th_kernel_has(const char *since);
/* Skip (77) "FEATURE needs Linux SINCE (...)" unless th_kernel_has(since). */
void th_require_kernel(const char *since, const char *feature);
/*
 * Does the kernel know every init flag, mark flag (and type) and mask bit
 * given, by the releases src/names.c dates them to?  (th_kernel_has())
 */
bool th_kernel_knows(unsigned int init_flags, unsigned int mark_flags, uint64_t mask);

/* Run fn(arg) in a child process; returns its pid. */
pid_t th_spawn(void (*fn)(void *arg), void *arg);
/* Wait for pid; returns its exit status, or 128+signal. */
int th_wait(pid_t pid);

/* Create (or truncate) dir/name and write len bytes of 'x'.  Aborts the test on error. */
void th_write_file(const char *dir, const char *name, size_t len);

/* Number of open descriptors of this process. */
int th_count_fds(void);

/*
 * The number after label ("VmRSS:", "Pid:") on the first line of the text
 * file path (a /proc status or fdinfo file) that has one, into *value
 * (left alone if no line has it).  False if path cannot be opened.
 */
bool th_proc_field(const char *path, const char *label, long *value);

/* Current time in seconds (monotonic). */
double th_now(void);

#endif
