// SPDX-License-Identifier: MIT
/*
 * Telling the service manager how fanwatch is doing: the sd_notify
 * protocol (one datagram of "KEY=VALUE" lines to the AF_UNIX socket named
 * by $NOTIFY_SOCKET, a path or "@abstract"), spoken directly, so it works
 * in builds without libsystemd too.
 *
 *   READY=1 + STATUS=   once the marks are in place (the startup line)
 *   WATCHDOG=1          every WATCHDOG_USEC / 2, from the main loop: a
 *                       loop that stops turning stops the pings
 *   STATUS=             the counts when they changed, at most every
 *                       STATUS_EVERY_MS (or with each WATCHDOG=1, if sooner)
 *   STOPPING=1          when fanwatch leaves its loop
 *
 * The variables are removed from the environment at once: a COMMAND
 * fanwatch runs must not talk to fanwatch's manager.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "state.h"

#define STATUS_EVERY_MS 5000

static struct {
	int fd;				/* -1: no manager listening */
	struct sockaddr_un sa;
	socklen_t salen;
	uint64_t watchdog_ms;		/* 0: no watchdog */
	uint64_t next_ping, next_status;	/* CLOCK_MONOTONIC ms */
	uint64_t last_reported, last_overflows;
	bool ready, warned;
} nt = { .fd = -1 };

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool parse_socket(const char *s)
{
	size_t n = strlen(s);

	if ((s[0] != '/' && s[0] != '@') || n < 2 || n >= sizeof(nt.sa.sun_path))
		return false;
	nt.sa.sun_family = AF_UNIX;
	memcpy(nt.sa.sun_path, s, n);
	if (s[0] == '@')
		nt.sa.sun_path[0] = '\0';	/* abstract namespace */
	nt.salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (s[0] == '/'));
	return true;
}

/* WATCHDOG_USEC, if meant for this process (WATCHDOG_PID unset or ours). */
static uint64_t watchdog_usec(void)
{
	const char *u = getenv("WATCHDOG_USEC"), *p = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (!u)
		return 0;
	if (p && strtol(p, NULL, 10) != (long)getpid())
		return 0;
	errno = 0;
	v = strtoull(u, &end, 10);
	return (*u && !*end && !errno) ? v : 0;
}

void fw_notify_init(void)
{
	const char *s = getenv("NOTIFY_SOCKET");
	uint64_t wd = watchdog_usec();

	if (s && !parse_socket(s))
		fw_warn("NOTIFY_SOCKET=%s is not an absolute path or @name: not notifying", s);
	else if (s)
		nt.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s && nt.fd < 0 && nt.salen)
		fw_warn("NOTIFY_SOCKET: %s", strerror(errno));
	/*
	 * Connected now, while fanwatch may still reach it: after setup a root
	 * fanwatch runs as nobody, and a socket's permissions are checked
	 * when it is connected to, not at each send.
	 */
	if (nt.fd >= 0 && connect(nt.fd, (struct sockaddr *)&nt.sa, nt.salen) < 0) {
		fw_warn("NOTIFY_SOCKET=%s: %s: not notifying", s, strerror(errno));
		close(nt.fd);
		nt.fd = -1;
	}
	/* at least 2 ms between pings: a smaller value is a mistake, not a request */
	nt.watchdog_ms = nt.fd >= 0 && wd ? (wd / 2000 ? wd / 2000 : 1) : 0;
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static void send_msg(const char *msg)
{
	ssize_t n;

	if (nt.fd < 0)
		return;
	do
		n = send(nt.fd, msg, strlen(msg), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && !nt.warned) {
		nt.warned = true;	/* the manager went away: say it once */
		fw_warn("NOTIFY_SOCKET: cannot notify the service manager: %s", strerror(errno));
	}
}

/* "STATUS=Watching 1 path (2 directories); 10 events reported, ..." */
static void status_line(const struct fw_state *st, char *buf, size_t size)
{
	int n = snprintf(buf, size, "STATUS=Watching %zu path%s", st->nroots,
			 st->nroots == 1 ? "" : "s");

	if (n > 0 && (size_t)n < size && fw_watch_dirs(st))
		n += snprintf(buf + n, size - (size_t)n, " (%zu director%s)", fw_watch_dirs(st),
			      fw_watch_dirs(st) == 1 ? "y" : "ies");
	if (n > 0 && (size_t)n < size && st->nfs)
		n += snprintf(buf + n, size - (size_t)n, " (%zu filesystems)", st->nfs);
	if (n > 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "; %llu events reported, %llu filtered, "
			      "%llu overflows", (unsigned long long)st->reported,
			      (unsigned long long)st->filtered, (unsigned long long)st->overflows);
	if (n > 0 && (size_t)n < size && st->perm)
		snprintf(buf + n, size - (size_t)n, ", %llu denied",
			 (unsigned long long)fw_perm_denied(st->perm));
}

static uint64_t status_every(void)
{
	return nt.watchdog_ms && nt.watchdog_ms < STATUS_EVERY_MS ? nt.watchdog_ms : STATUS_EVERY_MS;
}

void fw_notify_ready(const struct fw_state *st)
{
	char msg[512];
	uint64_t now = now_ms();

	if (nt.fd < 0)
		return;
	memcpy(msg, "READY=1\n", 8);
	status_line(st, msg + 8, sizeof(msg) - 8);
	send_msg(msg);
	nt.ready = true;
	nt.next_ping = now + nt.watchdog_ms;
	nt.next_status = now + status_every();
	nt.last_reported = st->reported;
	nt.last_overflows = st->overflows;
}

int fw_notify_timeout(void)
{
	uint64_t now, next;

	if (nt.fd < 0 || !nt.ready)
		return -1;
	now = now_ms();
	next = nt.next_status;
	if (nt.watchdog_ms && nt.next_ping < next)
		next = nt.next_ping;
	return next <= now ? 0 : (int)(next - now);
}

void fw_notify_tick(const struct fw_state *st)
{
	uint64_t now;
	char msg[512];

	if (nt.fd < 0 || !nt.ready)
		return;
	now = now_ms();
	if (nt.watchdog_ms && now >= nt.next_ping) {
		send_msg("WATCHDOG=1");
		nt.next_ping = now + nt.watchdog_ms;
	}
	if (now >= nt.next_status) {
		nt.next_status = now + status_every();
		if (st->reported == nt.last_reported && st->overflows == nt.last_overflows)
			return;
		nt.last_reported = st->reported;
		nt.last_overflows = st->overflows;
		status_line(st, msg, sizeof(msg));
		send_msg(msg);
	}
}

void fw_notify_stopping(void)
{
	if (nt.fd < 0)
		return;
	send_msg("STOPPING=1");
	close(nt.fd);
	nt.fd = -1;
}
