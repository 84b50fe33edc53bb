// SPDX-License-Identifier: MIT
/*
 * fw-workload: file operations for the fanwatch end-to-end tests, done by
 * one process whose pid the test knows (printed first, "pid N").
 *
 *   fw-workload [-P PIDFILE] OP [ARGS] [OP [ARGS]]...
 *
 * create P       open(O_CREAT|O_WRONLY) and close: create, open, close_write
 * write P TEXT   open(O_CREAT|O_WRONLY|O_TRUNC), write, close: + modify
 * read P         open, read, close: open, access, close_nowrite
 * chmod P        chmod 0600: attrib
 * rename A B     rename(2)
 * exchange A B   renameat2(RENAME_EXCHANGE): A and B swap places
 * unlink P | mkdir P | rmdir P
 * tryopen P      open O_RDONLY; prints "tryopen P ok" or "tryopen P ERRNO-NAME"
 * loop DIR N     N times: create DIR/fN, write 512 bytes, close, unlink
 * files DIR N    create DIR/kN, write, close (N files, kept)
 * comm NAME      prctl(PR_SET_NAME): the process name events will carry
 * sleep MS
 * wait FILE      until FILE exists (polling every millisecond, 20 s at most)
 * openers P N M  N processes at once, each opening P (O_RDONLY) M times;
 *                prints "openers ok=X eperm=Y other=Z" (all of them)
 * exec P [ARGS]  execv(P): open_exec by this same pid (must be last)
 *
 * Exit status 0, or 1 with a message if an operation other than tryopen fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, const char *path)
{
	fprintf(stderr, "fw-workload: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

/* N processes opening path M times each, at the same moment; totals over all of them. */
static void openers(const char *path, long n, long m)
{
	long *tot = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	volatile int *go;
	long i, j;
	int fd;

	if (tot == MAP_FAILED)
		die("mmap", path);
	go = (volatile int *)(tot + 8);
	for (i = 0; i < n; i++) {
		if (fork() != 0)
			continue;
		while (!*go)
			usleep(100);
		for (j = 0; j < m; j++) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0)
				close(fd);
			__atomic_add_fetch(&tot[fd >= 0 ? 0 : errno == EPERM ? 1 : 2], 1, __ATOMIC_RELAXED);
		}
		_exit(0);
	}
	*go = 1;
	while (wait(NULL) > 0)
		;
	printf("openers ok=%ld eperm=%ld other=%ld\n", tot[0], tot[1], tot[2]);
}

static void write_file(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		die("open", path);
	if (len && write(fd, text, len) != (ssize_t)len)
		die("write", path);
	if (close(fd) < 0)
		die("close", path);
}

static void read_file(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open", path);
	if (read(fd, buf, sizeof(buf)) < 0)
		die("read", path);
	close(fd);
}

static void try_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		printf("tryopen %s ok\n", path);
		close(fd);
	} else {
		printf("tryopen %s %s\n", path, strerrorname_np(errno));
	}
	fflush(stdout);
}

/* Distinct names: the kernel merges queued events of one name in one directory. */
static void loop(const char *dir, long n, bool keep)
{
	char path[4096], data[512];
	long i;

	memset(data, 'x', sizeof(data));
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%c%ld", dir, keep ? 'k' : 'f', i);
		write_file(path, data, sizeof(data));
		if (!keep && unlink(path) < 0)
			die("unlink", path);
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void wait_for(const char *path)
{
	int i;

	for (i = 0; i < 20000 && access(path, F_OK) < 0; i++)
		sleep_ms(1);
}

/* One operation at argv[0]; returns how many arguments it used. */
static int run_op(int argc, char **argv)
{
	const char *op = argv[0];

#define NEED(n) do { if (argc < (n) + 1) { fprintf(stderr, "fw-workload: %s needs %d argument(s)\n", op, n); exit(2); } } while (0)
	if (!strcmp(op, "create")) {
		NEED(1);
		write_file(argv[1], "", 0);
		return 2;
	}
	if (!strcmp(op, "write")) {
		NEED(2);
		write_file(argv[1], argv[2], strlen(argv[2]));
		return 3;
	}
	if (!strcmp(op, "read")) {
		NEED(1);
		read_file(argv[1]);
		return 2;
	}
	if (!strcmp(op, "chmod")) {
		NEED(1);
		if (chmod(argv[1], 0600) < 0)
			die("chmod", argv[1]);
		return 2;
	}
	if (!strcmp(op, "rename")) {
		NEED(2);
		if (rename(argv[1], argv[2]) < 0)
			die("rename", argv[1]);
		return 3;
	}
	if (!strcmp(op, "exchange")) {
		NEED(2);
		if (renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) < 0)
			die("renameat2 exchange", argv[1]);
		return 3;
	}
	if (!strcmp(op, "unlink")) {
		NEED(1);
		if (unlink(argv[1]) < 0)
			die("unlink", argv[1]);
		return 2;
	}
	if (!strcmp(op, "mkdir")) {
		NEED(1);
		if (mkdir(argv[1], 0755) < 0)
			die("mkdir", argv[1]);
		return 2;
	}
	if (!strcmp(op, "rmdir")) {
		NEED(1);
		if (rmdir(argv[1]) < 0)
			die("rmdir", argv[1]);
		return 2;
	}
	if (!strcmp(op, "tryopen")) {
		NEED(1);
		try_open(argv[1]);
		return 2;
	}
	if (!strcmp(op, "loop") || !strcmp(op, "files")) {
		NEED(2);
		loop(argv[1], atol(argv[2]), !strcmp(op, "files"));
		return 3;
	}
	if (!strcmp(op, "openers")) {
		NEED(3);
		openers(argv[1], atol(argv[2]), atol(argv[3]));
		return 4;
	}
	if (!strcmp(op, "comm")) {
		NEED(1);
		prctl(PR_SET_NAME, argv[1], 0, 0, 0);
		return 2;
	}
	if (!strcmp(op, "sleep")) {
		NEED(1);
		sleep_ms(atol(argv[1]));
		return 2;
	}
	if (!strcmp(op, "wait")) {
		NEED(1);
		wait_for(argv[1]);
		return 2;
	}
	if (!strcmp(op, "exec")) {
		NEED(1);
		fflush(NULL);
		execv(argv[1], argv + 1);
		die("exec", argv[1]);
	}
	fprintf(stderr, "fw-workload: unknown operation '%s'\n", op);
	exit(2);
}

int main(int argc, char **argv)
{
	int i = 1;

	if (argc > 2 && !strcmp(argv[1], "-P")) {
		FILE *f = fopen(argv[2], "w");

		if (!f)
			die("open", argv[2]);
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
		i = 3;
	}
	printf("pid %d\n", (int)getpid());
	fflush(stdout);
	while (i < argc)
		i += run_op(argc - i, argv + i);
	return 0;
}
