// SPDX-License-Identifier: MIT
/*
 * rusage_run: run a listener and report the CPU time it used, to the
 * microsecond (wait4() rusage; /proc/PID/stat only has clock ticks).
 *
 *   rusage_run [-p PIDFILE] [-o RESULT] [-c CPU] -- COMMAND [ARGS...]
 *
 * The child's pid is written to PIDFILE as soon as it is forked, so a
 * script can watch and signal the listener itself.  SIGINT, SIGTERM and
 * SIGHUP sent to rusage_run are passed on to the child.  When the child
 * ends, one key=value line goes to RESULT (default stderr):
 *   pid=P status=S signal=G user_us=U sys_us=Y cpu_us=U+Y maxrss_kb=K
 * and rusage_run exits with the child's status (128+signal if killed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child;

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

static void usage(void)
{
	fprintf(stderr, "usage: rusage_run [-p PIDFILE] [-o RESULT] [-c CPU] -- COMMAND [ARGS...]\n");
	exit(2);
}

static void write_pidfile(const char *path, pid_t pid)
{
	FILE *f = fopen(path, "we");

	if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0) {
		perror("rusage_run: pidfile");
		kill(pid, SIGKILL);
		exit(1);
	}
}

static void start(char **argv, int cpu)
{
	cpu_set_t set;

	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			perror("rusage_run: sched_setaffinity");
	}
	execvp(argv[0], argv);
	fprintf(stderr, "rusage_run: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static long long us(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

int main(int argc, char **argv)
{
	const char *pidfile = NULL, *result = NULL;
	struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };
	struct rusage ru;
	int o, st, cpu = -1, code;
	FILE *out = stderr;
	pid_t pid;

	while ((o = getopt(argc, argv, "+p:o:c:")) != -1) {
		switch (o) {
		case 'p': pidfile = optarg; break;
		case 'o': result = optarg; break;
		case 'c': cpu = atoi(optarg); break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	pid = fork();
	if (pid < 0) {
		perror("rusage_run: fork");
		return 1;
	}
	if (pid == 0)
		start(argv + optind, cpu);
	child = pid;
	if (pidfile)
		write_pidfile(pidfile, pid);
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR) {
			perror("rusage_run: wait4");
			return 1;
		}
	code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (result && !(out = fopen(result, "we")))
		out = stderr;
	fprintf(out, "pid=%d status=%d signal=%d user_us=%lld sys_us=%lld cpu_us=%lld maxrss_kb=%ld\n",
		(int)pid, WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st) ? WTERMSIG(st) : 0,
		us(ru.ru_utime), us(ru.ru_stime), us(ru.ru_utime) + us(ru.ru_stime), ru.ru_maxrss);
	if (out != stderr)
		fclose(out);
	return code;
}
