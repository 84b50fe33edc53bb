// SPDX-License-Identifier: MIT
/*
 * stress-openers: the opener threads of stress.h for the shell tests.
 *
 *   stress-openers [-m] [-t THREADS] [-s SECONDS] [-n OPENS] [-f FILES]
 *                  [-e ERRNO] [-a|-A] [-P PIDFILE] DIR
 *
 * -m       first create DIR/allow-N and DIR/deny-N (N < FILES, default 16)
 * -t       opener threads (default 16)
 * -s / -n  stop after SECONDS, or after OPENS per thread (one is needed)
 * -e       the errno a denied open gives (default EPERM; a number)
 * -a       any result is fine (no listener verdict to check), count them
 * -A       allow-* must open and read, deny-* either way (listeners come and go)
 * -P       write our pid to PIDFILE once the threads are about to start
 *
 * Prints "opens N", "reads N", "denied N", "unexpected N", "max_ms X" and
 * exits 0, or 1 if a result contradicted the verdict (allow-* must open
 * and read, deny-* must fail with ERRNO), or 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stress.h"

static void usage(void)
{
	fprintf(stderr, "usage: stress-openers [-m] [-t THREADS] [-s SECONDS] [-n OPENS] "
		"[-f FILES] [-e ERRNO] [-a|-A] [-P PIDFILE] DIR\n");
	exit(2);
}

static void write_pidfile(const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0) {
		fprintf(stderr, "stress-openers: %s: %s\n", path, strerror(errno));
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct st_openers *o;
	struct st_thread_stats s;
	const char *pidfile = NULL;
	bool make = false;
	int c;

	o = st_openers_new("");
	while ((c = getopt(argc, argv, "mt:s:n:f:e:aAP:")) != -1) {
		switch (c) {
		case 'm': make = true; break;
		case 't': o->threads = atoi(optarg); break;
		case 's': o->seconds = atof(optarg); break;
		case 'n': o->max_opens = strtoull(optarg, NULL, 10); break;
		case 'f': o->files = atoi(optarg); break;
		case 'e': o->expect_errno = atoi(optarg); break;
		case 'a': o->expect = ST_EXPECT_ANY; break;
		case 'A': o->expect = ST_EXPECT_ALLOWED; break;
		case 'P': pidfile = optarg; break;
		default: usage();
		}
	}
	if (optind != argc - 1 || o->threads < 1 || o->threads > ST_MAX_THREADS ||
	    o->files < 1 || (o->seconds <= 0 && !o->max_opens))
		usage();
	snprintf(o->dir, sizeof(o->dir), "%s", argv[optind]);
	if (make)
		st_make_files(o->dir, o->files);
	if (pidfile)
		write_pidfile(pidfile);
	o->go = 1;
	if (st_openers_run(o) != 0) {
		fprintf(stderr, "stress-openers: cannot start the threads\n");
		return 2;
	}
	s = st_openers_total(o);
	printf("opens %" PRIu64 "\nreads %" PRIu64 "\ndenied %" PRIu64 "\nunexpected %" PRIu64
	       "\nmax_ms %.1f\n", s.opens, s.reads, s.denied, s.unexpected, (double)s.max_ns / 1e6);
	if (s.unexpected)
		printf("first_unexpected %s %s\n", s.first_path,
		       s.first_errno ? strerrorname_np(s.first_errno) : "success");
	return s.unexpected ? 1 : 0;
}
