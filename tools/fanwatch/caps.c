// SPDX-License-Identifier: MIT
/*
 * Least privilege: once its marks are in place fanwatch keeps only the
 * capabilities the rest of the run needs.  capget/capset through syscall()
 * (no libcap).  Capabilities, the bounding set and the uids are per thread
 * on Linux (glibc's setresuid() makes every thread follow; the raw system
 * call does not): each thread drops its own, the permission thread at its
 * start, the main thread once setup is done.
 *
 * A root fanwatch also leaves uid 0 (it owns the system's files: a root
 * process without a capability still writes /etc/passwd) for the user
 * "nobody" (uid 65534 if there is none), group its primary group, no
 * supplementary groups, keeping the capabilities asked for across the
 * change (PR_SET_KEEPCAPS).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <string.h>
#include <unistd.h>

#include "fanwatch.h"

static int caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return syscall(SYS_capget, &h, d) < 0 ? -errno : 0;
}

static int caps_set(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

bool fw_have_cap(int cap)
{
	struct __user_cap_data_struct d[2] = { 0 };

	if (caps_get(d) < 0)
		return false;
	return d[cap / 32].effective & (1u << (cap % 32));
}

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int n = 40;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = 40;
		fclose(f);
	}
	return n < 63 ? n : 63;
}

/* Nothing we drop may come back through exec of a setuid helper or the bounding set. */
static void drop_bounding(uint64_t keep)
{
	int cap, last = last_cap();

	if (!fw_have_cap(CAP_SETPCAP))
		return;
	for (cap = 0; cap <= last; cap++)
		if (!(keep & (1ull << cap)))
			(void)prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
}

/* uid 0 for "nobody": this thread only (raw system calls), capabilities kept. */
static int leave_root(const struct fw_ids *to)
{
	int r = 0;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_setgroups, 0, NULL) < 0 ||
	    syscall(SYS_setresgid, to->gid, to->gid, to->gid) < 0 ||
	    syscall(SYS_setresuid, to->uid, to->uid, to->uid) < 0)
		r = -errno;
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return r;
}

void fw_ids_nobody(struct fw_ids *ids)
{
	const struct passwd *pw = getpwnam("nobody");

	*ids = (struct fw_ids){ .uid = pw ? pw->pw_uid : 65534, .gid = pw ? pw->pw_gid : 65534,
				.change = geteuid() == 0 && (!pw || pw->pw_uid != 0) };
}

int fw_caps_limit(uint64_t keep, const struct fw_ids *to)
{
	struct __user_cap_data_struct d[2] = { 0 };
	int r = caps_get(d);
	uint64_t prm;

	if (r < 0)
		return r;
	drop_bounding(keep);
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	prm = ((uint64_t)d[1].permitted << 32 | d[0].permitted) & keep;
	/*
	 * Leaving uid 0 can fail (no CAP_SETUID in the bounding set): the
	 * capabilities are dropped all the same, never kept because of it.
	 */
	if (to && to->change && (r = leave_root(to)) < 0)
		fw_warn("could not leave uid 0 for uid %u: %s; it keeps uid 0 with only the "
			"capabilities fanwatch(1) lists", (unsigned int)to->uid, strerror(-r));
	d[0].permitted = d[0].effective = (uint32_t)prm;
	d[1].permitted = d[1].effective = (uint32_t)(prm >> 32);
	d[0].inheritable = d[1].inheritable = 0;
	return caps_set(d);
}
