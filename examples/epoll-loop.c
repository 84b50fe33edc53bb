// SPDX-License-Identifier: MIT
/*
 * epoll-loop: a fanotify group in a program's own epoll(7) loop, next to
 * a timer and the program's signals.  Prints every file of DIR written
 * and closed, a line every --every seconds, and stops on SIGINT, SIGTERM
 * or after --timeout seconds.
 *
 *     epoll-loop [--every SEC] [--timeout SEC] DIR
 *
 * The group is created FAN_NONBLOCK and its descriptor (fan_group_fd())
 * added with EPOLLIN, level-triggered: when epoll says it is readable,
 * fan_group_read() reads one batch (-EAGAIN if another reader was first);
 * the batch is walked, then ended with fan_group_release() before the
 * loop waits again, so no descriptor (and no permission event, in a
 * permission group) is held while the program sleeps.  Paths are quoted
 * for the terminal with fan_path_quote().  Needs CAP_SYS_ADMIN (a group
 * that receives file descriptors).
 *
 * Exit status: 0 done, 1 error, 2 usage, 3 the kernel or the privileges
 * lack a feature.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fanotify/fanotify.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

enum { SRC_GROUP, SRC_TICK, SRC_SIGNAL, SRC_END };

static int add(int ep, int fd, int src)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)src };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

/* A timerfd firing after sec seconds, then every interval seconds (0: once). */
static int timer(double sec, double interval)
{
	struct itimerspec its = {
		.it_value = { (time_t)sec, (long)((sec - (time_t)sec) * 1e9) },
		.it_interval = { (time_t)interval, (long)((interval - (time_t)interval) * 1e9) },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd >= 0 && timerfd_settime(fd, 0, &its, NULL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One batch: read it, print it; the caller ends it. */
static long on_group(struct fan_group *g, struct fan_resolver *r)
{
	char quoted[4 * 4096 + 3];
	struct fan_event *ev;
	struct fan_path p;
	long n = 0;
	int res;

	res = fan_group_read(g);
	if (res == -EAGAIN || res == -EINTR)
		return 0;	/* readiness someone else used, or a signal */
	if (res < 0 && res != -EBADMSG) {
		fprintf(stderr, "epoll-loop: read: %s\n", strerror(-res));
		return -1;
	}
	fan_for_each_event(ev, g) {
		if (fan_event_is_overflow(ev)) {
			printf("overflow: events were lost\n");
			continue;
		}
		if (fan_resolve_path(r, ev, &p, NULL) < 0 || !p.path)
			continue;
		fan_path_quote(p.path, p.len, 0, quoted, sizeof(quoted));
		printf("close_write %s pid %d\n", quoted, (int)fan_event_pid(ev));
		n++;
	}
	return n;
}

static int loop(struct fan_group *g, struct fan_resolver *r, int ep, int tick)
{
	struct epoll_event evs[8];
	long events = 0, n;
	int i, k;

	for (;;) {
		fan_group_release(g);	/* end the batch before sleeping */
		k = epoll_wait(ep, evs, 8, -1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			perror("epoll-loop: epoll_wait");
			return 1;
		}
		for (i = 0; i < k; i++) {
			switch (evs[i].data.u32) {
			case SRC_GROUP:
				n = on_group(g, r);
				if (n < 0)
					return 1;
				events += n;
				break;
			case SRC_TICK: {
				uint64_t ticks;

				if (read(tick, &ticks, sizeof(ticks)) < 0)
					ticks = 0;	/* drained already */
				printf("tick: %ld files so far\n", events);
				break;
			}
			case SRC_SIGNAL:
				printf("stopped by a signal after %ld files\n", events);
				return 0;
			case SRC_END:
				printf("stopped after %ld files\n", events);
				return 0;
			}
		}
	}
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "every", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char usage[] = "usage: epoll-loop [--every SEC] [--timeout SEC] DIR\n";
	int c, r, status = 1, ep = -1, tick = -1, end = -1, sig = -1;
	double every = 10, timeout = 0;
	struct fan_resolver *res = NULL;
	struct fan_group *g = NULL;
	sigset_t mask;

	while ((c = getopt_long(argc, argv, "e:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': every = atof(optarg); break;
		case 't': timeout = atof(optarg); break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (argc - optind != 1 || every <= 0) {
		fputs(usage, stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	r = fan_group_new(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_CLOEXEC, &g);
	if (r == 0)
		r = fan_group_add_mark(g, FAN_MARK_ONLYDIR, FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD,
				       argv[optind]);
	if (r == 0)
		r = fan_resolver_new(g, NULL, &res);
	if (r < 0) {
		fprintf(stderr, "epoll-loop: %s: %s\n", argv[optind], strerror(-r));
		fan_group_free(g);
		return r == -EPERM ? 3 : 1;
	}

	/* The program's own sources: signals as a descriptor, two timers. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sig = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tick = timer(every, every);
	end = timeout > 0 ? timer(timeout, 0) : -1;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sig < 0 || tick < 0 || (timeout > 0 && end < 0) || ep < 0 ||
	    add(ep, fan_group_fd(g), SRC_GROUP) < 0 || add(ep, tick, SRC_TICK) < 0 ||
	    add(ep, sig, SRC_SIGNAL) < 0 || (end >= 0 && add(ep, end, SRC_END) < 0)) {
		perror("epoll-loop: setting up the loop");
	} else {
		fprintf(stderr, "epoll-loop: watching %s\n", argv[optind]);
		status = loop(g, res, ep, tick);
	}
	close(ep);
	close(tick);
	if (end >= 0)
		close(end);
	close(sig);
	fan_resolver_free(res);
	fan_group_free(g);
	return status;
}
