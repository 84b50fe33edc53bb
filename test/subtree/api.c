// SPDX-License-Identifier: MIT
/*
 * The subtree API's contract: bad arguments are -EINVAL and change
 * nothing, a group without directory names is refused, one tracker per
 * group, roots (the same twice, one inside another, removed), stats of an
 * older caller, options of a newer one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "th.h"
#include "sh.h"

#define MASK (FAN_CREATE | FAN_CLOSE_WRITE)

static void refusals(void)
{
	struct fan_subtree_opts big[2];
	struct fan_subtree *t = NULL, *t2;
	struct fan_group *g, *plain;
	struct sh s;

	sh_init_default(&s, "tmpfs", MASK, 0);
	g = s.g;
	T_EQ(fan_subtree_new(NULL, NULL, &t2), -EINVAL);
	T_EQ(fan_subtree_new(g, NULL, NULL), -EINVAL);
	T_EQ(fan_subtree_new(g, NULL, &t2), -EBUSY);	/* sh made one */
	T_EQ(fan_group_new(FAN_CLASS_NOTIF | FAN_REPORT_FID | FAN_CLOEXEC, O_RDONLY, &plain), 0);
	T_EQ(fan_subtree_new(plain, NULL, &t2), -EINVAL);	/* no directory names */
	memset(big, 0, sizeof(big));
	big[0].sz = sizeof(big);
	T_EQ(fan_subtree_new(plain, &big[0], &t2), -EINVAL);
	fan_group_free(plain);
	T_EQ(fan_subtree_add_group(NULL, g, MASK), -EINVAL);
	T_EQ(fan_subtree_add_group(s.t, NULL, MASK), -EINVAL);
	T_EQ(fan_subtree_add_group(s.t, g, 0), -EINVAL);
	T_EQ(fan_subtree_add_group(s.t, g, MASK), -EEXIST);
	T_EQ(fan_subtree_add_root(NULL, AT_FDCWD, "/"), -EINVAL);
	T_EQ(fan_subtree_add_root(s.t, AT_FDCWD, NULL), -EINVAL);
	T_EQ(fan_subtree_add_root(s.t, AT_FDCWD, sh_p(&s, "missing")), -ENOENT);
	sh_run("echo > '%s'", sh_p(&s, "file"));
	T_EQ(fan_subtree_add_root(s.t, AT_FDCWD, sh_p(&s, "file")), -ENOTDIR);
	T_EQ(fan_subtree_remove_root(s.t, 0), -EINVAL);
	T_EQ(fan_subtree_remove_root(NULL, 0), -EINVAL);
	T_EQ(fan_subtree_handle(NULL, NULL), -EINVAL);
	T_EQ(fan_subtree_handle(s.t, NULL), -EINVAL);
	T_EQ(fan_subtree_in_scope(NULL, NULL), -1);
	T_EQ(fan_subtree_in_scope(s.t, NULL), -1);
	T_EQ(fan_subtree_rescan(NULL), -EINVAL);
	T_EQ(fan_subtree_timeout(NULL), -1);
	T_EQ(fan_subtree_timeout(s.t), -1);
	T_EQ(fan_subtree_get_stats(s.t, NULL), -EINVAL);
	T_EQ(fan_subtree_get_stats(NULL, &(struct fan_subtree_stats){ .sz = 64 }), -EINVAL);
	fan_subtree_free(NULL);
	/* free, then another tracker on the same group */
	fan_subtree_free(s.t);
	s.t = NULL;
	T_EQ(fan_subtree_new(g, NULL, &t), 0);
	fan_subtree_free(t);
	sh_free(&s);
	printf("ok: refusals\n");
}

static void roots(void)
{
	struct fan_subtree_stats st;
	size_t old_sz[2];
	struct sh s;
	int a, b;

	sh_init_default(&s, "tmpfs", MASK, 0);
	sh_run("mkdir -p '%s/in/deep'", sh_p(&s, "w"));
	a = sh_root(&s, "w");
	T_EQ(a, 0);
	T_EQ(sh_root(&s, "w"), a);	/* the same root twice */
	b = sh_root(&s, "w/in");	/* inside a: a root of its own, same tree */
	T_EQ(b, 1);
	T_EQ(sh_marks(s.g), 3);
	sh_run("echo > '%s'", sh_p(&s, "w/in/deep/f"));
	sh_drain(&s);
	/* create and close_write merge where both carry the file's handle (5.17) */
	T_EQ(s.n, th_kernel_has("5.17") ? 1 : 2);
	T_EQ(s.v[0].root, a);	/* the outermost root */
	T_EQ(s.v[s.n - 1].root, a);
	/* an older caller's stats: only what it knows is written */
	memset(old_sz, 0xff, sizeof(old_sz));
	old_sz[0] = sizeof(size_t) + sizeof(uint64_t);
	T_EQ(fan_subtree_get_stats(s.t, (struct fan_subtree_stats *)old_sz), 0);
	T_EQ(old_sz[1], 3);	/* dirs */
	/* removing the outer root: the inner one stays, by itself */
	T_EQ(fan_subtree_remove_root(s.t, a), 0);
	T_EQ(fan_subtree_remove_root(s.t, a), -EINVAL);
	T_EQ(sh_marks(s.g), 2);
	T_ASSERT(sh_marked(s.g, sh_p(&s, "w/in")));
	T_ASSERT(!sh_marked(s.g, sh_p(&s, "w")));
	sh_clear(&s);
	sh_run("echo > '%s' && echo > '%s'", sh_p(&s, "w/in/deep/g"), sh_p(&s, "w/h"));
	sh_drain(&s);
	sh_expect_set(&s, FAN_CREATE, 0, 0, (const char *const[]){ "w/in/deep/g", NULL });
	T_EQ(s.v[0].root, b);
	T_EQ(fan_subtree_remove_root(s.t, b), 0);
	T_EQ(sh_marks(s.g), 0);
	st = (struct fan_subtree_stats){ .sz = sizeof(st) };
	T_EQ(fan_subtree_get_stats(s.t, &st), 0);
	T_EQ(st.dirs, 0);
	T_EQ(st.unmarked, 3);
	sh_free(&s);
	printf("ok: roots: twice, nested, removed\n");
}

int main(void)
{
	th_init(60);
	refusals();
	roots();
	return 0;
}
