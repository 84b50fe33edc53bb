// SPDX-License-Identifier: MIT
/*
 * shortlived: the workload of "who did it" (issue 12): short-lived
 * commands reading one file, one after the other, as a shell loop runs
 * them, each pid and name written down so a listener's attribution can be
 * checked event by event.
 *
 *   shortlived [-n N] [-o MAP] [-c CPU] [-u UID] FILE
 *
 * Runs "cat FILE" and "head FILE" N times each (default 300), stdout to
 * /dev/null, waiting for each before the next, as `for i in ...; do cat
 * FILE; head FILE; done` does.  -u: each command runs with that real and
 * effective uid and gid (setresuid/setresgid before exec).  MAP (default
 * stdout) gets one line per command: "PID NAME", then a last line
 * "shortlived: commands=C elapsed=S".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: shortlived [-n N] [-o MAP] [-c CPU] [-u UID] FILE\n");
	exit(2);
}

static pid_t run(const char *prog, const char *file, long uid)
{
	pid_t pid = fork();
	int null;

	if (pid != 0)
		return pid;
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 1) < 0)
		_exit(126);
	if (uid >= 0 && (setresgid((gid_t)uid, (gid_t)uid, (gid_t)uid) < 0 ||
			 setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0))
		_exit(126);
	execlp(prog, prog, file, (char *)NULL);
	_exit(127);
}

int main(int argc, char **argv)
{
	static const char *const progs[] = { "cat", "head" };
	const char *map = NULL;
	long n = 300, uid = -1;
	int c, cpu = -1, status;
	struct timespec t0, t1;
	FILE *out = stdout;
	cpu_set_t set;
	long i, cmds = 0;
	size_t k;

	while ((c = getopt(argc, argv, "n:o:c:u:")) != -1) {
		switch (c) {
		case 'n': n = atol(optarg); break;
		case 'o': map = optarg; break;
		case 'c': cpu = atoi(optarg); break;
		case 'u': uid = atol(optarg); break;
		default: usage();
		}
	}
	if (optind + 1 != argc || n <= 0)
		usage();
	if (map && !(out = fopen(map, "we"))) {
		perror(map);
		return 1;
	}
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			perror("sched_setaffinity");
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		for (k = 0; k < 2; k++) {
			pid_t pid = run(progs[k], argv[optind], uid);

			if (pid < 0 || waitpid(pid, &status, 0) != pid) {
				perror("shortlived");
				return 1;
			}
			fprintf(out, "%d %s\n", (int)pid, progs[k]);
			cmds++;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(out, "shortlived: commands=%ld elapsed=%.3f\n", cmds,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return fclose(out) == 0 ? 0 : 1;
}
