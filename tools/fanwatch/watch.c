// SPDX-License-Identifier: MIT
/*
 * The reporting group and its marks.
 *
 * One FID group (FAN_REPORT_DFID_NAME | FAN_REPORT_FID): events carry
 * directory handles and names, so the kernel never opens a file for us and
 * a file deleted before the event is read still has its path.
 *
 * Tree scope: an inode mark with FAN_EVENT_ON_CHILD | FAN_ONDIR on every
 * directory of each PATH, found by walking with openat (symbolic links are
 * never followed, mount points below a PATH are not entered: a PATH means
 * the tree on its own filesystem).  The kernel then filters out everything
 * else, so nothing outside the tree costs a path resolution.  Directories
 * created or moved in later are marked from their events (handle.c).
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
#define MAX_DEPTH 2048
#define PUMP_EVERY 1024		/* directories marked between two reads of the queue */
#define PUMP_BATCHES 64
#define REMARK_MIN_GAP_S 1

/* Events a directory mark always asks for: the directory cache and recursion need them. */
#define TREE_INTERNAL                                                          \
	(FAN_CREATE | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_RENAME | FAN_DELETE |   \
	 FAN_DELETE_SELF | FAN_MOVE_SELF | FAN_ONDIR)
/* Mount and filesystem scope: directory renames keep the path cache right. */
#define WIDE_INTERNAL (FAN_RENAME | FAN_ONDIR)
/* The same before Linux 5.17 (no FAN_RENAME): each side of a rename on its own. */
#define WIDE_INTERNAL_OLD (FAN_MOVED_FROM | FAN_MOVED_TO | FAN_ONDIR)
/* What an inode mark on a non-directory can report. */
#define FILE_MARK_EVENTS                                                       \
	(FAN_ACCESS | FAN_MODIFY | FAN_ATTRIB | FAN_OPEN | FAN_OPEN_EXEC |        \
	 FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE | FAN_DELETE_SELF | FAN_MOVE_SELF)

/* A growable path buffer for the walk. */
struct pbuf {
	char *s;
	size_t len, cap;
};

static void pbuf_set_len(struct pbuf *b, size_t len)
{
	b->len = len;
	b->s[len] = '\0';
}

static void pbuf_append(struct pbuf *b, const char *name)
{
	size_t n = strlen(name), need = b->len + n + 2;

	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < need)
			cap *= 2;
		b->s = realloc(b->s, cap);
		if (!b->s)
			fw_fatal(FW_EXIT_RUNTIME, "out of memory");
		b->cap = cap;
	}
	if (!(b->len == 1 && b->s[0] == '/'))
		b->s[b->len++] = '/';
	memcpy(b->s + b->len, name, n + 1);
	b->len += n;
}

struct walk {
	struct fw_state *st;
	dev_t dev;
	bool report;		/* synthetic create events for what is found */
	bool remove;		/* removing marks instead of adding them */
	bool root;		/* a PATH from the command line */
	unsigned int depth;
	struct pbuf path;
};

static unsigned int mark_warnings;

static void mark_failed(const char *path, int err)
{
	if (++mark_warnings <= 5)
		fw_warn("cannot watch %s: %s%s", fw_qpath(path), strerror(-err),
			err == -ENOSPC ? " (too many marks: see /proc/sys/fs/fanotify/max_user_marks)"
				       : "");
	else if (mark_warnings == 6)
		fw_warn("more directories could not be watched; not reporting each one");
}

uint64_t fw_watch_internal_mask(const struct fw_state *st)
{
	if (st->no_rename)
		return st->o->scope == FW_SCOPE_TREE ? TREE_INTERNAL & ~(uint64_t)FAN_RENAME
						     : WIDE_INTERNAL_OLD;
	return st->o->scope == FW_SCOPE_TREE ? TREE_INTERNAL : WIDE_INTERNAL;
}

/* Mark (or unmark) one directory in every group that watches the tree. */
static int mark_dir(struct walk *w, int fd)
{
	struct fw_state *st = w->st;
	unsigned int cmd = w->remove ? FAN_MARK_REMOVE : FAN_MARK_ADD;
	int r = fan_group_mark(st->notif, cmd | FAN_MARK_ONLYDIR, st->dir_mask, fd, NULL);

	if (st->perm && w->remove)
		fw_perm_unmark_fd(st->perm, fd);
	if (r == 0 && st->perm && !w->remove)
		r = fw_perm_mark_fd(st->perm, fd, true);
	if (r == 0 && !w->remove && ++st->ndirs % PUMP_EVERY == 0)
		fw_watch_pump(st);
	/* a PATH itself that cannot be watched is fatal instead (walk_tree) */
	if (r < 0 && !w->remove && !(w->root && w->depth == 0))
		mark_failed(w->path.s, r);
	return r;
}

static void emit_found(struct walk *w, bool dir)
{
	struct fw_record rec = {
		.events = FAN_CREATE,
		.flags = FW_REC_SYNTHETIC | (dir ? FW_REC_DIR : 0),
		.path = { w->path.s, w->path.len },
	};

	/* pid and comm: those of the event that revealed the directory (checked by the caller) */
	if ((w->st->o->events & FAN_CREATE) && fw_filter_paths(w->st, &rec))
		fw_emit(w->st, &rec);
}

static void walk_dir(struct walk *w, int fd);

/* One entry of a directory being walked; w->path is the entry's path. */
static void walk_entry(struct walk *w, int dfd, const struct dirent *de)
{
	unsigned char type = de->d_type;
	struct stat sb;
	int cfd;

	if (type == DT_UNKNOWN && fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		type = S_ISDIR(sb.st_mode) ? DT_DIR : DT_REG;
	if (w->report)
		emit_found(w, type == DT_DIR);
	if (type != DT_DIR)
		return;
	cfd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0)
		return;		/* gone already, or not ours to read */
	if (fstat(cfd, &sb) < 0 || sb.st_dev != w->dev) {
		close(cfd);	/* a mount point: not entered */
		return;
	}
	if (mark_dir(w, cfd) < 0 && !w->remove) {
		close(cfd);
		return;
	}
	walk_dir(w, cfd);
}

/* Walk the directory fd (already marked); takes ownership of fd. */
static void walk_dir(struct walk *w, int fd)
{
	size_t base = w->path.len;
	struct dirent *de;
	DIR *d;

	if (w->depth >= MAX_DEPTH) {
		fw_warn("%s: more than %d levels deep, not descending", fw_qpath(w->path.s),
			MAX_DEPTH);
		close(fd);
		return;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	w->depth++;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		pbuf_append(&w->path, de->d_name);
		walk_entry(w, dirfd(d), de);
		pbuf_set_len(&w->path, base);
	}
	w->depth--;
	closedir(d);
}

/* Mark a directory and everything below it (on its filesystem). */
/* A PATH given on the command line that cannot be watched at all. */
static void root_failed(const char *path, int err)
{
	fw_fatal(FW_EXIT_RUNTIME, "cannot watch %s: %s%s", fw_qpath(path), strerror(-err),
		 err == -EACCES || err == -EPERM ? " (no permission to read it)" : "");
}

static void walk_tree(struct fw_state *st, const char *path, size_t len, bool report,
		      bool remove)
{
	bool is_root = !report && !remove && !st->notif_ready;
	struct walk w = { .st = st, .report = report, .remove = remove, .root = is_root };
	struct stat sb;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), r;

	if (fd < 0 || fstat(fd, &sb) < 0) {
		if (is_root)
			root_failed(path, -errno);
		if (fd >= 0)
			close(fd);
		return;
	}
	w.dev = sb.st_dev;
	w.path.cap = len + 256;
	w.path.s = malloc(w.path.cap);
	if (!w.path.s)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	memcpy(w.path.s, path, len);
	pbuf_set_len(&w.path, len);
	r = mark_dir(&w, fd);
	if (r < 0 && is_root)
		root_failed(path, r);
	if (r < 0 && !remove)
		close(fd);
	else
		walk_dir(&w, fd);
	free(w.path.s);
}

void fw_watch_new_dir(struct fw_state *st, const char *path, size_t len, bool report,
		      bool from_filter_ok)
{
	walk_tree(st, path, len, report && from_filter_ok, false);
}

void fw_watch_gone_dir(struct fw_state *st, const char *path)
{
	walk_tree(st, path, strlen(path), false, true);
}

bool fw_watch_in_scope(const struct fw_state *st, const char *path, size_t len)
{
	size_t i;

	if (st->o->scope != FW_SCOPE_TREE)
		return true;
	if (!path || path[0] != '/')
		return false;
	for (i = 0; i < st->nroots; i++) {
		const struct fw_root *r = &st->roots[i];

		if (len < r->len || memcmp(path, r->path, r->len))
			continue;
		if (len == r->len || (r->is_dir && (path[r->len] == '/' || r->len == 1)))
			return true;
	}
	return false;
}

/* ---- setup ---- */

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
	r = fan_resolver_new(st->notif, NULL, &st->res);
	if (r < 0)
		fw_fatal(FW_EXIT_RUNTIME, "cannot create a resolver: %s", strerror(-r));
	st->procs = fw_procs_new();
}

/*
 * Before Linux 5.17 there is no FAN_RENAME: a rename comes as a MOVED_FROM
 * (old path) and a MOVED_TO (new path), which is what is reported then.  In
 * tree scope a directory moved in is marked on its MOVED_TO; a move within
 * the tree looks the same, so what the directory held is not reported as
 * found (it would be reported on every move inside the tree), and one moved
 * out keeps its marks until one of its events shows it outside.
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
			tree ? "; a directory moved into the tree is watched from then on, but "
			       "what it already held is not reported" : "");
}

/* Name an event this kernel refuses and the release that brought it. */
static void check_events(struct fw_state *st, unsigned int type)
{
	unsigned int init = fan_group_init_flags(st->notif) & ~(FAN_CLOEXEC | FAN_NONBLOCK);
	uint64_t want = (st->o->events | fw_watch_internal_mask(st)) & FW_FILE_EVENTS, bit;
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

const struct fw_root *fw_watch_root_of(const struct fw_state *st, const struct fan_event *ev)
{
	const struct fan_info *rec = fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_FID);
	struct fan_fid fid;
	size_t i;

	if (!rec || fan_info_fid(rec, &fid) < 0)
		return NULL;
	for (i = 0; i < st->nroots; i++) {
		const struct fw_root *r = &st->roots[i];

		if (r->has_handle && r->fsid.val[0] == fid.fsid.val[0] &&
		    r->fsid.val[1] == fid.fsid.val[1] && r->handle_type == fid.handle_type &&
		    r->handle_bytes == fid.handle_bytes &&
		    !memcmp(r->handle, fid.handle_data, fid.handle_bytes))
			return r;
	}
	return NULL;
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

static void mark_roots(struct fw_state *st, uint64_t file_mask)
{
	size_t i;

	for (i = 0; i < st->nroots; i++) {
		const struct fw_root *r = &st->roots[i];

		if (st->o->events & FAN_FS_ERROR)
			mark_errors(st, r->path);
		if (!file_mask)
			continue;
		if (st->o->scope == FW_SCOPE_MOUNT) {
			mark_wide(st, FAN_MARK_MOUNT, r->path, file_mask);
			/* the kernel refuses dirent events on mount marks: renames from the fs */
			mark_wide(st, FAN_MARK_FILESYSTEM, r->path, fw_watch_internal_mask(st));
		} else if (st->o->scope == FW_SCOPE_FILESYSTEM) {
			mark_wide(st, FAN_MARK_FILESYSTEM, r->path, st->dir_mask);
		} else if (r->is_dir) {
			note_filesystem(st, r->path);
			walk_tree(st, r->path, r->len, false, false);
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
		rename_fallback(st, st->o->scope == FW_SCOPE_TREE ? FAN_MARK_INODE
								  : FAN_MARK_FILESYSTEM);
	file_mask = st->o->events & FW_FILE_EVENTS;
	if (st->o->scope == FW_SCOPE_TREE)
		st->dir_mask = file_mask | fw_watch_internal_mask(st) | FAN_EVENT_ON_CHILD;
	else if (st->o->scope == FW_SCOPE_MOUNT)
		st->dir_mask = file_mask;
	else
		st->dir_mask = file_mask | fw_watch_internal_mask(st);
	if (file_mask)
		check_events(st, st->o->scope == FW_SCOPE_TREE ? FAN_MARK_INODE : FAN_MARK_FILESYSTEM);
	if (st->o->scope == FW_SCOPE_ALL)
		fw_mark_all_filesystems(st, st->dir_mask | (st->o->events & FAN_FS_ERROR));
	else
		mark_roots(st, file_mask);
	st->notif_ready = true;
}

/*
 * Opening each directory to list it queues an open event (and more) for
 * fanwatch itself: thousands of directories would overflow the queue.
 * Read it every PUMP_EVERY directories; our own events are hidden by the
 * library, anybody else's are reported as usual.  Never inside a batch:
 * a read would end the batch being walked.
 */
void fw_watch_pump(struct fw_state *st)
{
	int i, r;

	if (!st->notif || st->in_batch)
		return;
	for (i = 0; i < PUMP_BATCHES; i++) {
		r = fan_group_read(st->notif);
		if (r < 0 && r != -EBADMSG && r != -EINTR)
			break;
		fw_handle_batch(st);
		fw_out_flush(&st->out);
	}
}

/*
 * After an overflow: directories created meanwhile went unseen; mark them
 * now.  At most once a second: under an overflow storm the walk itself
 * must not become the load.
 */
void fw_watch_remark(struct fw_state *st)
{
	struct timespec now;
	size_t i, before = st->ndirs;

	st->remark = false;
	if (st->o->scope != FW_SCOPE_TREE || st->in_batch)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - st->last_remark.tv_sec < REMARK_MIN_GAP_S && st->last_remark.tv_sec) {
		st->remark = true;
		return;
	}
	st->last_remark = now;
	for (i = 0; i < st->nroots; i++)
		if (st->roots[i].is_dir)
			walk_tree(st, st->roots[i].path, st->roots[i].len, false, false);
	st->ndirs = before;	/* the same directories, marked again */
}

void fw_watch_free(struct fw_state *st)
{
	size_t i;

	for (i = 0; i < st->nroots; i++)
		free(st->roots[i].path);
	free(st->roots);
	st->roots = NULL;
	st->nroots = 0;
}
