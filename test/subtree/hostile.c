// SPDX-License-Identifier: MIT
/*
 * A hostile unprivileged user against the tracker (root): uid 1000 owns
 * one directory in the tree (w/u) and one outside it (o) on the same
 * filesystem (argv[1]: tmpfs or ext4); the tracker opens directories by
 * handle, or (argv[2] "path") without CAP_DAC_READ_SEARCH, by path beneath
 * the root.  Every attack runs whole before the tracker reads a thing.
 *
 * - A directory moved out, its new parent renamed away, symbolic links
 *   put where its paths led, pointing into the tree at w/v/secrets: the
 *   marks of w/v/secrets stay and it is still reported.
 * - mkdir x/etc; mv x xmoved; ln -s OUTSIDE x, six times: nothing outside
 *   the tree is marked or reported; x's etc is watched where it is.
 * - A directory created and at once replaced by a symbolic link to a
 *   directory outside: nothing outside marked.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>

#include "th.h"
#include "sh.h"

#define MASK (FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_CLOSE_WRITE | FAN_OPEN)
#define EVIL 1000u

static const char *fs;
static bool path_mode;

static void setup(struct sh *s)
{
	sh_init_default(s, fs, MASK, 0);
	sh_run("cd '%s' && mkdir -p w/u w/v/secrets outside/etc o && chown %u:%u w/u o && "
	       "chmod 755 . w && echo key > w/v/secrets/id.key", s->base, EVIL, EVIL);
	if (path_mode)
		sh_drop_cap(CAP_DAC_READ_SEARCH);
	sh_root(s, "w");
	sh_drain(s);
	sh_clear(s);
}

static void no_outside(struct sh *s)
{
	T_ASSERT(!sh_marked(s->g, sh_p(s, "outside")));
	T_ASSERT(!sh_marked(s->g, sh_p(s, "outside/etc")));
	if (sh_count_under(s, 0, "outside")) {
		sh_dump(s);
		th_fail("a record names a path outside the tree");
	}
}

/* The stale-path unmark: a moved-out directory's old and new paths redirected into the tree. */
static void stale_unmark(void)
{
	struct sh s;

	setup(&s);
	sh_run_as(EVIL, "mkdir '%s'", sh_p(&s, "w/u/own"));
	sh_drain(&s);
	T_ASSERT(sh_marked(s.g, sh_p(&s, "w/u/own")));
	sh_run_as(EVIL, "cd '%s' && mkdir o/p && mv w/u/own o/p/own && mv o/p o/p2 && mkdir o/p && "
		  "ln -s '%s' o/p/own && ln -s '%s' w/u/own", s.base, sh_p(&s, "w/v/secrets"),
		  sh_p(&s, "w/v/secrets"));
	sh_drain(&s);
	T_ASSERT(sh_marked(s.g, sh_p(&s, "w/v/secrets")));
	T_ASSERT(sh_marked(s.g, sh_p(&s, "w/v")));
	if (!path_mode)
		T_ASSERT(!sh_marked(s.g, sh_p(&s, "o/p2/own")));	/* unmarked by handle */
	sh_clear(&s);
	sh_run("cat '%s' >/dev/null", sh_p(&s, "w/v/secrets/id.key"));
	sh_drain(&s);
	sh_expect_set(&s, FAN_OPEN, 0, 0,
		      (const char *const[]){ "w/v/secrets/id.key", NULL });
	sh_free(&s);
	printf("ok: stale paths redirected by a symbolic link: w/v/secrets still watched\n");
}

/* mkdir x/etc; mv x xmoved; ln -s OUTSIDE x, raced six times. */
static void symlink_race(void)
{
	struct sh s;
	int i;

	setup(&s);
	for (i = 0; i < 6; i++)
		sh_run_as(EVIL, "mkdir '%s/x%d'", sh_p(&s, "w/u"), i);
	sh_drain(&s);
	for (i = 0; i < 6; i++)
		sh_run_as(EVIL, "cd '%s' && mkdir x%d/etc && mv x%d xmoved%d && ln -s '%s' x%d",
			  sh_p(&s, "w/u"), i, i, i, sh_p(&s, "outside"), i);
	sh_drain(&s);
	no_outside(&s);
	for (i = 0; i < 6; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "w/u/xmoved%d/etc", i);
		T_ASSERT(sh_marked(s.g, sh_p(&s, rel)));
	}
	sh_clear(&s);
	sh_run("echo > '%s/xmoved3/etc/later' && echo > '%s/etc/root-only'", sh_p(&s, "w/u"),
	       sh_p(&s, "outside"));
	sh_drain(&s);
	sh_expect_set(&s, FAN_CREATE, 0, 0, (const char *const[]){ "w/u/xmoved3/etc/later", NULL });
	no_outside(&s);
	sh_free(&s);
	printf("ok: mkdir x/etc; mv x xmoved; ln -s outside x (x6): nothing outside marked\n");
}

/* Created, then at once replaced by a symbolic link to a directory outside. */
static void replaced_by_link(void)
{
	struct sh s;
	int i;

	setup(&s);
	for (i = 0; i < 6; i++)
		sh_run_as(EVIL, "cd '%s' && mkdir d%d && mv d%d gone%d && ln -s '%s' d%d",
			  sh_p(&s, "w/u"), i, i, i, sh_p(&s, "outside"), i);
	sh_drain(&s);
	no_outside(&s);
	T_EQ(fan_subtree_rescan(s.t), 0);
	sh_drain(&s);
	no_outside(&s);
	sh_free(&s);
	printf("ok: a new directory replaced by a symbolic link: nothing outside marked\n");
}

int main(int argc, char **argv)
{
	th_init(120);
	fs = argc > 1 ? argv[1] : "tmpfs";
	path_mode = argc > 2 && !strcmp(argv[2], "path");
	stale_unmark();
	symlink_race();
	replaced_by_link();
	return 0;
}
