// SPDX-License-Identifier: MIT
/*
 * The tracker on a kernel without FAN_REPORT_TARGET_FID and FAN_RENAME
 * (before 5.17; run by meson as Linux 5.16 under test/kernel's kpersona,
 * which refuses both as that release did): children are found by name under
 * their parent; a move is a move out (FAN_MOVED_FROM), unless the
 * directory is still in a tracked directory then (it moves there), and a
 * move in (FAN_MOVED_TO), whose entries are then reported as found.  What
 * must hold still: every directory watched, deletions named, nothing left
 * marked outside.  Then: a directory made in a parent renamed before its
 * creation is read (found by name under the parent opened by handle, not
 * by the parent's old path), and a RENAME_EXCHANGE (two moves the kernel
 * merges by name: each side's later paths right).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "th.h"
#include "sh.h"

#define MASK (FAN_CREATE | FAN_DELETE | FAN_CLOSE_WRITE)
#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

int main(void)
{
	struct fan_subtree_stats st = { .sz = sizeof(st) };
	struct sh s;

	th_init(60);
	if (th_kernel_has("5.17"))
		th_skip("run by meson as Linux 5.16 (kpersona): FAN_RENAME must be refused");
	sh_init(&s, "tmpfs", FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_FID,
		LIBFANOTIFY_SKIP_SELF, MASK, 0);
	sh_run("mkdir -p '%s'", sh_p(&s, "out/m/n"));
	sh_root(&s, "w");
	sh_run("cd '%s' && mkdir -p a/b/c && echo > a/b/c/f", sh_p(&s, "w"));
	sh_drain(&s);
	sh_expect_set(&s, FAN_CREATE, 0, 0, L("w/a", "w/a/b", "w/a/b/c", "w/a/b/c/f"));
	sh_clear(&s);
	/* within: found where it is at its FAN_MOVED_FROM; its new path used */
	sh_run("mv '%s' '%s' && echo > '%s'", sh_p(&s, "w/a"), sh_p(&s, "w/x"), sh_p(&s, "w/x/b/c/g"));
	sh_drain(&s);
	sh_expect_set(&s, FAN_CREATE, LIBFANOTIFY_SUBTREE_FOUND, 0, L("w/x/b/c/g"));
	T_ASSERT(sh_marked(s.g, sh_p(&s, "w/x/b/c")));
	sh_clear(&s);
	/* in from outside, then out */
	sh_run("mv '%s' '%s'", sh_p(&s, "out/m"), sh_p(&s, "w/m"));
	sh_drain(&s);
	sh_expect_set(&s, 0, LIBFANOTIFY_SUBTREE_FOUND, LIBFANOTIFY_SUBTREE_FOUND, L("w/m/n"));
	sh_run("mv '%s' '%s'", sh_p(&s, "w/m"), sh_p(&s, "out/m"));
	sh_drain(&s);
	T_ASSERT(!sh_marked(s.g, sh_p(&s, "out/m/n")));
	sh_clear(&s);
	sh_run("echo > '%s'", sh_p(&s, "out/m/n/z"));
	sh_drain(&s);
	T_EQ(s.n, 0);
	/* rm -rf: each deletion named */
	sh_run("rm -rf '%s'", sh_p(&s, "w/x"));
	sh_drain(&s);
	sh_expect_set(&s, FAN_DELETE, 0, 0,
		      L("w/x", "w/x/b", "w/x/b/c", "w/x/b/c/f", "w/x/b/c/g"));
	T_EQ(s.partial, 0);
	sh_run("echo > '%s'", sh_p(&s, "w/last"));
	sh_drain(&s);
	T_EQ(fan_subtree_get_stats(s.t, &st), 0);
	T_EQ(st.dirs, 1);
	T_EQ(st.moved_within, 1);	/* found in the tree at its FAN_MOVED_FROM */
	T_EQ(st.moved_in, 1);
	T_EQ(st.moved_out, 1);
	sh_clear(&s);

	sh_run("mkdir '%s'", sh_p(&s, "w/p"));
	sh_drain(&s);
	sh_run("mkdir '%s' && mv '%s' '%s'", sh_p(&s, "w/p/c"), sh_p(&s, "w/p"), sh_p(&s, "w/q"));
	sh_drain(&s);
	T_ASSERT(sh_marked(s.g, sh_p(&s, "w/q/c")));
	sh_clear(&s);
	sh_run("echo > '%s'", sh_p(&s, "w/q/c/f"));
	sh_drain(&s);
	sh_expect_set(&s, FAN_CREATE, 0, 0, L("w/q/c/f"));
	sh_clear(&s);

	sh_run("mkdir -p '%s' '%s'", sh_p(&s, "w/x2/s"), sh_p(&s, "w/y2/t"));
	sh_drain(&s);
	sh_clear(&s);
	sh_run("python3 -c 'import ctypes, os, sys\n"
	       "if ctypes.CDLL(None, use_errno=True).renameat2(-100, sys.argv[1].encode(), -100, "
	       "sys.argv[2].encode(), 2): sys.exit(os.strerror(ctypes.get_errno()))' '%s' '%s' && "
	       "echo > '%s' && echo > '%s'", sh_p(&s, "w/x2"), sh_p(&s, "w/y2"),
	       sh_p(&s, "w/x2/t/f"), sh_p(&s, "w/y2/s/g"));
	sh_drain(&s);
	sh_expect_set(&s, FAN_CREATE, 0, 0, L("w/x2/t/f", "w/y2/s/g"));
	T_ASSERT(sh_marked(s.g, sh_p(&s, "w/x2/t")) && sh_marked(s.g, sh_p(&s, "w/y2/s")));
	T_EQ(s.partial, 0);
	sh_free(&s);
	printf("ok: without TARGET_FID and FAN_RENAME: by name, moves as out and in, "
	       "a child of a renamed parent, an exchange\n");
	return 0;
}
