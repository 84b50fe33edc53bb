// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fanotify/fanotify.h>

#include "th.h"

#define MAX_MOUNTS 8
static char mounts[MAX_MOUNTS][256];
static int nmounts;
static bool in_private_ns;
static pid_t owner;

static void unmount_all(void)
{
	/*
	 * umount2() and rmdir() are async-signal-safe: usable from on_alarm().
	 * The directory goes even when the test unmounted it itself.
	 */
	while (nmounts > 0) {
		nmounts--;
		(void)umount2(mounts[nmounts], MNT_DETACH);
		(void)rmdir(mounts[nmounts]);
	}
}

static void on_alarm(int sig)
{
	static const char msg[] = "FAIL: test timed out\n";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	if (getpid() == owner)
		unmount_all();
	_exit(1);
}

void th_init(unsigned int timeout_seconds)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGALRM, on_alarm);
	alarm(timeout_seconds);
	owner = getpid();
}

void th_skip(const char *fmt, ...)
{
	va_list ap;

	printf("SKIP: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(TH_SKIP);
}

void th_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void cleanup_mounts(void)
{
	/* Only the process that mounted cleans up (children exit through here too). */
	if (getpid() == owner)
		unmount_all();
}

void th_cleanup(void)
{
	cleanup_mounts();
}

static void enter_private_ns(void)
{
	if (in_private_ns)
		return;
	if (unshare(CLONE_NEWNS) < 0)
		th_skip("cannot create a mount namespace (%s): needs CAP_SYS_ADMIN",
			strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		th_fail("making / private: %s", strerror(errno));
	in_private_ns = true;
	if (!owner)
		owner = getpid();
	atexit(cleanup_mounts);
}

static void remember(const char *dir)
{
	if (nmounts < MAX_MOUNTS)
		snprintf(mounts[nmounts++], sizeof(mounts[0]), "%s", dir);
}

void th_private_tmpfs(char *dir, size_t size)
{
	char tmpl[] = "/tmp/libfanotify-test.XXXXXX";

	enter_private_ns();
	if (!mkdtemp(tmpl))
		th_fail("mkdtemp: %s", strerror(errno));
	if (mount("tmpfs", tmpl, "tmpfs", 0, "mode=0755") < 0)
		th_skip("cannot mount tmpfs: %s", strerror(errno));
	remember(tmpl);
	snprintf(dir, size, "%s", tmpl);
}

void th_private_ext4(char *dir, size_t size, unsigned int size_mb, const char *extra_mkfs,
		     char *img, size_t img_size)
{
	char base[256], image[300], cmd[1024];
	int fd;

	th_private_tmpfs(base, sizeof(base));
	if (system("command -v mkfs.ext4 >/dev/null 2>&1") != 0)
		th_skip("mkfs.ext4 not installed (apt-get install e2fsprogs)");
	snprintf(image, sizeof(image), "%s/ext4.img", base);
	fd = open(image, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)size_mb << 20) < 0)
		th_fail("creating %s: %s", image, strerror(errno));
	close(fd);
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F %s %s >/dev/null 2>&1",
		 extra_mkfs ? extra_mkfs : "", image);
	if (system(cmd) != 0)
		th_fail("mkfs.ext4 failed: %s", cmd);
	snprintf(dir, size, "%s/mnt", base);
	if (mkdir(dir, 0755) < 0)
		th_fail("mkdir %s: %s", dir, strerror(errno));
	snprintf(cmd, sizeof(cmd), "mount -o loop %s %s 2>/dev/null", image, dir);
	if (system(cmd) != 0)
		th_skip("cannot loop-mount an ext4 image (no loop devices?)");
	remember(dir);
	if (img)
		snprintf(img, img_size, "%s", image);
}

/* The smallest set with init flag bit that a kernel knowing it accepts. */
static unsigned int with_companions(unsigned int bit)
{
	if (bit == FAN_REPORT_NAME)
		return bit | FAN_REPORT_DIR_FID;
	if (bit == FAN_REPORT_TARGET_FID)
		return bit | FAN_REPORT_DFID_NAME | FAN_REPORT_FID;
	return bit;
}

bool th_support_error(int r)
{
	return r == -EINVAL || r == -EPERM || r == -EOPNOTSUPP;
}

void th_require_init(unsigned int init_flags, unsigned int event_f_flags)
{
	int r = fan_probe_init(init_flags, event_f_flags);
	char names[256] = "";
	unsigned int bit;
	size_t len;

	if (r == 0)
		return;
	if (!th_support_error(r))
		th_fail("fan_probe_init(0x%x, 0x%x): %s", init_flags, event_f_flags, strerror(-r));
	for (bit = 1; bit; bit <<= 1) {
		const char *n = (init_flags & bit) ? fan_init_flag_name(bit) : NULL;

		len = strlen(names);
		if (n && fan_probe_init(with_companions(bit) & ~0xcu, 0) < 0)
			snprintf(names + len, sizeof(names) - len, "%s (Linux %s) ", n,
				 fan_init_flag_since(bit));
	}
	th_skip("kernel%s%s refuses fanotify_init(0x%x): %s%s%s", th_kernel() ? " " : "",
		th_kernel() ? th_kernel() : "", init_flags, strerror(-r),
		names[0] ? "; refused alone: " : "", names);
}

pid_t th_spawn(void (*fn)(void *arg), void *arg)
{
	pid_t pid = fork();

	if (pid < 0)
		th_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	return pid;
}

int th_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			th_fail("waitpid: %s", strerror(errno));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void th_write_file(const char *dir, const char *name, size_t len)
{
	char path[4096], buf[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		th_fail("open %s: %s", path, strerror(errno));
	memset(buf, 'x', sizeof(buf));
	while (len) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);

		if (write(fd, buf, n) != (ssize_t)n)
			th_fail("write %s: %s", path, strerror(errno));
		len -= n;
	}
	close(fd);
}

int th_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		th_fail("opendir /proc/self/fd: %s", strerror(errno));
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

bool th_proc_field(const char *path, const char *label, long *value)
{
	size_t n = strlen(label);
	FILE *f = fopen(path, "re");
	char line[256], *end;
	long v;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, label, n))
			continue;
		v = strtol(line + n, &end, 10);
		if (end != line + n) {
			*value = v;
			break;
		}
	}
	fclose(f);
	return true;
}

double th_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *th_kernel(void)
{
	const char *k = getenv("TH_KERNEL");

	return k && *k ? k : NULL;
}

/* "6.18.44-xyz" or "2.6.37" as one comparable number (at most three parts). */
static long release_number(const char *s)
{
	long part[3] = { 0, 0, 0 };
	int i;

	for (i = 0; i < 3; i++) {
		char *end;

		part[i] = strtol(s, &end, 10);
		if (end == s)
			break;
		s = end;
		if (*s != '.')
			break;
		s++;
	}
	return part[0] * 1000000 + part[1] * 1000 + part[2];
}

bool th_kernel_has(const char *since)
{
	struct utsname u;

	if (th_kernel())
		return release_number(th_kernel()) >= release_number(since);
	return uname(&u) == 0 && release_number(u.release) >= release_number(since);
}

void th_require_kernel(const char *since, const char *feature)
{
	if (th_kernel_has(since))
		return;
	if (th_kernel())
		th_skip("%s needs Linux %s (running as Linux %s)", feature, since, th_kernel());
	th_skip("%s needs Linux %s", feature, since);
}

static bool dated_ok(const char *since)
{
	return !since || th_kernel_has(since);
}

bool th_kernel_knows(unsigned int init_flags, unsigned int mark_flags, uint64_t mask)
{
	unsigned int bit;
	uint64_t b;

	for (bit = 1; bit; bit <<= 1)
		if ((init_flags & bit) && !dated_ok(fan_init_flag_since(bit)))
			return false;
	if ((mark_flags & FAN_MARK_MNTNS) == FAN_MARK_MNTNS) {
		if (!dated_ok(fan_mark_flag_since(FAN_MARK_MNTNS)))
			return false;
		mark_flags &= ~FAN_MARK_MNTNS;
	}
	for (bit = 1; bit; bit <<= 1)
		if ((mark_flags & bit) && !dated_ok(fan_mark_flag_since(bit)))
			return false;
	for (b = 1; b; b <<= 1)
		if ((mask & b) && !dated_ok(fan_event_since(b)))
			return false;
	return true;
}
