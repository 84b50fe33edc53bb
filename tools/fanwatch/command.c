// SPDX-License-Identifier: MIT
/*
 * "-- COMMAND": started once the marks are in place, with the signal
 * mask, SIGPIPE and the descriptor limit as fanwatch got them and none of
 * fanwatch's descriptors (all are close-on-exec); an exec failure comes
 * back through a close-on-exec pipe.  Its pid roots the process tree
 * (proctree.c); its end is reaped from SIGCHLD.
 *
 * Its identity: -u/--user USER, else, when fanwatch runs as root through
 * sudo, the user who ran sudo (SUDO_UID, SUDO_GID), else fanwatch's own.
 * The user, primary group and supplementary groups are looked up before
 * the fork (NSS is not for a forked child of a threaded process); the
 * child sets them with raw system calls, so becoming a user other than
 * root clears every capability (permitted, effective, ambient).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state.h"

/* ---- the command's identity ---- */

struct identity {
	bool change;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;
};

static bool parse_id(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return *s >= '0' && *s <= '9' && !*end && !errno && *v < UINT_MAX;
}

/* The user named by -u (a name or a number). */
static const struct passwd *user_of(const char *name)
{
	const struct passwd *pw = getpwnam(name);
	unsigned long id;

	if (!pw && parse_id(name, &id))
		pw = getpwuid((uid_t)id);
	if (!pw)
		fw_fatal(FW_EXIT_USAGE, "--user: no user %s", fw_qpath(name));
	return pw;
}

static void identity_groups(struct identity *id, const char *name)
{
	int n = 64;

	for (;;) {
		id->groups = realloc(id->groups, (size_t)n * sizeof(gid_t));
		if (!id->groups)
			fw_fatal(FW_EXIT_RUNTIME, "out of memory");
		id->ngroups = n;
		if (getgrouplist(name, id->gid, id->groups, &id->ngroups) >= 0)
			return;
		if (id->ngroups <= n)
			fw_fatal(FW_EXIT_RUNTIME, "cannot read the groups of %s", fw_qpath(name));
		n = id->ngroups;
	}
}

static struct identity command_identity(const struct fw_opts *o)
{
	const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID");
	struct identity id = { 0 };
	const struct passwd *pw;
	unsigned long u, g;

	if (o->user) {
		pw = user_of(o->user);
		id = (struct identity){ .change = true, .uid = pw->pw_uid, .gid = pw->pw_gid };
	} else if (getuid() == 0 && su && sg && parse_id(su, &u) && parse_id(sg, &g)) {
		pw = getpwuid((uid_t)u);
		id = (struct identity){ .change = true, .uid = (uid_t)u, .gid = (gid_t)g };
	} else {
		return id;
	}
	if (id.change && geteuid() != 0)
		fw_fatal(FW_EXIT_RUNTIME, "running COMMAND as uid %u needs root (CAP_SETUID, "
			 "CAP_SETGID)", (unsigned)id.uid);
	if (pw)
		identity_groups(&id, pw->pw_name);
	return id;
}

/* In the child: raw system calls, this thread only (it is the only one). */
static int become(const struct identity *id)
{
	if (!id->change)
		return 0;
	if (syscall(SYS_setgroups, (size_t)id->ngroups, id->groups) < 0 ||
	    syscall(SYS_setresgid, id->gid, id->gid, id->gid) < 0 ||
	    syscall(SYS_setresuid, id->uid, id->uid, id->uid) < 0)
		return errno;
	return 0;
}

/* ---- end of the command's identity ---- */

static void child_exec(char **argv, int errfd, const struct rlimit *nofile,
		       const struct identity *id)
{
	sigset_t none;
	int err;

	err = become(id);
	if (err) {
		(void)!write(errfd, &err, sizeof(err));
		_exit(126);
	}
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
	struct identity id = command_identity(st->o);
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
		child_exec(st->o->command, pipefd[1], nofile, &id);
	free(id.groups);
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
