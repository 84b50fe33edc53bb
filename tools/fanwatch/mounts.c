// SPDX-License-Identifier: MIT
/*
 * Mounts: the --mounts group (FAN_REPORT_MNT, a mount-namespace mark,
 * Linux 6.15) and --all (a filesystem mark on every mounted filesystem).
 *
 * The resolver names a detached mount that is older than fanwatch too:
 * it seeds its mount table with the mounts of the namespace when it is
 * created (test: events.sh, umount of a mount made before fanwatch).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

/* One line of /proc/self/mountinfo: mount point (unescaped) and type. */
static bool parse_mountinfo(char *line, char **mp, char **type)
{
	char *f[5], *save = NULL, *sep, *p, *o;
	int i;

	sep = strstr(line, " - ");
	if (!sep)
		return false;
	*sep = '\0';
	for (i = 0, p = line; i < 5; i++, p = NULL)
		if (!(f[i] = strtok_r(p, " ", &save)))
			return false;
	*type = strtok_r(sep + 3, " ", &save);
	if (!*type)
		return false;
	/* octal escapes: \040 space, \011 tab, \012 newline, \134 backslash */
	for (p = o = f[4]; *p; o++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 4;
		} else {
			*o = *p++;
		}
	}
	*o = '\0';
	*mp = f[4];
	return true;
}

/* --all: the filesystems marked so far (one mark each), and with what. */
struct allfs {
	struct fw_state *st;
	uint64_t mask;
	dev_t *seen;
	size_t nseen;
};

typedef void (*mount_fn)(struct allfs *a, const char *mp, const char *type);

static void for_each_mount(struct allfs *a, mount_fn fn)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *mp, *type;
	size_t cap = 0;

	if (!f)
		fw_fatal(FW_EXIT_RUNTIME, "cannot read /proc/self/mountinfo: %s", strerror(errno));
	while (getline(&line, &cap, f) > 0)
		if (parse_mountinfo(line, &mp, &type))
			fn(a, mp, type);
	free(line);
	fclose(f);
}

void fw_mounts_setup(struct fw_state *st)
{
	unsigned int init = FAN_CLASS_NOTIF | FAN_REPORT_MNT;
	LIBFANOTIFY_OPTS(fan_group_opts, o, .init_flags = init | FAN_CLOEXEC | FAN_NONBLOCK,
			 .buf_size = 64 * 1024, .flags = LIBFANOTIFY_SKIP_SELF);
	int r;

	if (!(st->o->events & FW_MOUNT_EVENTS))
		return;
	r = fan_probe_init(init, 0);
	if (r == -EINVAL)
		fw_fatal(FW_EXIT_RUNTIME, "mount and umount events need Linux %s",
			 fan_init_flag_since(FAN_REPORT_MNT));
	r = fan_group_new_opts(&o, &st->mnt);
	if (r == 0)
		r = fan_group_add_mntns_mark(st->mnt, FAN_MNT_ATTACH | FAN_MNT_DETACH, -1);
	if (r == -EPERM)
		fw_fatal(FW_EXIT_RUNTIME, "mount and umount events need CAP_SYS_ADMIN");
	if (r == -EINVAL)
		fw_fatal(FW_EXIT_RUNTIME, "mount and umount events need Linux %s",
			 fan_event_since(FAN_MNT_ATTACH));
	if (r < 0)
		fw_fatal(FW_EXIT_RUNTIME, "cannot watch mount events: %s", strerror(-r));
	r = fan_resolver_new(st->mnt, NULL, &st->mres);
	if (r < 0)
		fw_fatal(FW_EXIT_RUNTIME, "cannot create a resolver: %s", strerror(-r));
}

static void handle_mount_event(struct fw_state *st, struct fan_event *ev)
{
	const struct fan_info *mi = fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_MNT);
	struct fw_record rec = { .events = fan_event_mask(ev) & st->o->events,
				 .pid = fan_event_pid(ev) };
	struct fan_process proc;
	struct fan_path p;

	st->seen++;
	if (fan_event_is_overflow(ev)) {
		st->overflows++;
		fw_warn("mount event queue overflowed: mount events were lost");
		fw_emit(st, &(struct fw_record){ .events = FAN_Q_OVERFLOW, .flags = FW_REC_OVERFLOW });
		return;
	}
	if (mi && fan_info_mnt(mi, &rec.mount_id) == 0)
		rec.flags |= FW_REC_MOUNT_ID;
	if (fan_resolve_path(st->mres, ev, &p, NULL) == 0 && p.path)
		rec.path = (struct fw_bytes){ p.path, p.len };
	fan_resolve_process(st->mres, ev, &proc);
	rec.proc = &proc;
	if (rec.events && fw_filter_record(st, &rec))
		fw_emit(st, &rec);
	else
		st->filtered++;
}

void fw_handle_mount_batch(struct fw_state *st)
{
	struct fan_event *ev;

	fw_out_stamp(&st->out);
	if (st->tree)
		fw_proctree_drain(st->tree);
	fan_for_each_event(ev, st->mnt)
		handle_mount_event(st, ev);
}

/* ---- --all ---- */

static bool dev_seen(struct allfs *a, dev_t d)
{
	dev_t *v;
	size_t i;

	for (i = 0; i < a->nseen; i++)
		if (a->seen[i] == d)
			return true;
	v = realloc(a->seen, (a->nseen + 1) * sizeof(*v));
	if (v) {
		a->seen = v;
		a->seen[a->nseen++] = d;
	}
	return false;
}

/* Kernel answers that mean "a pseudo filesystem without file handles": skip quietly. */
static bool pseudo_error(int r)
{
	return r == -EOPNOTSUPP || r == -ENODEV || r == -EXDEV || r == -EINVAL || r == -ENOENT ||
	       r == -EACCES || r == -ELOOP;
}

static void mark_one_fs(struct allfs *a, const char *mp, const char *type)
{
	struct fw_state *st = a->st;
	struct stat sb;
	int r;

	if (stat(mp, &sb) < 0 || dev_seen(a, sb.st_dev))
		return;
	r = fan_group_mark(st->notif, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, a->mask, AT_FDCWD, mp);
	if (r == -EPERM)
		fw_fatal(FW_EXIT_RUNTIME, "--all needs CAP_SYS_ADMIN");
	if (r == 0)
		st->nfs++;
	else if (!pseudo_error(r))
		fw_warn("cannot watch the filesystem at %s (%s): %s", fw_qpath(mp), type,
			strerror(-r));
}

void fw_mark_all_filesystems(struct fw_state *st, uint64_t mask)
{
	struct allfs a = { .st = st, .mask = mask };

	for_each_mount(&a, mark_one_fs);
	free(a.seen);
	if (!st->nfs)
		fw_fatal(FW_EXIT_RUNTIME, "--all: no filesystem accepted a mark");
}
