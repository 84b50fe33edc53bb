// SPDX-License-Identifier: MIT
/*
 * Memory stays within the cache limit.  3000 distinct directories with long
 * names go through a resolver limited to 32 KiB: after every event the
 * cache's charged bytes (white box: resolve.h) are within the limit, and
 * every path is still right (evicted entries are looked up again).  Then
 * 200000 distinct file names (created and removed in a few directories):
 * the process's RSS does not grow with them.
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
#include "resolve.h"

#define LIMIT (32u << 10)

static char dir[256];

/* This process's VmRSS in KiB. */
static long rss_kib(void)
{
	long kib = -1;

	T_ASSERT(th_proc_field("/proc/self/status", "VmRSS:", &kib));
	return kib;
}

/* Resolve everything queued; check the bound after each event.  Events seen. */
static size_t drain_checked(struct fan_group *g, struct fan_resolver *r, const char *prefix)
{
	struct fan_event *ev;
	struct fan_path p;
	size_t n = 0;
	int res;

	while ((res = fan_group_read(g)) >= 0)
		fan_for_each_event(ev, g) {
			T_EQ(fan_resolve_path(r, ev, &p, NULL), 0);
			if (p.flags & LIBFANOTIFY_PATH_PARTIAL || strncmp(p.path, prefix, strlen(prefix)))
				th_fail("bad path %s", p.path ? p.path : "(null)");
			if (lf_pathmap_bytes(r->cache) > LIMIT)
				th_fail("cache holds %zu bytes > %u", lf_pathmap_bytes(r->cache), LIMIT);
			n++;
		}
	T_EQ(res, -EAGAIN);
	return n;
}

static void many_dirs(struct fan_group *g, struct fan_resolver *r)
{
	char name[160], *d;
	size_t seen = 0;
	int i;

	memset(name, 'd', 120);
	for (i = 0; i < 3000; i++) {
		snprintf(name + 120, sizeof(name) - 120, "%05d", i);
		d = rh_fmt("%s/%s", dir, name);
		T_EQ(mkdir(d, 0755), 0);
		th_write_file(d, "f", 0);
		free(d);
		if (i % 500 == 499)
			seen += drain_checked(g, r, dir);
	}
	T_ASSERT(seen >= 3000);
	T_ASSERT(lf_pathmap_count(r->cache) > 10);	/* it did cache, within the limit */
}

static void many_names(struct fan_group *g, struct fan_resolver *r)
{
	char name[64], full[512], *sub[4];
	long before = 0, after;
	int i, k;

	for (k = 0; k < 4; k++) {
		sub[k] = rh_fmt("%s/names%d", dir, k);
		T_EQ(mkdir(sub[k], 0755), 0);
	}
	for (i = 0; i < 200000; i++) {
		snprintf(name, sizeof(name), "file-%08d-with-a-longer-name", i);
		th_write_file(sub[i % 4], name, 0);
		snprintf(full, sizeof(full), "%s/file-%08d-with-a-longer-name", sub[i % 4], i);
		T_EQ(unlink(full), 0);
		if (i % 4000 == 3999) {
			drain_checked(g, r, dir);
			if (i == 19999)
				before = rss_kib();
		}
	}
	after = rss_kib();
	printf("RSS after 20000 names: %ld KiB, after 200000: %ld KiB\n", before, after);
	T_ASSERT(after - before < 512);
	for (k = 0; k < 4; k++)
		free(sub[k]);
}

int main(void)
{
	LIBFANOTIFY_OPTS(fan_resolver_opts, o, .cache_bytes = LIMIT);
	struct fan_resolver *r;
	struct fan_group *g;

	th_init(120);
	th_private_tmpfs(dir, sizeof(dir));
	g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	T_EQ(fan_resolver_new(g, &o, &r), 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, FAN_CREATE | FAN_DELETE, dir), 0);
	many_dirs(g, r);
	many_names(g, r);
	fan_resolver_free(r);
	fan_group_free(g);
	printf("PASS\n");
	return 0;
}
