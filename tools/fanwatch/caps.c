// SPDX-License-Identifier: MIT
/*
 * Least privilege: once its marks are in place fanwatch keeps only the
 * capabilities the rest of the run needs.  capget/capset through syscall()
 * (no libcap); capabilities are per thread on Linux, so this runs before
 * any thread is created.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
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

int fw_caps_limit(uint64_t keep)
{
	struct __user_cap_data_struct d[2] = { 0 };
	int r = caps_get(d);
	uint64_t prm;

	if (r < 0)
		return r;
	drop_bounding(keep);
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	prm = ((uint64_t)d[1].permitted << 32 | d[0].permitted) & keep;
	d[0].permitted = d[0].effective = (uint32_t)prm;
	d[1].permitted = d[1].effective = (uint32_t)(prm >> 32);
	d[0].inheritable = d[1].inheritable = 0;
	return caps_set(d);
}
