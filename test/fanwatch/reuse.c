// SPDX-License-Identifier: MIT
/*
 * fw-reuse: a pid reused on purpose, for the fanwatch tests.
 *
 *   fw-reuse DIR
 *
 * A "victim" writes DIR/victim and exits; once it is reaped, an "impostor"
 * is created with the very same pid (clone3() with set_tid, CAP_SYS_ADMIN),
 * writes DIR/impostor and stays until its standard input closes.  Prints
 * "victim PID" and "impostor PID"; exit 77 if the kernel refuses set_tid.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void job(const char *dir, const char *name, bool stay)
{
	char path[4096], c;
	int fd;

	prctl(PR_SET_NAME, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "x", 1) != 1 || close(fd) < 0)
		_exit(1);
	while (stay && read(0, &c, 1) > 0)
		;
	_exit(0);
}

int main(int argc, char **argv)
{
	struct clone_args a = { .exit_signal = SIGCHLD, .set_tid_size = 1 };
	pid_t victim, impostor;
	int st;

	if (argc != 2) {
		fprintf(stderr, "usage: fw-reuse DIR\n");
		return 2;
	}
	victim = fork();
	if (victim == 0)
		job(argv[1], "victim", false);
	if (victim < 0 || waitpid(victim, &st, 0) != victim || st != 0)
		return 1;
	a.set_tid = (uint64_t)(uintptr_t)&victim;
	impostor = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
	if (impostor == 0)
		job(argv[1], "impostor", true);
	if (impostor < 0) {
		fprintf(stderr, "fw-reuse: clone3 set_tid %d: %s\n", (int)victim, strerror(errno));
		return errno == EPERM || errno == EINVAL || errno == ENOSYS ? 77 : 1;
	}
	printf("victim %d\nimpostor %d\n", (int)victim, (int)impostor);
	fflush(stdout);
	return waitpid(impostor, &st, 0) == impostor && st == 0 ? 0 : 1;
}
