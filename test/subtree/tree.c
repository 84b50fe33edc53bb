// SPDX-License-Identifier: MIT
/*
 * The subtree tracker on its own: a tree on a private tmpfs or ext4 image
 * (argv[1]), in inode-mark mode or with a filesystem mark (argv[2]
 * "filesystem").  Each case asserts the exact set of paths reported:
 * - new directories (mkdir -p, then a file at the bottom at once) and
 *   what they held before they were marked (found);
 * - a directory renamed before the tracker reacted, populated after;
 * - moved within (no found), in (found, then watched), out (unmarked,
 *   silent afterwards), rename-exchange of two directories, into a
 *   directory not marked yet (the rename names only the old side);
 * - rm -rf of a tree: every deletion with its full path;
 * - a directory's own deletion named; a symbolic link where a watched
 *   directory was; a watched directory covered by a bind mount;
 * - state that goes with the directories: nodes and marks;
 * - directories the caller leaves out (fan_subtree_opts.skip): not marked,
 *   created or renamed to a left-out name, renamed out of one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "th.h"
#include "sh.h"

#define MASK (FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_CLOSE_WRITE | FAN_DELETE_SELF)
#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE ((const char *const[]){ NULL })

static const char *fs;
static unsigned int tflags;

static void setup(struct sh *s)
{
	sh_init_default(s, fs, MASK, tflags);
	sh_root(s, "w");
	sh_run("mkdir -p '%s'", sh_p(s, "out"));
}

static struct fan_subtree_stats stats(const struct sh *s)
{
	struct fan_subtree_stats st = { .sz = sizeof(st) };

	T_EQ(fan_subtree_get_stats(s->t, &st), 0);
	return st;
}

/* mkdir -p, a file at the bottom at once: every level known, the file an event or found. */
static void new_dirs(void)
{
	struct sh s;

	setup(&s);
	sh_run("cd '%s' && mkdir -p a/b/c/d && echo x > a/b/c/d/f", sh_p(&s, "w"));
	sh_drain(&s);
	sh_expect_set(&s, FAN_CREATE, 0, 0, L("w/a", "w/a/b", "w/a/b/c", "w/a/b/c/d", "w/a/b/c/d/f"));
	T_EQ(s.partial, 0);
	sh_clear(&s);
	/* the bottom is watched now: a creation there is an event */
	sh_run("echo y > '%s'", sh_p(&s, "w/a/b/c/d/g"));
	sh_drain(&s);
	sh_expect_set(&s, FAN_CREATE, LIBFANOTIFY_SUBTREE_FOUND, 0, L("w/a/b/c/d/g"));
	sh_expect_set(&s, FAN_CLOSE_WRITE, 0, 0, L("w/a/b/c/d/g"));
	T_EQ(stats(&s).dirs, 5);
	sh_free(&s);
	printf("ok: mkdir -p and a file at the bottom\n");
}

/* mkdir n; echo > n/a; mv n m; mkdir m/sub; echo > m/sub/b: all before the tracker reacts. */
static void renamed_early(void)
{
	struct sh s;
	int i;

	setup(&s);
	for (i = 0; i < 20; i++)
		sh_run("cd '%s' && mkdir n%d && echo > n%d/a && mv n%d m%d && mkdir m%d/sub && "
		       "echo > m%d/sub/b", sh_p(&s, "w"), i, i, i, i, i, i);
	sh_drain(&s);
	T_EQ(s.partial, 0);
	sh_clear(&s);
	for (i = 0; i < 20; i++)
		sh_run("echo later > '%s/m%d/sub/c'", sh_p(&s, "w"), i);
	sh_drain(&s);
	for (i = 0; i < 20; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "w/m%d/sub/c", i);
		if (!sh_has(&s, FAN_CLOSE_WRITE, rel)) {
			sh_dump(&s);
			th_fail("no close_write of %s: m%d/sub not watched", rel, i);
		}
	}
	sh_free(&s);
	printf("ok: renamed before the tracker reacted, populated after\n");
}

static void moves(void)
{
	struct sh s;
	size_t marks;
	uint64_t found;

	setup(&s);
	sh_run("mkdir -p '%s/a/b' '%s/in/sub' && echo > '%s/in/sub/old'", sh_p(&s, "w"),
	       sh_p(&s, "out"), sh_p(&s, "out"));
	sh_drain(&s);
	sh_clear(&s);
	marks = sh_marks(s.g);
	found = stats(&s).found;
	/* within: nothing found, nothing marked, the new path in use at once */
	sh_run("mv '%s' '%s' && echo > '%s'", sh_p(&s, "w/a"), sh_p(&s, "w/x"), sh_p(&s, "w/x/b/f"));
	sh_drain(&s);
	sh_expect_set(&s, FAN_CREATE, 0, 0, L("w/x/b/f"));
	sh_expect_set(&s, FAN_RENAME, 0, 0, L("w/a"));
	T_EQ(sh_marks(s.g), marks);
	T_EQ(stats(&s).found, found);
	sh_clear(&s);
	/* in: what it holds is found; then it is watched */
	sh_run("mv '%s' '%s'", sh_p(&s, "out/in"), sh_p(&s, "w/in"));
	sh_drain(&s);
	sh_expect_set(&s, 0, LIBFANOTIFY_SUBTREE_FOUND, LIBFANOTIFY_SUBTREE_FOUND,
		      L("w/in/sub", "w/in/sub/old"));
	sh_clear(&s);
	sh_run("echo > '%s'", sh_p(&s, "w/in/sub/new"));
	sh_drain(&s);
	sh_expect_set(&s, FAN_CREATE, 0, 0, L("w/in/sub/new"));
	sh_clear(&s);
	/* out: no marks left, nothing reported afterwards */
	sh_run("mv '%s' '%s'", sh_p(&s, "w/x"), sh_p(&s, "out/x"));
	sh_drain(&s);
	if (s.g && tflags == 0) {
		T_ASSERT(!sh_marked(s.g, sh_p(&s, "out/x")));
		T_ASSERT(!sh_marked(s.g, sh_p(&s, "out/x/b")));
	}
	sh_clear(&s);
	sh_run("echo > '%s' && mkdir '%s'", sh_p(&s, "out/x/b/g"), sh_p(&s, "out/x/new"));
	sh_drain(&s);
	sh_expect_set(&s, 0, 0, 0, NONE);
	T_EQ(stats(&s).dirs, 3);	/* w, in, in/sub, and nothing of x */
	sh_free(&s);
	printf("ok: moved within, in and out\n");
}

/* renameat2(RENAME_EXCHANGE) of two watched directories. */
static void exchange(void)
{
	struct sh s;
	pid_t pid;

	setup(&s);
	sh_run("mkdir -p '%s/x/s' '%s/y/t'", sh_p(&s, "w"), sh_p(&s, "w"));
	sh_drain(&s);
	/* another process: the group hides the test's own events */
	pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0)
		_exit(renameat2(AT_FDCWD, sh_p(&s, "w/x"), AT_FDCWD, sh_p(&s, "w/y"),
				RENAME_EXCHANGE) < 0 ? 77 : 0);
	if (th_wait(pid) == 77)
		th_skip("renameat2(RENAME_EXCHANGE) refused on %s", fs);
	sh_drain(&s);
	sh_expect_set(&s, FAN_RENAME, 0, 0, L("w/x", "w/y"));
	sh_clear(&s);
	sh_run("echo > '%s' && echo > '%s'", sh_p(&s, "w/x/t/f"), sh_p(&s, "w/y/s/g"));
	sh_drain(&s);
	sh_expect_set(&s, FAN_CREATE, 0, 0, L("w/x/t/f", "w/y/s/g"));
	sh_free(&s);
	printf("ok: rename-exchange\n");
}

/*
 * mkdir n; mkdir n/a; mv n/a a; mv n a/n, before the tracker reads: the
 * last rename names only w (a was not marked when it was queued), as if n
 * left the tree; n is found in a, still watched.
 */
static void into_unmarked(void)
{
	struct sh s;
	int i;

	setup(&s);
	for (i = 0; i < 10; i++)
		sh_run("cd '%s' && mkdir n%d && mkdir n%d/a && mv n%d/a a%d && mv n%d a%d/n",
		       sh_p(&s, "w"), i, i, i, i, i, i);
	sh_drain(&s);
	sh_clear(&s);
	for (i = 0; i < 10; i++)
		sh_run("echo > '%s/a%d/n/f'", sh_p(&s, "w"), i);
	sh_drain(&s);
	sh_expect_set(&s, FAN_CREATE, 0, 0,
		      (const char *const[]){ "w/a0/n/f", "w/a1/n/f", "w/a2/n/f", "w/a3/n/f",
					     "w/a4/n/f", "w/a5/n/f", "w/a6/n/f", "w/a7/n/f",
					     "w/a8/n/f", "w/a9/n/f", NULL });
	sh_free(&s);
	printf("ok: moved into a directory not marked yet: still watched\n");
}

/* rm -rf of a tree of 3000 entries: every deletion with its path; nodes freed. */
static void rm_rf(void)
{
	const char *const *want;
	char **v;
	struct sh s;
	int i, j, n = 0;

	setup(&s);
	v = calloc(3100, sizeof(*v));
	T_ASSERT(v);
	for (i = 0; i < 60; i++) {
		T_ASSERT(asprintf(&v[n++], "w/t/d%d", i) > 0);
		for (j = 0; j < 4; j++)
			T_ASSERT(asprintf(&v[n++], "w/t/d%d/s%d", i, j) > 0);
		for (j = 0; j < 45; j++)
			T_ASSERT(asprintf(&v[n++], "w/t/d%d/s%d/f%d", i, j % 4, j) > 0);
	}
	sh_run("cd '%s' && mkdir t && for i in $(seq 0 59); do mkdir t/d$i && "
	       "for j in 0 1 2 3; do mkdir t/d$i/s$j; done && for j in $(seq 0 44); do "
	       ": > t/d$i/s$((j %% 4))/f$j; done; done", sh_p(&s, "w"));
	sh_drain(&s);
	T_EQ(stats(&s).dirs, 2 + 60 * 5);
	sh_clear(&s);
	sh_run("rm -rf '%s'", sh_p(&s, "w/t"));
	sh_drain(&s);
	v[n++] = strdup("w/t");
	want = (const char *const *)v;
	sh_expect_set(&s, FAN_DELETE, 0, 0, want);
	T_EQ(s.partial, 0);
	sh_clear(&s);
	sh_run("echo > '%s'", sh_p(&s, "w/after"));
	sh_drain(&s);	/* frees what the last batch deleted */
	T_EQ(stats(&s).dirs, 1);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	sh_free(&s);
	printf("ok: rm -rf of %d entries: every deletion with its path\n", n);
}

/* A directory's own deletion has its path; then it is forgotten. */
static void delete_self(void)
{
	struct sh s;

	setup(&s);
	sh_run("mkdir '%s'", sh_p(&s, "w/e"));
	sh_drain(&s);
	sh_clear(&s);
	sh_run("rmdir '%s'", sh_p(&s, "w/e"));
	sh_drain(&s);
	sh_expect_set(&s, FAN_DELETE_SELF, 0, 0, L("w/e"));
	sh_expect_set(&s, FAN_DELETE, 0, 0, L("w/e"));
	sh_free(&s);
	printf("ok: a directory's own deletion\n");
}

/* A symbolic link put where a watched directory was: nothing outside is marked or read. */
static void symlink_swap(void)
{
	struct sh s;

	setup(&s);
	sh_run("mkdir -p '%s/v/secrets' '%s/target/etc'", sh_p(&s, "w"), sh_p(&s, "out"));
	sh_drain(&s);
	sh_run("mv '%s' '%s' && ln -s '%s' '%s'", sh_p(&s, "w/v"), sh_p(&s, "out/v"),
	       sh_p(&s, "out/target"), sh_p(&s, "w/v"));
	sh_drain(&s);
	T_ASSERT(!sh_marked(s.g, sh_p(&s, "out/target")));
	T_ASSERT(!sh_marked(s.g, sh_p(&s, "out/target/etc")));
	T_EQ(fan_subtree_rescan(s.t), 0);
	T_ASSERT(!sh_marked(s.g, sh_p(&s, "out/target/etc")));
	sh_clear(&s);
	sh_run("echo > '%s' && echo > '%s'", sh_p(&s, "w/v/etc/x"), sh_p(&s, "out/v/secrets/y"));
	sh_drain(&s);
	sh_expect_set(&s, 0, 0, 0, NONE);
	sh_free(&s);
	printf("ok: a symbolic link where a watched directory was\n");
}

/* A watched directory covered by a bind mount: nothing in the mount is watched. */
static void bind_mount(void)
{
	struct sh s;

	setup(&s);
	sh_run("mkdir -p '%s/sub' '%s/elsewhere/deep'", sh_p(&s, "w"), sh_p(&s, "out"));
	sh_drain(&s);
	sh_run("mount --bind '%s' '%s'", sh_p(&s, "out/elsewhere"), sh_p(&s, "w/sub"));
	T_EQ(fan_subtree_rescan(s.t), 0);
	sh_drain(&s);
	T_ASSERT(!sh_marked(s.g, sh_p(&s, "out/elsewhere/deep")));
	sh_clear(&s);
	sh_run("echo > '%s' && mkdir '%s'", sh_p(&s, "w/sub/deep/x"), sh_p(&s, "w/sub/y"));
	sh_drain(&s);
	sh_expect_set(&s, 0, 0, 0, NONE);
	sh_run("umount '%s'", sh_p(&s, "w/sub"));
	sh_free(&s);
	printf("ok: a watched directory covered by a bind mount\n");
}

/* fan_subtree_opts.skip: directories whose name starts with "skip" are left out. */
static int skip_named(void *arg, const char *path, size_t len)
{
	const char *slash = memrchr(path, '/', len);

	(void)arg;
	T_EQ(strlen(path), len);
	return slash && !strncmp(slash + 1, "skip", 4);
}

/* Marks of the tracker's own group: only in inode-mark mode. */
static void marks(const struct sh *s, bool want, const char *const *rels)
{
	for (; !tflags && *rels; rels++)
		if (sh_marked(s->g, sh_p(s, *rels)) != want)
			th_fail("%s: %s", *rels, want ? "not marked" : "marked");
}

/* Left out: not marked, not read, nor below; created, renamed in, renamed out. */
static void skipped(void)
{
	struct sh s;

	sh_skip = skip_named;
	sh_init_default(&s, fs, MASK, tflags);
	sh_run("mkdir -p '%s/w/skip/a' '%s/w/keep/skipme/b' '%s/w/keep/c'", s.base, s.base, s.base);
	sh_root(&s, "w");
	sh_drain(&s);
	marks(&s, true, L("w", "w/keep", "w/keep/c"));
	marks(&s, false, L("w/skip", "w/skip/a", "w/keep/skipme", "w/keep/skipme/b"));
	T_EQ(stats(&s).dirs, 3);
	T_EQ(stats(&s).skipped, 2);
	/* created: the same rule; nothing below a left-out directory is an event */
	sh_run("mkdir -p '%s' '%s'", sh_p(&s, "w/new/skipx/d"), sh_p(&s, "w/new/e"));
	sh_drain(&s);
	marks(&s, true, L("w/new", "w/new/e"));
	marks(&s, false, L("w/new/skipx", "w/new/skipx/d"));
	sh_clear(&s);
	sh_run("touch '%s' '%s'", sh_p(&s, "w/new/skipx/d/f"), sh_p(&s, "w/skip/a/f"));
	sh_drain(&s);
	T_EQ(sh_count_under(&s, 0, "w/new/skipx"), 0);
	T_EQ(sh_count_under(&s, 0, "w/skip"), 0);
	/* renamed to a left-out name: unmarked with its subtree; out of one: tracked and read */
	sh_run("mkdir '%s'", sh_p(&s, "w/keep/c/sub"));
	sh_run("mv '%s' '%s'", sh_p(&s, "w/keep/c"), sh_p(&s, "w/keep/skip3"));
	sh_run("mv '%s' '%s'", sh_p(&s, "w/skip"), sh_p(&s, "w/open"));
	sh_drain(&s);
	marks(&s, false, L("w/keep/skip3", "w/keep/skip3/sub"));
	marks(&s, true, L("w/open", "w/open/a"));
	sh_expect_set(&s, FAN_CREATE, LIBFANOTIFY_SUBTREE_FOUND, LIBFANOTIFY_SUBTREE_FOUND,
		      L("w/open/a", "w/open/a/f"));
	sh_clear(&s);
	sh_run("touch '%s' '%s'", sh_p(&s, "w/keep/skip3/sub/g"), sh_p(&s, "w/open/a/g"));
	sh_drain(&s);
	sh_expect_set(&s, FAN_CREATE, 0, 0, L("w/open/a/g"));
	/* w, keep, new, new/e, open, open/a */
	T_EQ(stats(&s).dirs, 6);
	/* the same when a rescan (after lost events) sees the renames first */
	sh_run("mv '%s' '%s'", sh_p(&s, "w/new/e"), sh_p(&s, "w/new/skip4"));
	sh_run("mv '%s' '%s'", sh_p(&s, "w/new/skipx"), sh_p(&s, "w/new/ok"));
	T_EQ(fan_subtree_rescan(s.t), 0);
	marks(&s, false, L("w/new/skip4"));
	marks(&s, true, L("w/new/ok", "w/new/ok/d"));
	sh_drain(&s);
	marks(&s, false, L("w/new/skip4"));
	marks(&s, true, L("w/new/ok", "w/new/ok/d"));
	/* w, keep, new, new/ok, new/ok/d, open, open/a */
	T_EQ(stats(&s).dirs, 7);
	sh_free(&s);
	sh_skip = NULL;
	printf("ok: directories left out (fan_subtree_opts.skip)\n");
}

int main(int argc, char **argv)
{
	th_init(120);
	if (!th_kernel_has("5.17"))
		th_skip("the tracker's exact records of renames and of directories renamed before they "
			"were seen: FAN_RENAME and FAN_REPORT_TARGET_FID need Linux 5.17 (running as "
			"Linux %s); without them: subtree-oldkernel, and fanwatch-trees end to end",
			th_kernel());
	fs = argc > 1 ? argv[1] : "tmpfs";
	tflags = argc > 2 && !strcmp(argv[2], "filesystem") ? LIBFANOTIFY_SUBTREE_FILESYSTEM : 0;
	new_dirs();
	renamed_early();
	moves();
	exchange();
	into_unmarked();
	rm_rf();
	delete_self();
	symlink_swap();
	bind_mount();
	skipped();
	return 0;
}
