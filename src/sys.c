// SPDX-License-Identifier: MIT
/* The syscall layer: each wrapper returns -errno, nothing more. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/fanotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "missing.h"

int lf_sys_fanotify_init(unsigned int flags, unsigned int event_f_flags)
{
	int fd = fanotify_init(flags, event_f_flags);

	return fd < 0 ? -errno : fd;
}

int lf_sys_fanotify_mark(int fd, unsigned int flags, uint64_t mask, int dirfd,
		      const char *path)
{
	return fanotify_mark(fd, flags, mask, dirfd, path) < 0 ? -errno : 0;
}

ssize_t lf_sys_read(int fd, void *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);

	return n < 0 ? -errno : n;
}

/* A response must go in one write(): the kernel rejects partial structs. */
static int write_exact(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

void lf_sys_close(int fd)
{
	/* Linux closes the descriptor even when close() reports EINTR. */
	if (fd >= 0)
		(void)close(fd);
}

/* Close lo..hi, all owned by the caller; one system call where the kernel has it (5.9). */
void lf_sys_close_range(int lo, int hi)
{
	int fd;

	if (lo == hi || syscall(SYS_close_range, (unsigned int)lo, (unsigned int)hi, 0) < 0)
		for (fd = lo; fd <= hi; fd++)
			(void)close(fd);
}

int lf_sys_open_by_handle_at(int mount_fd, const void *handle, int flags)
{
	int fd = open_by_handle_at(mount_fd, (struct file_handle *)handle, flags);

	return fd < 0 ? -errno : fd;
}

int lf_sys_name_to_handle_at(int dirfd, const char *path, void *handle, int *mnt_id,
			  int flags)
{
	return name_to_handle_at(dirfd, path, handle, mnt_id, flags) < 0 ? -errno : 0;
}

int lf_sys_pidfd_send_signal(int pidfd, int sig)
{
	return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}

ssize_t lf_sys_readlink_fd_at(int fd_dir, int fd, char *buf, size_t size)
{
	/* the calling thread's table: /proc/self is the main thread's, which is
	 * another table in a thread that did unshare(CLONE_FILES) */
	static const char prefix[] = "/proc/thread-self/fd/";
	char link[sizeof(prefix) + 12], *p = link + sizeof(link);
	ssize_t n;

	if (fd < 0)
		return -EBADF;
	/* the digits by hand: snprintf() costs more than the readlink() here */
	*--p = '\0';
	do
		*--p = (char)('0' + fd % 10);
	while ((fd /= 10) > 0);
	if (fd_dir < 0) {
		p -= sizeof(prefix) - 1;
		memcpy(p, prefix, sizeof(prefix) - 1);
	}
	n = readlinkat(fd_dir < 0 ? AT_FDCWD : fd_dir, p, buf, size);
	return n < 0 ? -errno : n;
}

ssize_t lf_sys_readlink_fd(int fd, char *buf, size_t size)
{
	return lf_sys_readlink_fd_at(-1, fd, buf, size);
}

/*
 * A permission response as the kernel reads it: struct fanotify_response,
 * then an audit-rule record with FAN_INFO when rule is given.
 */
int lf_sys_respond(int gfd, int fd, uint32_t response, const struct fan_audit_rule *rule)
{
	unsigned char buf[8 + 16];
	size_t len = 8;

	if (fd < 0 || !(response & (FAN_ALLOW | FAN_DENY)))
		return -EINVAL;
	if (rule) {
		uint8_t type = FAN_RESPONSE_INFO_AUDIT_RULE, pad = 0;
		uint16_t rlen = 16;

		response |= FAN_INFO;
		memcpy(buf + 8, &type, 1);
		memcpy(buf + 9, &pad, 1);
		memcpy(buf + 10, &rlen, 2);
		memcpy(buf + 12, &rule->rule_number, 4);
		memcpy(buf + 16, &rule->subj_trust, 4);
		memcpy(buf + 20, &rule->obj_trust, 4);
		len += 16;
	}
	memcpy(buf, &fd, 4);
	memcpy(buf + 4, &response, 4);
	return write_exact(gfd, buf, len);
}

int lf_sys_statmount_str(uint64_t mnt_id, uint64_t param, size_t off_field, void *buf,
			 size_t size, const char **str)
{
	struct lf_mnt_id_req req = {
		.size = LF_MNT_ID_REQ_SIZE_VER0, .mnt_id = mnt_id, .param = param,
	};
	const char *b = buf;
	uint32_t off, len;
	uint64_t mask;

	if (syscall(SYS_statmount, &req, buf, size, 0) != 0)
		return -errno;
	memcpy(&len, b + SM_SIZE_OFF, 4);
	memcpy(&mask, b + SM_MASK_OFF, 8);
	memcpy(&off, b + off_field, 4);
	if (!(mask & param) || len > size || len <= SM_STR_OFF || off >= len - SM_STR_OFF ||
	    !memchr(b + SM_STR_OFF + off, 0, len - SM_STR_OFF - off))
		return -EIO;
	*str = b + SM_STR_OFF + off;
	return 0;
}
