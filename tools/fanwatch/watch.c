// SPDX-License-Identifier: MIT
/*
 * The reporting group and its marks.
 *
 * One FID group (FAN_REPORT_DFID_NAME | FAN_REPORT_FID, and
 * FAN_REPORT_TARGET_FID where the kernel has it): events carry directory
 * handles and names, so the kernel never opens a file for us and a file
 * deleted before the event is read still has its path.
 *
 * Tree scope: libfanotify's subtree tracker marks every directory of each
 * PATH (inode marks with FAN_EVENT_ON_CHILD | FAN_ONDIR; symbolic links are
 * never followed, mount points below a PATH not entered: a PATH means the
 * tree on its own filesystem), in the permission group too, and follows
 * them by identity: handle.c hands it every event first.  The kernel
 * filters out everything else, so nothing outside the tree costs a path
 * resolution.  With --tree-marks filesystem, one filesystem mark instead,
 * and the tracker decides what lies in the tree.
 *
 * Mount and filesystem scope: one mount or filesystem mark per PATH.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "state.h"

#define READ_BUF_SIZE (1u << 20)

/* Events a directory mark always asks for: the tracker's, and a PATH moved away. */
#define TREE_INTERNAL                                                          \
	(FAN_CREATE | FAN_RENAME | FAN_DELETE | FAN_DELETE_SELF | FAN_MOVE_SELF | FAN_ONDIR)
/* Mount and filesystem scope: directory renames keep the path cache right. */
#define WIDE_INTERNAL (FAN_RENAME | FAN_ONDIR)
/* The same before Linux 5.17 (no FAN_RENAME): each side of a rename on its own. */
#define WIDE_INTERNAL_OLD (FAN_MOVED_FROM | FAN_MOVED_TO | FAN_ONDIR)
/* What an inode mark on a non-directory can report. */
#define FILE_MARK_EVENTS                                                       \
	(FAN_ACCESS | FAN_MODIFY | FAN_ATTRIB | FAN_OPEN | FAN_OPEN_EXEC |        \
	 FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE | FAN_DELETE_SELF | FAN_MOVE_SELF)

/* ---- setup ---- */

/* What fanwatch asks for besides the user's events (tree scope: what the tracker needs). */
static uint64_t internal_mask(const struct fw_state *st)
{
	/* before 5.17 the tracker asks for FAN_MOVED_FROM | FAN_MOVED_TO itself */
	if (st->no_rename)
		return st->o->scope == FW_SCOPE_TREE ? TREE_INTERNAL & ~(uint64_t)FAN_RENAME
						     : WIDE_INTERNAL_OLD;
	return st->o->scope == FW_SCOPE_TREE ? TREE_INTERNAL : WIDE_INTERNAL;
}

static void group_new(struct fw_state *st)
{
	unsigned int init = FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_FID |
			    FAN_CLOEXEC | FAN_NONBLOCK;
	LIBFANOTIFY_OPTS(fan_group_opts, o, .event_f_flags = O_RDONLY | O_CLOEXEC,
			 .buf_size = READ_BUF_SIZE, .flags = LIBFANOTIFY_SKIP_SELF);
	int r;

	/* pidfd-checked identities: never a process that reused the pid */
	if (st->privileged && fan_probe_init(init | FAN_REPORT_PIDFD, O_RDONLY) == 0)
		init |= FAN_REPORT_PIDFD;
	else if (st->privileged)
		fw_warn("this kernel cannot report pidfds (Linux %s): process names and ids are "
			"read by pid, unchecked, and can belong to a process that took over the "
			"pid of one that exited", fan_init_flag_since(FAN_REPORT_PIDFD));
	/* a new directory's own handle (5.17): found wherever it went before we looked */
	if (fan_probe_init(init | FAN_REPORT_TARGET_FID, O_RDONLY) == 0)
		init |= FAN_REPORT_TARGET_FID;
	o.init_flags = init;
	r = fan_group_new_opts(&o, &st->notif);
	if (r == -EPERM)
		fw_fatal(FW_EXIT_RUNTIME, "fanotify refused an unprivileged group (%s): needs "
			 "CAP_SYS_ADMIN, or Linux 5.13 for unprivileged use", strerror(-r));
	if (r == -EINVAL)
		fw_fatal(FW_EXIT_RUNTIME, "this kernel lacks FAN_REPORT_DFID_NAME: fanwatch needs "
			 "Linux %s", fan_init_flag_since(FAN_REPORT_NAME));
	if (r < 0)
		fw_fatal(FW_EXIT_RUNTIME, "cannot create a fanotify group: %s", strerror(-r));
	r = fan_resolver_new(st->notif, fw_procs_resolver_opts(st), &st->res);
	if (r < 0)
		fw_fatal(FW_EXIT_RUNTIME, "cannot create a resolver: %s", strerror(-r));
	if (fw_procs_resolver_opts(st)->flags & LIBFANOTIFY_RESOLVER_PROC_TABLE) {
		struct fan_resolver_proc_stats ps = { .sz = sizeof(ps) };

		/* asked for and refused (a unit without CAP_NET_ADMIN or AF_NETLINK): say so */
		if (fan_resolver_get_proc_stats(st->res, &ps) == 0 && ps.table < 0)
			fw_warn("no process table (%s%s): processes that exit before their "
				"events are read are reported without a name",
				strerror(-ps.table),
				ps.table == -EPERM ? ": needs CAP_NET_ADMIN" :
				ps.table == -EAFNOSUPPORT ? ": needs AF_NETLINK sockets" : "");
	}
	st->procs = fw_procs_new(st);
}

/*
 * Before Linux 5.17 there is no FAN_RENAME: a rename comes as a MOVED_FROM
 * (old path) and a MOVED_TO (new path), which is what is reported then.  In
 * tree scope the tracker follows moves the same way (libfanotify(7)): a
 * directory moved in is watched from its MOVED_TO on and what it held is
 * reported as found; one moved out is unmarked at its MOVED_FROM.  Nor is
 * there FAN_REPORT_TARGET_FID: a new directory is found by its name, so
 * one renamed before the tracker saw its creation is found at its move,
 * what it held reported with the path of then.
 */
static void rename_fallback(struct fw_state *st, unsigned int type)
{
	unsigned int init = fan_group_init_flags(st->notif) & ~(FAN_CLOEXEC | FAN_NONBLOCK);
	bool tree = st->o->scope == FW_SCOPE_TREE;

	if (fan_probe_mark(init, type, FAN_RENAME, -1, NULL) != -EINVAL)
		return;
	st->no_rename = true;
	if (st->o->events & FAN_RENAME)
		st->o->events = (st->o->events & ~(uint64_t)FAN_RENAME) | FAN_MOVED_FROM | FAN_MOVED_TO;
	if (st->o->events & (FAN_MOVED_FROM | FAN_MOVED_TO) || tree)
		fw_warn("this kernel has no rename event (Linux %s): a rename is reported as "
			"moved_from with the old path and moved_to with the new one%s",
			fan_event_since(FAN_RENAME),
			tree ? "; a new directory is found by its name: one renamed before fanwatch "
			       "saw it is found at its new name, what it held reported with that path"
			     : "");
}

/* Name an event this kernel refuses and the release that brought it. */
static void check_events(struct fw_state *st, unsigned int type)
{
	unsigned int init = fan_group_init_flags(st->notif) & ~(FAN_CLOEXEC | FAN_NONBLOCK);
	uint64_t want = (st->o->events | internal_mask(st)) & FW_FILE_EVENTS, bit;
	int r;

	if (type == FAN_MARK_MOUNT)
		want &= ~(uint64_t)FW_DIRENT_EVENTS;
	for (bit = 1; bit && want; bit <<= 1) {
		if (!(want & bit))
			continue;
		r = fan_probe_mark(init, type == FAN_MARK_INODE ? FAN_MARK_INODE : FAN_MARK_FILESYSTEM,
				   bit, -1, NULL);
		/* a memfd is no directory: ENOTDIR means the kernel knows the bit */
		if (r == -EINVAL)
			fw_fatal(FW_EXIT_RUNTIME, "this kernel does not support the '%s' event "
				 "(it needs Linux %s)",
				 fw_event_names[fw_event_index(bit)].name, fan_event_since(bit));
	}
}

static const char *mark_type_name(unsigned int type)
{
	return type == FAN_MARK_MOUNT ? "--mount" : "--filesystem";
}

static void mark_wide(struct fw_state *st, unsigned int type, const char *path, uint64_t mask)
{
	int r = fan_group_mark(st->notif, FAN_MARK_ADD | type, mask, AT_FDCWD, path);

	if (r == -EPERM)
		fw_fatal(FW_EXIT_RUNTIME, "%s needs CAP_SYS_ADMIN", mark_type_name(type));
	if (r < 0)
		fw_fatal(FW_EXIT_RUNTIME, "cannot watch the %s of %s: %s",
			 type == FAN_MARK_MOUNT ? "mount" : "filesystem", fw_qpath(path), strerror(-r));
	if (st->perm && fw_perm_mark_scope(st->perm, type, path) < 0)
		fw_fatal(FW_EXIT_RUNTIME, "cannot add the permission mark on %s", fw_qpath(path));
}

/* fs_error: a filesystem mark (Linux 5.16) on each PATH's filesystem. */
static void mark_errors(struct fw_state *st, const char *path)
{
	int r = fan_group_mark(st->notif, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_FS_ERROR,
			       AT_FDCWD, path);

	if (r == -EPERM)
		fw_fatal(FW_EXIT_RUNTIME, "fs_error events need a filesystem mark: CAP_SYS_ADMIN");
	if (r == -EINVAL)
		fw_fatal(FW_EXIT_RUNTIME, "this kernel does not support the 'fs_error' event (it "
			 "needs Linux %s)", fan_event_since(FAN_FS_ERROR));
	if (r < 0)
		fw_fatal(FW_EXIT_RUNTIME, "cannot watch errors of the filesystem of %s: %s", fw_qpath(path),
			 strerror(-r));
}

/*
 * Let the library know a PATH's filesystem through its parent first.
 * Early versions of the library kept the first marked object itself open
 * for open_by_handle_at(): a deleted watched file was never freed and never
 * reported delete_self.  The library now keeps the mount's root open
 * instead and events.sh ("file PATH") passes without this call; it stays
 * because it is harmless (one descriptor on the parent's mount).
 */
static void note_filesystem(struct fw_state *st, const char *path)
{
	char *dir = strdup(path), *slash;

	if (!dir)
		return;
	slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0';
	(void)fan_group_add_mount(st->notif, AT_FDCWD, dir);
	free(dir);
}

static void mark_file(struct fw_state *st, const struct fw_root *root)
{
	uint64_t mask = (st->dir_mask & FILE_MARK_EVENTS) | FAN_DELETE_SELF | FAN_MOVE_SELF;
	int r, fd;

	r = fan_group_mark(st->notif, FAN_MARK_ADD, mask, AT_FDCWD, root->path);

	if (r < 0)
		fw_fatal(FW_EXIT_RUNTIME, "cannot watch %s: %s", fw_qpath(root->path), strerror(-r));
	if (!st->perm)
		return;
	fd = open(root->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fw_perm_mark_fd(st->perm, fd, false) < 0)
		fw_fatal(FW_EXIT_RUNTIME, "cannot add the permission mark on %s",
			 fw_qpath(root->path));
	close(fd);
}

static void root_handle(struct fw_root *r)
{
	union {
		struct file_handle fh;
		unsigned char space[sizeof(struct file_handle) + 128];
	} h = { .fh.handle_bytes = 128 };
	struct statfs sfs;
	int mnt;

	if (name_to_handle_at(AT_FDCWD, r->path, &h.fh, &mnt, 0) < 0 || statfs(r->path, &sfs) < 0)
		return;
	memcpy(r->fsid.val, &sfs.f_fsid, sizeof(r->fsid.val));
	r->handle_type = h.fh.handle_type;
	r->handle_bytes = h.fh.handle_bytes;
	memcpy(r->handle, h.fh.f_handle, h.fh.handle_bytes);
	r->has_handle = true;
}

static void add_root(struct fw_state *st, const char *arg)
{
	struct fw_root *r;
	struct stat sb;
	char *real = realpath(arg, NULL);

	if (!real || stat(real, &sb) < 0) {
		const char *why = strerror(errno);

		fw_fatal(FW_EXIT_USAGE, "cannot watch %s: %s", fw_qpath(arg), why);
	}
	r = realloc(st->roots, (st->nroots + 1) * sizeof(*r));
	if (!r)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	st->roots = r;
	r[st->nroots] = (struct fw_root){ .path = real, .len = strlen(real),
					  .is_dir = S_ISDIR(sb.st_mode), .dev = sb.st_dev };
	root_handle(&r[st->nroots++]);
}

static void collect_roots(struct fw_state *st)
{
	size_t i;

	for (i = 0; i < st->o->paths.n; i++)
		add_root(st, st->o->paths.v[i]);
	if (!st->o->paths.n && st->o->scope != FW_SCOPE_ALL)
		add_root(st, ".");
}

/* A PATH (tree scope) that cannot be watched at all. */
static void root_failed(const char *path, int err)
{
	fw_fatal(FW_EXIT_RUNTIME, "cannot watch %s: %s%s", fw_qpath(path), strerror(-err),
		 err == -EACCES || err == -EPERM ? " (no permission to read it)" : "");
}

/* The tracker: the tree's directories, in the permission group too. */
static void subtree_new(struct fw_state *st)
{
	LIBFANOTIFY_OPTS(fan_subtree_opts, o, .mask = st->dir_mask, .found = fw_emit_found,
			 .arg = st, .flags = st->o->tree_fs ? LIBFANOTIFY_SUBTREE_FILESYSTEM : 0);
	int r;

	/*
	 * Excluded directories are left unmarked, their subtrees with them
	 * (i15), unless --deny must see opens there too, or one filesystem
	 * mark covers them anyway (fw_prune_note() says which).
	 */
	if (fw_prunes(st->o))
		o.skip = fw_filter_prune;
	r = fan_subtree_new(st->notif, &o, &st->subtree);

	if (r < 0)
		fw_fatal(FW_EXIT_RUNTIME, "cannot track the tree: %s", strerror(-r));
	if (st->perm) {
		r = fan_subtree_add_group(st->subtree, fw_perm_group(st->perm),
					  fw_perm_dir_mask(st->perm));
		if (r < 0)
			fw_fatal(FW_EXIT_RUNTIME, "cannot track the tree: %s", strerror(-r));
	}
}

static void track_root(struct fw_state *st, struct fw_root *r)
{
	int res = fan_subtree_add_root(st->subtree, AT_FDCWD, r->path);

	if (res == -EPERM && st->o->tree_fs)
		fw_fatal(FW_EXIT_RUNTIME, "--tree-marks filesystem needs CAP_SYS_ADMIN");
	if (res < 0)
		root_failed(r->path, res);
	r->index = res;
	/* a PATH renamed itself: said on stderr (handle.c) */
	if (!st->o->tree_fs)
		(void)fan_group_mark(st->notif, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_MOVE_SELF,
				     AT_FDCWD, r->path);
}

static void mark_roots(struct fw_state *st, uint64_t file_mask)
{
	size_t i;

	for (i = 0; i < st->nroots; i++) {
		struct fw_root *r = &st->roots[i];

		if (st->o->events & FAN_FS_ERROR)
			mark_errors(st, r->path);
		if (!file_mask)
			continue;
		if (st->o->scope == FW_SCOPE_MOUNT) {
			mark_wide(st, FAN_MARK_MOUNT, r->path, file_mask);
			/* the kernel refuses dirent events on mount marks: renames from the fs */
			mark_wide(st, FAN_MARK_FILESYSTEM, r->path, internal_mask(st));
		} else if (st->o->scope == FW_SCOPE_FILESYSTEM) {
			mark_wide(st, FAN_MARK_FILESYSTEM, r->path, st->dir_mask);
		} else if (r->is_dir) {
			note_filesystem(st, r->path);
			track_root(st, r);
		} else {
			note_filesystem(st, r->path);
			mark_file(st, r);
		}
	}
}

void fw_watch_setup(struct fw_state *st)
{
	uint64_t file_mask = st->o->events & FW_FILE_EVENTS;

	collect_roots(st);
	if (!file_mask && !(st->o->events & FAN_FS_ERROR))
		return;		/* mount events only */
	group_new(st);
	if (file_mask)
		rename_fallback(st, st->o->scope == FW_SCOPE_TREE && !st->o->tree_fs
					    ? FAN_MARK_INODE : FAN_MARK_FILESYSTEM);
	file_mask = st->o->events & FW_FILE_EVENTS;
	if (st->o->scope == FW_SCOPE_TREE)
		st->dir_mask = file_mask;	/* the tracker adds what it needs */
	else if (st->o->scope == FW_SCOPE_MOUNT)
		st->dir_mask = file_mask;
	else
		st->dir_mask = file_mask | internal_mask(st);
	if (file_mask)
		check_events(st, st->o->scope == FW_SCOPE_TREE && !st->o->tree_fs ? FAN_MARK_INODE
										 : FAN_MARK_FILESYSTEM);
	if (st->o->scope == FW_SCOPE_TREE && file_mask)
		subtree_new(st);
	if (st->o->scope == FW_SCOPE_ALL)
		fw_mark_all_filesystems(st, st->dir_mask | (st->o->events & FAN_FS_ERROR));
	else
		mark_roots(st, file_mask);
}

/* A root's own file handle: a FID record, or a directory's "." record. */
static bool names_root(const struct fw_root *r, const struct fan_info *rec, bool self_only)
{
	struct fan_fid fid;

	if (!rec || !r->has_handle || fan_info_fid(rec, &fid) < 0)
		return false;
	if (self_only && fid.name && strcmp(fid.name, "."))
		return false;
	return r->fsid.val[0] == fid.fsid.val[0] && r->fsid.val[1] == fid.fsid.val[1] &&
	       r->handle_type == fid.handle_type && r->handle_bytes == fid.handle_bytes &&
	       !memcmp(r->handle, fid.handle_data, fid.handle_bytes);
}

const struct fw_root *fw_watch_root_of(const struct fw_state *st, const struct fan_event *ev)
{
	const struct fan_info *fid = fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_FID);
	const struct fan_info *dfn = fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_DFID_NAME);
	size_t i;

	for (i = 0; i < st->nroots; i++)
		if (names_root(&st->roots[i], fid, false) || names_root(&st->roots[i], dfn, true))
			return &st->roots[i];
	return NULL;
}

bool fw_watch_in_scope(const struct fw_state *st, const struct fan_event *ev)
{
	const struct fw_root *r;

	if (st->o->scope != FW_SCOPE_TREE)
		return true;
	if (st->subtree && fan_subtree_in_scope(st->subtree, ev) >= 0)
		return true;
	/* a watched file: its own events */
	r = fw_watch_root_of(st, ev);
	return r && !r->is_dir;
}

size_t fw_watch_dirs(const struct fw_state *st)
{
	struct fan_subtree_stats ts = { .sz = sizeof(ts) };

	if (!st->subtree || fan_subtree_get_stats(st->subtree, &ts) < 0)
		return 0;
	return (size_t)ts.dirs;
}

int fw_watch_timeout(const struct fw_state *st)
{
	return st->subtree ? fan_subtree_timeout(st->subtree) : -1;
}

void fw_watch_tick(struct fw_state *st)
{
	if (fw_watch_timeout(st) == 0)
		(void)fan_subtree_rescan(st->subtree);
}

void fw_watch_free(struct fw_state *st)
{
	size_t i;

	fan_subtree_free(st->subtree);
	st->subtree = NULL;
	for (i = 0; i < st->nroots; i++)
		free(st->roots[i].path);
	free(st->roots);
	st->roots = NULL;
	st->nroots = 0;
}
