// SPDX-License-Identifier: MIT
/*
 * The verdict cache of permission mode: a --deny verdict depends only on
 * a file's name, and finding the name of an event's descriptor (readlink
 * of /proc/self/fd/N) costs several times what the kernel's permission
 * round trip does.  A statx() of the descriptor costs a fraction of it and
 * says whether the name can have changed since a verdict was given.
 *
 * Keyed by mount id, inode number and ctime.  The kernel sets a file's
 * ctime on every rename of it and every new hard link to it, so a cached
 * verdict is found again only while the file has kept the name it had
 * when the verdict was made.  It is used only where that reasoning holds:
 *   - globs without '/' (the caller's rule): the verdict depends on the
 *     last component alone, which a rename of a parent directory keeps;
 *   - a regular file with exactly one link (one name: a file with two can
 *     be opened under either, each with its own verdict);
 *   - not the root of a mount (a bind-mounted file is named by its mount
 *     point, which a mount move changes without touching the inode); the
 *     mount id in the key keeps each mount's view of a file apart;
 *   - on filesystems known to set ctime on rename and link (tmpfs, ext2/3/4,
 *     xfs, btrfs; POSIX leaves rename free not to);
 *   - stored only when the ctime is at least CTIME_AGE_NS old: without
 *     fine-grained time stamps (before Linux 6.13) a rename within the
 *     same clock tick as the last change could otherwise leave the ctime
 *     as it was.  A change after that is stamped later than the key.
 * Lookups cost one statx() and no allocation; the table is direct-mapped
 * and a collision simply replaces the older entry.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "fanwatch.h"

#define NSLOTS 4096		/* a power of two */
#define NMOUNTS 16
#define CTIME_AGE_NS 50000000ll	/* far beyond a clock tick (HZ >= 100) */
#define KEY_MASK (STATX_TYPE | STATX_NLINK | STATX_INO | STATX_CTIME | STATX_MNT_ID)

struct vslot {
	uint64_t ino, mnt_id;
	int64_t sec;
	uint32_t nsec;
	bool used, deny;
};

/* Mounts already checked for a filesystem whose ctime can be trusted. */
struct vmount {
	uint64_t mnt_id;
	bool known, ok;
};

struct fw_vcache {
	struct vslot s[NSLOTS];
	struct vmount m[NMOUNTS];
	unsigned int next_mount, last_mount;
	bool null_path_fails;	/* statx(fd, NULL, AT_EMPTY_PATH) needs Linux 6.11 */
};

struct fw_vcache *fw_vcache_new(void)
{
	struct fw_vcache *c = calloc(1, sizeof(*c));

	if (!c)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	return c;
}

void fw_vcache_free(struct fw_vcache *c)
{
	free(c);
}

static bool trusted_fs(int fd)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return false;
	switch ((unsigned long)sfs.f_type) {
	case TMPFS_MAGIC:
	case EXT4_SUPER_MAGIC:		/* ext2, ext3 and ext4 */
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
		return true;
	}
	return false;
}

/* Is the filesystem of this mount one whose ctime tells renames?  Asked once per mount. */
static bool mount_ok(struct fw_vcache *c, uint64_t mnt_id, int fd)
{
	struct vmount *m;
	unsigned int i;

	m = &c->m[c->last_mount];
	if (m->known && m->mnt_id == mnt_id)
		return m->ok;
	for (i = 0; i < NMOUNTS; i++)
		if (c->m[i].known && c->m[i].mnt_id == mnt_id) {
			c->last_mount = i;
			return c->m[i].ok;
		}
	c->last_mount = c->next_mount++ % NMOUNTS;
	m = &c->m[c->last_mount];
	*m = (struct vmount){ .mnt_id = mnt_id, .known = true, .ok = trusted_fs(fd) };
	return m->ok;
}

/* statx() of a descriptor; a NULL path spares the kernel copying "" in (Linux 6.11). */
static int statx_fd(struct fw_vcache *c, int fd, struct statx *sx)
{
	if (!c->null_path_fails) {
		if (syscall(SYS_statx, fd, NULL, AT_EMPTY_PATH, KEY_MASK, sx) == 0)
			return 0;
		if (errno != EFAULT && errno != EINVAL)
			return -1;
		c->null_path_fails = true;
	}
	return statx(fd, "", AT_EMPTY_PATH, KEY_MASK, sx);
}

bool fw_vcache_key(struct fw_vcache *c, int fd, struct fw_vkey *k)
{
	struct statx sx;

	if (fd < 0 || statx_fd(c, fd, &sx) < 0)
		return false;
	if ((sx.stx_mask & KEY_MASK) != KEY_MASK || !S_ISREG(sx.stx_mode) || sx.stx_nlink != 1)
		return false;
	/* a kernel that cannot say whether this is a mount root: no caching */
	if (!(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
	    (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return false;
	*k = (struct fw_vkey){ .ino = sx.stx_ino, .mnt_id = sx.stx_mnt_id,
			       .sec = sx.stx_ctime.tv_sec, .nsec = sx.stx_ctime.tv_nsec };
	return mount_ok(c, k->mnt_id, fd);
}

static struct vslot *slot_of(struct fw_vcache *c, const struct fw_vkey *k)
{
	uint64_t h = (k->ino ^ (k->mnt_id << 40)) * 0x9e3779b97f4a7c15ull;

	return &c->s[h >> 52 & (NSLOTS - 1)];
}

int fw_vcache_get(struct fw_vcache *c, const struct fw_vkey *k)
{
	const struct vslot *s = slot_of(c, k);

	if (!s->used || s->ino != k->ino || s->mnt_id != k->mnt_id || s->sec != k->sec ||
	    s->nsec != k->nsec)
		return -1;
	return s->deny;
}

/* The ctime is old enough that any later change gets a different one. */
static bool settled(const struct fw_vkey *k)
{
	struct timespec now;

	if (clock_gettime(CLOCK_REALTIME_COARSE, &now) < 0)
		return false;
	return ((int64_t)now.tv_sec - k->sec) * 1000000000ll + ((int64_t)now.tv_nsec - k->nsec) >=
	       CTIME_AGE_NS;
}

void fw_vcache_put(struct fw_vcache *c, const struct fw_vkey *k, bool deny)
{
	struct vslot *s;

	if (!settled(k))
		return;
	s = slot_of(c, k);
	*s = (struct vslot){ .ino = k->ino, .mnt_id = k->mnt_id, .sec = k->sec, .nsec = k->nsec,
			     .used = true, .deny = deny };
}
