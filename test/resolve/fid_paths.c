// SPDX-License-Identifier: MIT
/*
 * FID-mode paths on one filesystem (argv[1]: tmpfs or ext4): a short-lived
 * file (create, write, delete, all read after it is gone), renames within
 * and across directories (FAN_RENAME gives both paths; MOVED_FROM and
 * MOVED_TO each theirs), and the process behind the events, checked
 * against its pidfd.  No descriptor may leak.  Before Linux 5.17 (no
 * FAN_RENAME) the MOVED_FROM and MOVED_TO records alone carry the renames;
 * before 5.15 (no FAN_REPORT_PIDFD) the process is read by pid and not
 * claimed verified.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "th.h"
#include "rh.h"

#define MASK (FAN_CREATE | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_DELETE | FAN_MOVED_FROM |   \
	      FAN_MOVED_TO | FAN_ONDIR)

static void workload(const char *dir)
{
	char *a = rh_fmt("%s/a", dir), *b = rh_fmt("%s/b", dir);
	char *p1 = rh_fmt("%s/r1", a), *p2 = rh_fmt("%s/r2", a), *p3 = rh_fmt("%s/r3", b);
	char *s = rh_fmt("%s/short", a);

	th_write_file(a, "short", 512);
	T_EQ(unlink(s), 0);
	th_write_file(a, "r1", 1);
	T_EQ(rename(p1, p2), 0);
	T_EQ(rename(p2, p3), 0);
	free(a), free(b), free(p1), free(p2), free(p3), free(s);
}

static void check_full(const struct rh_ev *v)
{
	T_EQ(v->ret, 0);
	T_EQ(v->path.error, 0);
	T_EQ(v->path.flags & LIBFANOTIFY_PATH_PARTIAL, 0);
}

static void check_paths(const struct rh_evs *e, const char *dir)
{
	char *s = rh_fmt("%s/a/short", dir), *p1 = rh_fmt("%s/a/r1", dir);
	char *p2 = rh_fmt("%s/a/r2", dir), *p3 = rh_fmt("%s/b/r3", dir);
	const struct rh_ev *v;

	check_full(rh_expect(e, FAN_CREATE, s));
	check_full(rh_expect(e, FAN_MODIFY, s));
	check_full(rh_expect(e, FAN_CLOSE_WRITE, s));
	check_full(rh_expect(e, FAN_DELETE, s));	/* read when the file is gone */
	if (rh_rename_mask() == FAN_RENAME) {
		v = rh_expect(e, FAN_RENAME, p1);
		T_STREQ(v->new_path.path, p2);
		T_EQ(v->new_path.error, 0);
		v = rh_expect(e, FAN_RENAME, p2);
		T_STREQ(v->new_path.path, p3);
	}
	rh_expect(e, FAN_MOVED_FROM, p1);
	rh_expect(e, FAN_MOVED_TO, p2);
	rh_expect(e, FAN_MOVED_FROM, p2);
	check_full(rh_expect(e, FAN_MOVED_TO, p3));
	free(s), free(p1), free(p2), free(p3);
}

/* Our own events: the identity is ours, checked against the pidfd if there is one. */
static void check_process(const struct rh_evs *e, const char *dir, bool pidfd)
{
	char *s = rh_fmt("%s/a/short", dir), comm[32] = "", exe[4096];
	const struct rh_ev *v = rh_expect(e, FAN_CREATE, s);
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f = fopen("/proc/self/comm", "r");

	T_ASSERT(f && fgets(comm, sizeof(comm), f) && n > 0);
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	exe[n] = '\0';
	T_EQ(v->proc_ret, 0);
	T_EQ(v->proc.pid, getpid());
	T_EQ(v->proc.tid, getpid());
	T_EQ(v->proc.ppid, getppid());
	T_EQ(v->proc.uid, getuid());
	T_EQ(v->proc.flags, pidfd ? LIBFANOTIFY_PROC_VERIFIED : 0);
	T_STREQ(v->proc.comm, comm);
	T_STREQ(v->proc.exe, exe);
	free(s);
}

int main(int argc, char **argv)
{
	bool ext4 = argc > 1 && !strcmp(argv[1], "ext4");
	struct rh_evs e = { 0 };
	struct fan_resolver *r;
	struct fan_group *g;
	char dir[256], *sub;
	unsigned int init = FAN_REPORT_DFID_NAME | FAN_REPORT_FID | FAN_REPORT_PIDFD;
	int fds, res;

	th_init(60);
	if (ext4)
		th_private_ext4(dir, sizeof(dir), 32, NULL, NULL, 0);
	else
		th_private_tmpfs(dir, sizeof(dir));
	sub = rh_fmt("%s/a", dir);
	T_EQ(mkdir(sub, 0755), 0);
	free(sub);
	sub = rh_fmt("%s/b", dir);
	T_EQ(mkdir(sub, 0755), 0);
	free(sub);
	fds = th_count_fds();
	if (fan_probe_init(init, O_RDONLY) == -EINVAL) {
		printf("no FAN_REPORT_PIDFD (Linux 5.15): processes unverified\n");
		init &= ~FAN_REPORT_PIDFD;
	}
	g = rh_group(init, O_RDONLY);
	r = rh_resolver(g, 0);
	res = fan_group_add_mark(g, FAN_MARK_FILESYSTEM, MASK | rh_rename_mask(), dir);
	if (res < 0)
		th_fail("mark %s: %s", dir, strerror(-res));
	workload(dir);
	rh_drain(g, r, &e, true);
	check_paths(&e, dir);
	check_process(&e, dir, init & FAN_REPORT_PIDFD);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	T_EQ(th_count_fds(), fds);
	printf("PASS: %s\n", ext4 ? "ext4" : "tmpfs");
	return 0;
}
