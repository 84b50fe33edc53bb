// SPDX-License-Identifier: MIT
/*
 * Opening, marking and reading directories for the subtree tracker, by
 * identity only: a directory is opened by its handle (open_by_handle_at(),
 * CAP_DAC_READ_SEARCH), or beneath a root's directory without following a
 * symbolic link or crossing a mount (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV) and then checked against the
 * handle it must have.  Marks are added through the descriptor opened
 * ("." of an O_PATH descriptor), never through a path a user could change
 * meanwhile.  Between public calls no descriptor is held: a watched
 * filesystem can be unmounted.
 *
 * Reading a directory raises events of its own (open, access, close) in
 * groups that watch directories: a tree moved in would fill the queue
 * with the tracker's own events.  So a new directory is first marked
 * without those bits, read, its new subdirectories handled the same way,
 * and only then given its full mask ("reduced" then "upgraded"): reading a
 * directory whose parent and itself are marked that way raises nothing.
 * The first directory of a scan has a parent with its full mask: an
 * ignore mark (FAN_MARK_IGNORE, Linux 6.0) on it silences what reading it
 * raises (before 6.0: one open and close per scan reach the group).
 * While a directory is read, opens, reads and closes of files in it are
 * not reported; creations, deletions and moves always are.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "missing.h"
#include "subtree.h"

#define HELD_LEVELS 16	/* levels read recursively (two descriptors each) before queueing */
#define PENDING_MAX 256
#define BENEATH (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV)

static int openat2_(int dfd, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = { .flags = (unsigned long long)(flags | O_CLOEXEC),
				.resolve = resolve };
	long fd = syscall(SYS_openat2, dfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

static void key_fsid(const unsigned char *key, struct fan_fsid *fsid)
{
	memcpy(fsid->val, key, sizeof(fsid->val));
}

size_t lf_st_fd_key(int fd, const struct fan_fsid *fsid, unsigned char *key)
{
	union {
		struct file_handle fh;
		unsigned char space[sizeof(struct file_handle) + 128];
	} u = { .fh.handle_bytes = 128 };
	int mnt, r = lf_sys_name_to_handle_at(fd, "", &u.fh, &mnt, AT_EMPTY_PATH);

	if (r == -EOPNOTSUPP) {
		u.fh.handle_bytes = 128;
		r = lf_sys_name_to_handle_at(fd, "", &u.fh, &mnt, AT_EMPTY_PATH | AT_HANDLE_FID);
	}
	if (r < 0)
		return 0;
	return lf_handle_key(key, fsid, u.fh.handle_type, u.fh.f_handle, u.fh.handle_bytes);
}

/* Is fd the directory with this key? */
static bool fd_is(int fd, const unsigned char *key, size_t klen)
{
	unsigned char now[LF_KEY_MAX];
	struct fan_fsid fsid;

	key_fsid(key, &fsid);
	return lf_st_fd_key(fd, &fsid, now) == klen && !memcmp(now, key, klen);
}

/* ---- descriptors ---- */

/* A descriptor on root i's directory, checked by handle; owned by t until the call ends. */
static int st_root_fd(struct fan_subtree *t, size_t i)
{
	struct st_root *r = &t->roots[i];
	int fd;

	if (r->fd >= 0)
		return r->fd;
	if (!r->node)
		return -ENOENT;
	fd = openat2_(AT_FDCWD, r->path, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
	if (fd >= 0 && !fd_is(fd, r->node->key, r->node->klen)) {
		lf_sys_close(fd);
		fd = -ESTALE;	/* the path leads elsewhere now */
	}
	if (fd >= 0)
		r->fd = fd;
	return fd;
}

void lf_st_call_end(struct fan_subtree *t)
{
	size_t i;

	for (i = 0; i < t->nroots; i++) {
		lf_sys_close(t->roots[i].fd);
		t->roots[i].fd = -1;
	}
	/* a mount root opened outside a batch: nothing stays open between calls */
	if (t->mount_opened && !t->g->batch)
		lf_mounts_release(t->g);
	t->mount_opened = false;
}

/* By handle, against the group's recorded mount (O_PATH: raises no event). */
static int open_by_key(struct fan_subtree *t, const unsigned char *key, size_t klen)
{
	union {
		struct file_handle fh;
		unsigned char space[sizeof(struct file_handle) + LF_KEY_MAX];
	} u;
	struct fan_fsid fsid;
	int32_t type;
	int mfd, fd;

	if (klen <= 12)
		return -EINVAL;
	key_fsid(key, &fsid);
	memcpy(&type, key + 8, sizeof(type));
	u.fh.handle_bytes = (unsigned int)(klen - 12);
	u.fh.handle_type = type;
	memcpy(u.fh.f_handle, key + 12, klen - 12);
	mfd = fan_group_mount_fd(t->g, &fsid);
	if (mfd < 0)
		return mfd;
	t->mount_opened = true;
	fd = lf_sys_open_by_handle_at(mfd, &u.fh, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd == -EPERM)
		t->by_handle = false;	/* no CAP_DAC_READ_SEARCH: by path from now on */
	return fd;
}

/* parent's path (as the tree has it) + name, beneath its root; checked by key if known. */
static int open_by_path(struct fan_subtree *t, struct st_node *parent, const char *name,
			const unsigned char *key, size_t klen)
{
	int rfd = st_root_fd(t, (size_t)lf_st_top(parent)->root), fd;

	/* the root's path leads elsewhere now (moved, replaced): the directory is not known gone */
	if (rfd < 0)
		return rfd == -ESTALE ? -ENOENT : rfd;
	if (lf_st_relpath(parent, &t->rel) < 0 ||
	    (name && (lf_sbuf_append(&t->rel, "/", 1) < 0 ||
		      lf_sbuf_append(&t->rel, name, strlen(name)) < 0)))
		return -ENOMEM;
	fd = openat2_(rfd, t->rel.s, O_PATH | O_DIRECTORY, BENEATH);
	if (fd >= 0 && klen && !fd_is(fd, key, klen)) {
		lf_sys_close(fd);
		fd = -ESTALE;	/* something else is there now */
	}
	return fd;
}

int lf_st_open_child(struct fan_subtree *t, struct st_node *parent, const char *name,
		     const void *key, size_t klen)
{
	int fd;

	if (t->by_handle && klen) {
		fd = open_by_key(t, key, klen);
		if (fd != -EPERM && fd != -ENOENT)
			return fd;	/* opened, or gone (-ESTALE) */
	}
	/*
	 * No handle of its own (before 5.17): by name under its parent, the
	 * parent opened by handle: the path the tree has for the parent may be
	 * a rename behind (still queued), or lead through a link put there.
	 */
	if (t->by_handle && !klen && name && parent) {
		int pfd = open_by_key(t, parent->key, parent->klen);

		if (pfd >= 0) {
			fd = openat2_(pfd, name, O_PATH | O_DIRECTORY, BENEATH);
			lf_sys_close(pfd);
			return fd;
		}
		if (pfd != -EPERM && pfd != -ENOENT)
			return pfd;
	}
	return open_by_path(t, parent, name, key, klen);
}

/* Open node n (O_PATH) by its identity: by handle, else by path and checked; -errno. */
static int st_open_node(struct fan_subtree *t, struct st_node *n)
{
	int fd = -EPERM, rfd;

	if (t->by_handle)
		fd = open_by_key(t, n->key, n->klen);
	if (fd >= 0 || (fd != -EPERM && fd != -ENOENT))
		return fd;
	if (n->parent)
		return open_by_path(t, n->parent, n->name, n->key, n->klen);
	rfd = st_root_fd(t, (size_t)n->root);
	return rfd < 0 ? rfd : openat2_(rfd, ".", O_PATH | O_DIRECTORY, BENEATH);
}

/* ---- reports and counts ---- */

/* Count a failed mark or open. */
static void st_count_error(struct fan_subtree *t, int err)
{
	if (err == -ENOSPC)
		t->stats.enospc++;
	else if (err == -EMFILE || err == -ENFILE)
		t->stats.emfile++;
	else if (err == -EACCES || err == -EPERM)
		t->stats.eacces++;
}

/* Tell the caller about an entry (LIBFANOTIFY_SUBTREE_* flags, error). */
static void st_report(struct fan_subtree *t, const struct st_node *dir, const char *name,
		      unsigned int flags, int error)
{
	struct fan_subtree_entry e = { .flags = flags, .error = error, .trigger = t->trigger };

	if (flags & LIBFANOTIFY_SUBTREE_FOUND)
		t->stats.found++;
	if (!t->found || lf_st_path(t, dir, &t->path) < 0)
		return;
	if (name && (lf_sbuf_append(&t->path, "/", t->path.len > 1) < 0 ||
		     lf_sbuf_append(&t->path, name, strlen(name)) < 0))
		return;
	e.path = t->path.s;
	e.len = t->path.len;
	e.root = lf_st_top((struct st_node *)dir)->root;
	t->found(t->arg, &e);
}

/* A directory the tracker could not mark: say which and why. */
static void unwatched(struct fan_subtree *t, const struct st_node *n, int err)
{
	t->stats.mark_errors++;
	st_count_error(t, err);
	st_report(t, n, NULL, LIBFANOTIFY_SUBTREE_DIR | LIBFANOTIFY_SUBTREE_UNWATCHED, err);
}

/* ---- marks ---- */

static int mark_dir(const struct st_group *gi, unsigned int cmd, uint64_t mask, int fd)
{
	return lf_sys_fanotify_mark(fan_group_fd(gi->g), cmd | FAN_MARK_ONLYDIR, mask, fd, ".");
}

/*
 * Mark n (fd) in every group that marks directories; reduced: without what
 * reading it would raise.  The main group's error, if any (the others'
 * are reported here).
 */
static int mark_all(struct fan_subtree *t, struct st_node *n, int fd, bool reduced)
{
	int r, main_err = 0;
	size_t i;

	for (i = 0; i < t->ngroups; i++) {
		const struct st_group *gi = &t->groups[i];

		if (!gi->per_dir)
			continue;
		r = mark_dir(gi, FAN_MARK_ADD, reduced ? gi->reduced : gi->mask, fd);
		if (r < 0 && i == 0)
			return r;
		if (r < 0 && !main_err) {
			main_err = r;
			unwatched(t, n, r);
		}
	}
	if (reduced)
		n->flags |= N_REDUCED;
	return 0;
}

/* The full masks, once n and what lies below it were read. */
static void upgrade(struct fan_subtree *t, struct st_node *n, int fd)
{
	size_t i;

	if (!(n->flags & N_REDUCED))
		return;
	n->flags &= ~N_REDUCED;
	for (i = 0; i < t->ngroups; i++) {
		const struct st_group *gi = &t->groups[i];

		if (gi->per_dir && gi->reduced != gi->mask)
			(void)mark_dir(gi, FAN_MARK_ADD, gi->mask, fd);
	}
}

/*
 * Would reading n raise events in group gi?  Unless n and its parent are
 * both marked without those bits (inside a scan), or the group only has
 * a filesystem mark (every directory raises them there).
 */
static bool loud(const struct st_group *gi, const struct st_node *n)
{
	bool quiet = (n->flags & N_REDUCED) && (!n->parent || (n->parent->flags & N_REDUCED));

	return gi->ignore && (!gi->per_dir || !quiet);
}

static void silence(struct fan_subtree *t, const struct st_node *n, int fd, bool on)
{
	unsigned int cmd = (on ? FAN_MARK_ADD : FAN_MARK_REMOVE) | FAN_MARK_IGNORE_SURV;
	size_t i;
	int r;

	for (i = 0; i < t->ngroups; i++) {
		struct st_group *gi = &t->groups[i];

		if (!loud(gi, n))
			continue;
		r = lf_sys_fanotify_mark(fan_group_fd(gi->g), cmd, gi->ignore, fd, ".");
		if (on && r == -EINVAL)
			gi->ignore = 0;	/* before Linux 6.0: its own events reach the group */
	}
}

static void unmark_fd(struct fan_subtree *t, int fd)
{
	size_t i;

	for (i = 0; i < t->ngroups; i++)
		if (t->groups[i].per_dir)
			(void)mark_dir(&t->groups[i], FAN_MARK_REMOVE, t->groups[i].mask, fd);
}

/* ---- reading ---- */

static void read_dir(struct fan_subtree *t, struct st_node *n, int fd);

static void queue_push(struct fan_subtree *t, struct st_node *n)
{
	struct st_node **q;

	if (t->qlen == t->qcap) {
		q = realloc(t->queue, (t->qcap ? t->qcap * 2 : 64) * sizeof(*q));
		if (!q) {
			t->stats.unreachable++;	/* marked, its entries never read */
			return;
		}
		t->queue = q;
		t->qcap = t->qcap ? t->qcap * 2 : 64;
	}
	n->flags |= N_UNSCANNED;
	t->queue[t->qlen++] = n;
}

/* Does the caller leave out parent/name (fan_subtree_opts.skip)?  Counted when it does. */
static bool st_skipped(struct fan_subtree *t, const struct st_node *parent, const char *name,
		       size_t len)
{
	if (!t->skip || lf_st_path(t, parent, &t->path) < 0 ||
	    lf_sbuf_append(&t->path, "/", t->path.len > 1) < 0 ||
	    lf_sbuf_append(&t->path, name, len) < 0)
		return false;
	if (!t->skip(t->arg, t->path.s, t->path.len))
		return false;
	t->stats.skipped++;
	return true;
}

bool lf_st_left_out(struct fan_subtree *t, struct st_node *n)
{
	if (!t->skip || !n->parent || !st_skipped(t, n->parent, n->name, n->namelen))
		return false;
	lf_st_unmark_drop(t, n);
	return true;
}

/* A new directory under parent: a node, marked without what reading it raises. */
static struct st_node *track(struct fan_subtree *t, struct st_node *parent, const char *name,
			     size_t len, const unsigned char *key, size_t klen, int fd)
{
	struct st_node *c;
	int r;

	if (st_skipped(t, parent, name, len))
		return NULL;	/* left out by the caller: not marked, not read */
	c = lf_st_add(t, parent, key, klen, name, len);
	if (!c) {
		t->stats.mark_errors++;
		st_report(t, parent, name, LIBFANOTIFY_SUBTREE_DIR | LIBFANOTIFY_SUBTREE_UNWATCHED,
			     -ENOMEM);
		return NULL;
	}
	c->flags |= N_FRESH;
	r = mark_all(t, c, fd, true);
	if (r < 0) {
		unwatched(t, c, r);
		lf_st_drop(t, c);
		return NULL;
	}
	t->stats.marked++;
	return c;
}

static void mark_seen(struct fan_subtree *t, struct st_node *top)
{
	struct st_node *n;

	for (n = top; n; n = lf_st_walk_next(top, n))
		n->gen = t->gen;
}

/*
 * After lost events, what a read shows wins: a tracked directory found
 * elsewhere moves.  False if it moved to a place the caller leaves out.
 */
static bool seen_again(struct fan_subtree *t, struct st_node *c, struct st_node *n,
		       const char *name, size_t len)
{
	c->gen = t->gen;
	c->flags &= ~N_UNLINKED;
	if (c->parent != n || c->namelen != len || memcmp(c->name, name, len)) {
		(void)lf_st_move(t, &c, n, name, len);
		if (t->skip && st_skipped(t, n, name, len)) {
			mark_seen(t, c);	/* not the sweep's: unmarked here, once */
			lf_st_unmark_drop(t, c);
			return false;
		}
	}
	return true;
}

/* One entry of n (being read through dfd). */
static void entry(struct fan_subtree *t, struct st_node *n, int dfd, const struct dirent *de)
{
	unsigned int found = t->reporting ? LIBFANOTIFY_SUBTREE_FOUND : 0;
	bool fresh = n->flags & N_FRESH;
	const char *name = de->d_name;
	unsigned char key[LF_KEY_MAX];
	struct fan_fsid fsid;
	struct st_node *c;
	size_t klen;
	int cfd;

	/* d_type is a hint (DT_UNKNOWN on some filesystems); the open decides */
	cfd = de->d_type == DT_DIR || de->d_type == DT_UNKNOWN
		      ? openat2_(dfd, name, O_PATH | O_DIRECTORY, BENEATH) : -ENOTDIR;
	if (cfd < 0) {
		/* a file (ENOTDIR), a symbolic link (ELOOP), a mount point (EXDEV: not entered) */
		if (fresh && found && cfd != -ENOENT)
			st_report(t, n, name, found | (cfd == -EXDEV ? LIBFANOTIFY_SUBTREE_DIR : 0), 0);
		return;
	}
	key_fsid(n->key, &fsid);
	klen = lf_st_fd_key(cfd, &fsid, key);
	c = lf_st_find(t, key, klen);
	if (c && t->rescanning && c->gen != t->gen) {
		if (seen_again(t, c, n, name, strlen(name)))
			read_dir(t, c, cfd);
	} else if (!c && klen) {
		if (found)
			st_report(t, n, name, found | LIBFANOTIFY_SUBTREE_DIR, 0);
		c = track(t, n, name, strlen(name), key, klen, cfd);
		if (c)
			read_dir(t, c, cfd);
	}
	/* else: tracked already; its own events put it where it belongs */
	lf_sys_close(cfd);
}

/* Read n's entries (fd: n, O_PATH), recursing; then give n its full masks. */
static void read_dir(struct fan_subtree *t, struct st_node *n, int fd)
{
	struct dirent *de;
	DIR *d = NULL;
	int rfd;

	if (t->depth >= HELD_LEVELS) {
		queue_push(t, n);	/* read later, with fewer descriptors held */
		return;
	}
	silence(t, n, fd, true);
	rfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd >= 0 && !(d = fdopendir(rfd)))
		lf_sys_close(rfd);
	if (!d) {
		t->stats.unreachable++;
		if (t->rescanning)
			mark_seen(t, n);	/* not read: not known to be gone either */
	} else {
		t->stats.scanned++;
		t->depth++;
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				entry(t, n, dirfd(d), de);
		t->depth--;
		closedir(d);
	}
	silence(t, n, fd, false);
	upgrade(t, n, fd);
	n->flags &= ~(N_FRESH | N_UNSCANNED);
}

void lf_st_read(struct fan_subtree *t, struct st_node *n, int fd)
{
	read_dir(t, n, fd);
	lf_st_drain_queue(t);
}

void lf_st_drain_queue(struct fan_subtree *t)
{
	struct st_node *n;
	int fd;

	while (t->qlen) {
		n = t->queue[--t->qlen];
		if (!n)
			continue;	/* dropped meanwhile */
		fd = st_open_node(t, n);
		if (fd < 0) {
			t->stats.unreachable++;
			n->flags &= ~(N_FRESH | N_UNSCANNED);
			continue;
		}
		read_dir(t, n, fd);
		lf_sys_close(fd);
	}
}

/* The tracked directory holding the directory fd right now, or NULL.  One name_to_handle_at(). */
static struct st_node *parent_now(struct fan_subtree *t, int fd, const unsigned char *key)
{
	union {
		struct file_handle fh;
		unsigned char space[sizeof(struct file_handle) + 128];
	} u = { .fh.handle_bytes = 128 };
	unsigned char pkey[LF_KEY_MAX];
	struct fan_fsid fsid;
	int mnt;

	if (lf_sys_name_to_handle_at(fd, "..", &u.fh, &mnt, 0) < 0)
		return NULL;
	key_fsid(key, &fsid);
	return lf_st_find(t, pkey, lf_handle_key(pkey, &fsid, u.fh.handle_type, u.fh.f_handle,
						     u.fh.handle_bytes));
}

/* Is a below b (or b itself)? */
static bool within(const struct st_node *a, const struct st_node *b)
{
	for (; a; a = a->parent)
		if (a == b)
			return true;
	return false;
}

struct st_node *lf_st_still_in(struct fan_subtree *t, struct st_node *c)
{
	struct st_node *p = NULL;
	char buf[4096], *slash;
	ssize_t n;
	int fd;

	if (!t->by_handle || (fd = open_by_key(t, c->key, c->klen)) < 0)
		return NULL;
	p = parent_now(t, fd, c->key);
	n = p && !within(p, c) ? lf_sys_readlink_fd(fd, buf, sizeof(buf) - 1) : -1;
	lf_sys_close(fd);
	if (n <= 0 || buf[0] != '/')
		return NULL;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash[1] || lf_st_move(t, &c, p, slash + 1, strlen(slash + 1)) < 0)
		return NULL;
	return p;
}

struct st_node *lf_st_adopt(struct fan_subtree *t, struct st_node *parent, const char *name,
			    size_t len, int fd, const void *known, size_t klen, bool check_parent)
{
	unsigned char key[LF_KEY_MAX];
	struct fan_fsid fsid;
	struct st_node *c;

	if (klen) {
		memcpy(key, known, klen);	/* opened by this key, or checked against it */
	} else {
		key_fsid(parent->key, &fsid);
		klen = lf_st_fd_key(fd, &fsid, key);
	}
	if (!klen)
		return NULL;
	c = lf_st_find(t, key, klen);
	if (c)
		return c;
	/* elsewhere now: the rename that took it there is still to come */
	if (check_parent && !parent_now(t, fd, key))
		return NULL;
	c = track(t, parent, name, len, key, klen, fd);
	if (c)
		read_dir(t, c, fd);
	return c;
}

/* ---- directories leaving the tree ---- */

void lf_st_unmark_drop(struct fan_subtree *t, struct st_node *top)
{
	struct st_node *n;
	int fd;

	for (n = top; n; n = lf_st_walk_next(top, n)) {
		/* by handle only: its path in the tree leads elsewhere now */
		fd = t->by_handle ? open_by_key(t, n->key, n->klen) : -EPERM;
		if (fd >= 0) {
			unmark_fd(t, fd);
			lf_sys_close(fd);
			t->stats.unmarked++;
		} else if (fd != -ESTALE) {
			t->stats.dropped++;	/* still marked, out of reach: its events are out of scope */
		}
	}
	lf_st_doom(t, top);
}

/* A root removed: its tree is still where it was, by path too. */
void lf_st_unmark_tree(struct fan_subtree *t, struct st_node *top)
{
	struct st_node *n;
	int fd;

	for (n = top; n; n = lf_st_walk_next(top, n)) {
		fd = st_open_node(t, n);
		if (fd >= 0) {
			unmark_fd(t, fd);
			lf_sys_close(fd);
			t->stats.unmarked++;
		} else if (fd != -ESTALE) {
			t->stats.dropped++;
		}
	}
}

/* ---- rescans ---- */

/* Nodes not seen by the last walk left the tree while events were lost. */
static void sweep(struct fan_subtree *t, struct st_node *top)
{
	struct st_node *n = top, *next;

	while (n) {
		if (n->gen == t->gen) {
			n = lf_st_walk_next(top, n);
			continue;
		}
		/* skip its subtree: everything below was not seen either */
		for (next = n; next != top && !next->next; next = next->parent)
			;
		next = next == top ? NULL : next->next;
		lf_st_unmark_drop(t, n);
		n = next;
	}
}

int lf_st_rescan(struct fan_subtree *t)
{
	struct st_node *top;
	size_t i;
	int fd;

	t->gen++;
	t->rescanning = true;
	t->stats.rescans++;
	for (i = 0; i < t->nroots; i++) {
		top = t->roots[i].node;
		if (!top || top->parent)
			continue;	/* removed, or inside another root's tree */
		top->gen = t->gen;
		fd = st_open_node(t, top);
		if (fd < 0) {
			mark_seen(t, top);
			continue;
		}
		(void)mark_all(t, top, fd, false);
		read_dir(t, top, fd);
		lf_sys_close(fd);
	}
	lf_st_drain_queue(t);
	for (i = 0; i < t->nroots; i++)
		if (t->roots[i].node && !t->roots[i].node->parent)
			sweep(t, t->roots[i].node);
	t->rescanning = false;
	lf_st_pending_free(t);	/* what they waited for was read now */
	return 0;
}

/* ---- creations not found by path yet ---- */

static void pending_del(struct fan_subtree *t, size_t i)
{
	free(t->pending[i].name);
	t->pending[i] = t->pending[--t->npending];
}

void lf_st_pending_add(struct fan_subtree *t, const void *key, size_t klen,
		       const struct st_node *parent, const char *name)
{
	struct st_pending *p;

	if (!klen)
		return;		/* nothing to check a later find against */
	if (t->npending == PENDING_MAX) {
		t->stats.unreachable++;
		pending_del(t, 0);
	}
	if (!t->pending && !(t->pending = calloc(PENDING_MAX, sizeof(*t->pending))))
		return;
	p = &t->pending[t->npending];
	p->name = strdup(name);
	if (!p->name)
		return;
	memcpy(p->key, key, klen);
	p->klen = (uint8_t)klen;
	memcpy(p->pkey, parent->key, parent->klen);
	p->pklen = parent->klen;
	t->npending++;
}

/* A directory was renamed: the paths of those still missing may lead to them now. */
void lf_st_retry_pending(struct fan_subtree *t)
{
	struct st_pending *p;
	struct st_node *parent;
	size_t i = 0;
	int fd;

	while (i < t->npending) {
		p = &t->pending[i];
		parent = lf_st_find(t, p->pkey, p->pklen);
		if (lf_st_find(t, p->key, p->klen) || !parent) {
			pending_del(t, i);	/* found meanwhile, or its parent went */
			continue;
		}
		fd = open_by_path(t, parent, p->name, p->key, p->klen);
		if (fd < 0) {
			i++;
			continue;
		}
		(void)lf_st_adopt(t, parent, p->name, strlen(p->name), fd, p->key, p->klen, false);
		lf_sys_close(fd);
		pending_del(t, i);
	}
}

void lf_st_pending_free(struct fan_subtree *t)
{
	while (t->npending)
		pending_del(t, t->npending - 1);
}
