// SPDX-License-Identifier: MIT
/*
 * "-- COMMAND": started once the marks are in place (the caller forks
 * before dropping capabilities, so the command runs with the user's own),
 * with the signal mask, SIGPIPE and the descriptor limit as fanwatch got
 * them; an exec failure comes back through a close-on-exec pipe.  Its pid
 * roots the process tree (proctree.c); its end is reaped from SIGCHLD.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state.h"

static void child_exec(char **argv, int errfd, const struct rlimit *nofile)
{
	sigset_t none;
	int err;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	(void)setrlimit(RLIMIT_NOFILE, nofile);	/* as it was given to us */
	execvp(argv[0], argv);
	err = errno;
	(void)!write(errfd, &err, sizeof(err));
	_exit(err == ENOENT ? 127 : 126);
}

void fw_command_start(struct fw_state *st, const struct rlimit *nofile)
{
	int pipefd[2], err;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		fw_fatal(FW_EXIT_RUNTIME, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		const char *why = strerror(errno);

		fw_fatal(FW_EXIT_RUNTIME, "cannot start %s: %s", fw_qpath(st->o->command[0]), why);
	}
	if (pid == 0)
		child_exec(st->o->command, pipefd[1], nofile);
	close(pipefd[1]);
	st->child = pid;
	fw_proctree_set_root(st->tree, pid);
	/* the pipe closes on exec; an errno on it means exec failed */
	if (read(pipefd[0], &err, sizeof(err)) == sizeof(err)) {
		waitpid(pid, NULL, 0);
		fw_fatal(err == ENOENT ? 127 : 126, "cannot run %s: %s", fw_qpath(st->o->command[0]),
			 strerror(err));
	}
	close(pipefd[0]);
}

void fw_command_reap(struct fw_state *st)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != st->child)
			continue;
		st->child_done = true;
		st->child_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
}
