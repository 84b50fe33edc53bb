// SPDX-License-Identifier: MIT
/*
 * dev and ino of an event's object, for JSON and --format: from the
 * event's own file handle (its FID record), never from a path.
 *
 * dev: the st_dev of the filesystem the handle's fsid names (its recorded
 * mount root), looked at again when the second of the batch's clock has
 * changed.  Looking once per batch cost five system calls per batch
 * (open, statx and fstatfs of the root by the library, fstat, close): 20%
 * more CPU per event at full speed.  Once a second is enough because the
 * group's record for an fsid changes only when that filesystem is gone
 * (the library refuses a second filesystem with the fsid of one still
 * mounted) and another with the same fsid is mounted and marked, all
 * within that second; events of the old one keep its dev meanwhile.
 *
 * ino: read straight out of the handle where the kernel's encoding is
 * known (no system call, and it works for files deleted by the time the
 * event is read):
 *   - type 0x81, 12 bytes (FILEID_INO64_GEN, the kernel's generic encoding
 *     since Linux 6.7 and XFS's with 64-bit inodes): u64 ino, u32 gen;
 *   - tmpfs (shmem_encode_fh), type 1, 12 bytes: u32 gen, u32 ino low,
 *     u32 ino high;
 *   - ext2/3/4 (generic_encode_ino32_fh), type 1 (8 bytes) or 2 (16):
 *     u32 ino, u32 gen, ...
 * Any other handle is opened (open_by_handle_at(O_PATH), which needs
 * CAP_DAC_READ_SEARCH, kept for that) and fstat()ed: that gives both, for
 * a file that still exists.  Answers are kept by handle (a handle names
 * one inode for good, generation included).  Without a FID record (a
 * create or delete on a kernel before 5.17, a synthetic record) the ino is
 * unknown; the dev comes from the directory's handle.  A directory's own
 * events name it by its handle and ".".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "state.h"

#define NFS_SLOTS 8
#define NSLOTS 256
#define SLOT_HANDLE 64		/* longer handles are not kept */

struct fsent {
	struct fan_fsid fsid;
	time_t checked;		/* st_dev checked in this second of the batch clock */
	dev_t dev;
	long type;		/* statfs f_type */
	bool ok;
};

struct hslot {
	struct fan_fsid fsid;
	int32_t type;
	uint32_t bytes;		/* 0: empty */
	unsigned char h[SLOT_HANDLE];
	bool ok;
	dev_t dev;
	uint64_t ino;
};

struct fw_inodes {
	struct fsent fs[NFS_SLOTS];
	size_t nfs, next_fs;
	struct hslot slots[NSLOTS];
	uint64_t opened;	/* handles opened (not decoded) */
};

struct fw_inodes *fw_inodes_new(void)
{
	struct fw_inodes *c = calloc(1, sizeof(*c));

	if (!c)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	return c;
}

void fw_inodes_free(struct fw_inodes *c)
{
	free(c);
}

static bool same_fsid(const struct fan_fsid *a, const struct fan_fsid *b)
{
	return a->val[0] == b->val[0] && a->val[1] == b->val[1];
}

/* The filesystem of fsid, looked at once a second (see the top of the file). */
static const struct fsent *fs_get(struct fw_inodes *c, struct fan_group *g,
				  const struct fan_fsid *fsid, time_t now)
{
	struct fsent *e = NULL;
	struct statfs sfs;
	struct stat sb;
	size_t i;
	int fd;

	for (i = 0; i < c->nfs && !e; i++)
		if (same_fsid(&c->fs[i].fsid, fsid))
			e = &c->fs[i];
	if (!e) {
		i = c->nfs < NFS_SLOTS ? c->nfs++ : c->next_fs++ % NFS_SLOTS;
		e = &c->fs[i];
		*e = (struct fsent){ .fsid = *fsid };
	} else if (e->checked == now) {
		return e;
	}
	e->checked = now;
	fd = fan_group_mount_fd(g, fsid);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		e->ok = false;
		return e;
	}
	if (!e->ok || sb.st_dev != e->dev)
		e->type = fstatfs(fd, &sfs) == 0 ? (long)sfs.f_type : 0;
	e->dev = sb.st_dev;
	e->ok = true;
	return e;
}

static uint32_t u32_at(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The inode number written in the handle, where its encoding is known. */
static bool decode(long fstype, const struct fan_fid *fid, uint64_t *ino)
{
	const unsigned char *d = fid->handle_data;

	if (fid->handle_type == 0x81 && fid->handle_bytes == 12) {
		memcpy(ino, d, sizeof(*ino));
		return true;
	}
	if (fstype == TMPFS_MAGIC && fid->handle_type == 1 && fid->handle_bytes == 12) {
		*ino = (uint64_t)u32_at(d + 4) | (uint64_t)u32_at(d + 8) << 32;
		return true;
	}
	if (fstype == EXT4_SUPER_MAGIC &&
	    ((fid->handle_type == 1 && fid->handle_bytes == 8) ||
	     (fid->handle_type == 2 && fid->handle_bytes == 16))) {
		*ino = u32_at(d);
		return true;
	}
	return false;
}

static struct hslot *slot_of(struct fw_inodes *c, const struct fan_fid *fid, bool *hit)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uint32_t)fid->fsid.val[0] ^
		     ((uint64_t)(uint32_t)fid->fsid.val[1] << 32);
	struct hslot *s;
	uint32_t i;

	for (i = 0; i < fid->handle_bytes; i++)
		h = (h ^ fid->handle_data[i]) * 0x100000001b3ull;
	s = &c->slots[(h ^ (h >> 29)) % NSLOTS];
	*hit = s->bytes == fid->handle_bytes && s->type == fid->handle_type &&
	       same_fsid(&s->fsid, &fid->fsid) && !memcmp(s->h, fid->handle_data, s->bytes);
	return s;
}

/* Open the handle and fstat() it; kept by handle, failures too. */
static bool by_open(struct fw_inodes *c, struct fan_group *g, const struct fan_fid *fid,
		    dev_t *dev, uint64_t *ino)
{
	union {
		struct file_handle fh;
		unsigned char space[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} u;
	struct hslot *s = NULL;
	struct stat sb;
	bool hit = false, ok = false;
	int mfd, fd;

	if (fid->handle_bytes <= SLOT_HANDLE) {
		s = slot_of(c, fid, &hit);
		if (hit) {
			*dev = s->dev;
			*ino = s->ino;
			return s->ok;
		}
	}
	if (fid->handle_bytes > MAX_HANDLE_SZ)
		return false;
	u.fh.handle_bytes = fid->handle_bytes;
	u.fh.handle_type = fid->handle_type;
	memcpy(u.fh.f_handle, fid->handle_data, fid->handle_bytes);
	mfd = fan_group_mount_fd(g, &fid->fsid);
	fd = mfd >= 0 ? open_by_handle_at(mfd, &u.fh, O_PATH | O_CLOEXEC) : -1;
	c->opened++;
	if (fd >= 0) {
		ok = fstat(fd, &sb) == 0;
		close(fd);
	}
	if (ok) {
		*dev = sb.st_dev;
		*ino = sb.st_ino;
	}
	if (s) {
		*s = (struct hslot){ .fsid = fid->fsid, .type = fid->handle_type,
				     .bytes = fid->handle_bytes, .ok = ok,
				     .dev = ok ? sb.st_dev : 0, .ino = ok ? sb.st_ino : 0 };
		memcpy(s->h, fid->handle_data, fid->handle_bytes);
	}
	return ok;
}

/*
 * The event's object's FID record, or else a directory record (its fsid
 * only): one walk over the records.
 */
static bool event_fid(const struct fan_event *ev, struct fan_fid *fid, bool *own)
{
	const struct fan_info *info, *dir = NULL;

	fan_for_each_info(info, ev) {
		switch (fan_info_type(info)) {
		case FAN_EVENT_INFO_TYPE_FID:
			*own = true;
			return fan_info_fid(info, fid) == 0;
		case FAN_EVENT_INFO_TYPE_DFID_NAME:
		case FAN_EVENT_INFO_TYPE_DFID:
		case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME:
		case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME:
			if (!dir)
				dir = info;
			break;
		}
	}
	*own = false;
	if (!dir || fan_info_fid(dir, fid) < 0)
		return false;
	/* a directory's own event: its handle and the name "." */
	if (fid->name && fid->name[0] == '.' && !fid->name[1])
		*own = true;
	return true;
}

void fw_inodes_fill(struct fw_inodes *c, struct fan_group *g, const struct fan_event *ev,
		    time_t now, struct fw_record *rec)
{
	const struct fsent *fs;
	struct fan_fid fid;
	bool own;
	dev_t dev;
	uint64_t ino;

	if (!g || !event_fid(ev, &fid, &own))
		return;
	fs = fs_get(c, g, &fid.fsid, now);
	if (fs->ok) {
		rec->dev = fs->dev;
		rec->flags |= FW_REC_DEV;
	}
	/* fs error events on the superblock carry an empty handle (type 255) */
	if (!own || !fid.handle_bytes)
		return;
	if (fs->ok && decode(fs->type, &fid, &ino)) {
		rec->ino = ino;
		rec->flags |= FW_REC_INO;
	} else if (by_open(c, g, &fid, &dev, &ino)) {
		rec->dev = dev;
		rec->ino = ino;
		rec->flags |= FW_REC_DEV | FW_REC_INO;
	}
}

uint64_t fw_inodes_opened(const struct fw_inodes *c)
{
	return c ? c->opened : 0;
}
