// SPDX-License-Identifier: MIT
/*
 * Text output: one line per event, aligned columns
 *     TIME  EVENTS  PID  COMM  PATH [-> NEW_PATH] [annotations]
 * A path (or process name) is written raw or quoted by the rule of
 * quote.c.
 */
#include <stdlib.h>
#include <string.h>

#include "fanwatch.h"

static void put_str(struct fw_out *out, const char *s);

#define EVENTS_COL 18
#define PID_COL 7
#define COMM_COL 15

void fw_text_path(struct fw_out *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	if (!str) {
		fw_out_put(out, "?", 1);
		return;
	}
	if (!fw_text_needs_quotes(s, len)) {
		fw_out_put(out, str, len);
		return;
	}
	out->len += fw_text_quote_into(fw_out_reserve(out, len * 4 + 2), s, len);
}

static void pad(struct fw_out *out, size_t used, size_t col)
{
	char *p;
	size_t n = used < col ? col - used : 0;

	p = fw_out_reserve(out, n + 1);
	memset(p, ' ', n + 1);
	out->len += n + 1;
}

static const char *color_of(const struct fw_record *rec)
{
	uint64_t e = rec->events;

	if (rec->flags & (FW_REC_DENIED | FW_REC_OVERFLOW))
		return "\033[1;31m";
	if (e & (FAN_DELETE | FAN_DELETE_SELF | FAN_MOVED_FROM | FAN_FS_ERROR))
		return "\033[31m";
	if (e & (FAN_CREATE | FAN_MOVED_TO))
		return "\033[32m";
	if (e & (FAN_RENAME | FAN_MOVE_SELF))
		return "\033[35m";
	if (e & (FAN_MODIFY | FAN_CLOSE_WRITE))
		return "\033[33m";
	if (e & (FAN_ATTRIB | FW_MOUNT_EVENTS))
		return "\033[36m";
	return "\033[34m";
}

static void put_events(struct fw_out *out, const struct fw_record *rec)
{
	char names[256];
	size_t n = fw_events_format(rec->events, names, sizeof(names));
	const char *c = out->color ? color_of(rec) : NULL;

	if (c)
		fw_out_put(out, c, strlen(c));
	fw_out_put(out, names, n);
	if (c)
		fw_out_put(out, "\033[0m", 4);
	pad(out, n, EVENTS_COL);
}

static void put_pid(struct fw_out *out, pid_t pid)
{
	char num[24];
	size_t n = pid > 0 ? fw_fmt_u64(num, (uint64_t)pid) : 1;

	if (pid <= 0)
		num[0] = '-';
	if (n < PID_COL) {
		char *p = fw_out_reserve(out, PID_COL - n);

		memset(p, ' ', PID_COL - n);
		out->len += PID_COL - n;
	}
	fw_out_put(out, num, n);
	fw_out_put(out, " ", 1);
}

static void put_comm(struct fw_out *out, const struct fw_record *rec)
{
	const char *comm = rec->proc ? rec->proc->comm : NULL;
	size_t before;

	/* room for the worst case (16 bytes escaped) so nothing flushes in between */
	fw_out_reserve(out, 16 * 4 + 2 + COMM_COL + 1);
	before = out->len;
	if (comm)
		fw_text_path(out, comm, strnlen(comm, 16));
	else
		fw_out_put(out, "-", 1);
	pad(out, out->len - before, COMM_COL);
}

static void put_str(struct fw_out *out, const char *s)
{
	fw_out_put(out, s, strlen(s));
}

static void put_annotations(struct fw_out *out, const struct fw_record *rec)
{
	char num[24];

	if (rec->flags & FW_REC_DIR)
		put_str(out, " [dir]");
	if (rec->flags & FW_REC_SYNTHETIC)
		put_str(out, " [existing]");
	if (rec->flags & FW_REC_DELETED)
		put_str(out, " [deleted]");
	if (rec->flags & FW_REC_PARTIAL)
		put_str(out, " [partial]");
	if (rec->flags & FW_REC_UNVERIFIED)
		put_str(out, " [unverified]");
	if (rec->flags & FW_REC_DENIED)
		put_str(out, " [denied]");
	/* permission mode (i11): why, when not by a rule */
	if (rec->flags & FW_REC_UNDECIDED)
		put_str(out, " [undecidable]");
	if (rec->flags & FW_REC_NO_FD)
		put_str(out, " [no descriptor]");
	if (rec->flags & FW_REC_ERROR) {
		put_str(out, " [error ");
		fw_out_put(out, num, fw_fmt_i64(num, rec->error));
		put_str(out, " ");
		put_str(out, strerror(rec->error));
		put_str(out, ", count ");
		fw_out_put(out, num, fw_fmt_u64(num, rec->error_count));
		put_str(out, "]");
	}
	if (rec->flags & FW_REC_MOUNT_ID) {
		put_str(out, " [mount id ");
		fw_out_put(out, num, fw_fmt_u64(num, rec->mount_id));
		put_str(out, "]");
	}
}

/* ---- who did it: --show and --parents (procs.c fills rec->ident) ---- */

/*
 * A value inside an annotation: as a path is written, and also quoted when
 * it holds '[' or ']', which are then written \x5b and \x5d, so that no
 * value can close its annotation or forge another.
 */
static void put_value(struct fw_out *out, const char *s, size_t len)
{
	const char *q;
	char *buf, *p;
	size_t n, i;

	if (!s) {
		fw_out_put(out, "-", 1);
		return;
	}
	if (!memchr(s, '[', len) && !memchr(s, ']', len)) {
		fw_text_path(out, s, len);
		return;
	}
	buf = malloc(len * 4 + 2);
	if (!buf) {
		fw_out_put(out, "?", 1);
		return;
	}
	n = fw_text_quote_into(buf, (const unsigned char *)s, len);
	p = fw_out_reserve(out, n * 4);
	for (i = 0, q = buf; i < n; i++, q++) {
		if (*q == '[' || *q == ']')
			p = fw_text_hex(p, (unsigned char)*q);
		else
			*p++ = *q;
	}
	out->len = (size_t)(p - out->buf);
	free(buf);
}

static void put_num_field(struct fw_out *out, const char *key, bool known, uint64_t v)
{
	char num[24];

	put_str(out, " [");
	put_str(out, key);
	put_str(out, " ");
	if (known)
		fw_out_put(out, num, fw_fmt_u64(num, v));
	else
		fw_out_put(out, "-", 1);
	put_str(out, "]");
}

static void put_str_field(struct fw_out *out, const char *key, const char *v)
{
	put_str(out, " [");
	put_str(out, key);
	put_str(out, " ");
	put_value(out, v, v ? strlen(v) : 0);
	put_str(out, "]");
}

/* [parents PID NAME PID NAME ...], nearest first; "-" for a name not known. */
static void put_parents(struct fw_out *out, const struct fw_ident *id)
{
	char num[24];
	size_t i;

	put_str(out, " [parents");
	for (i = 0; i < id->nparents; i++) {
		const struct fan_process_parent *p = &id->parents[i];

		put_str(out, " ");
		fw_out_put(out, num, fw_fmt_u64(num, (uint64_t)p->pid));
		put_str(out, " ");
		put_value(out, p->comm[0] ? p->comm : NULL, strnlen(p->comm, sizeof(p->comm)));
	}
	put_str(out, "]");
}

static void put_ident(struct fw_out *out, const struct fw_record *rec)
{
	const struct fan_process *p = rec->pid > 0 ? rec->proc : NULL;
	const struct fw_ident *id = rec->ident;
	unsigned int show = out->show;

	if (show & FW_SHOW_PPID)
		put_num_field(out, "ppid", p && p->ppid > 0, p ? (uint64_t)p->ppid : 0);
	if (show & FW_SHOW_UID)
		put_num_field(out, "uid", p && p->uid != (uid_t)-1, p ? p->uid : 0);
	if (show & FW_SHOW_USER)
		put_str_field(out, "user", id && p ? id->user : NULL);
	if (show & FW_SHOW_GID)
		put_num_field(out, "gid", p && p->gid != (gid_t)-1, p ? p->gid : 0);
	if (show & FW_SHOW_CGROUP)
		put_str_field(out, "cgroup", id && p ? id->cgroup : NULL);
	if (show & FW_SHOW_MNTNS)
		put_num_field(out, "mntns", id && p && id->mntns, id ? id->mntns : 0);
	if (show & FW_SHOW_EXE)
		put_str_field(out, "exe", p ? p->exe : NULL);
	if (show & FW_SHOW_ATTRIBUTION)
		put_str_field(out, "attribution", fw_attribution(p));
	if (id && p && id->parents_asked)
		put_parents(out, id);
}

void fw_text_record(struct fw_out *out, const struct fw_record *rec)
{
	if (out->tfmt)		/* --timefmt (i15) */
		fw_out_put(out, out->user_time, out->user_time_len);
	else
		fw_out_put(out, out->text_time, out->text_time_len);
	fw_out_put(out, " ", 1);
	put_events(out, rec);
	if (rec->flags & FW_REC_OVERFLOW) {
		put_str(out, "kernel queue overflowed: events were lost\n");
		return;
	}
	put_pid(out, rec->pid);
	put_comm(out, rec);
	fw_text_path(out, rec->path.s, rec->path.len);
	if (rec->new_path.s || (rec->flags & FW_REC_NEW_PATH)) {
		put_str(out, " -> ");
		fw_text_path(out, rec->new_path.s, rec->new_path.len);
	}
	put_annotations(out, rec);
	put_ident(out, rec);
	fw_out_put(out, "\n", 1);
}
