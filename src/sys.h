/* SPDX-License-Identifier: MIT */
/* Private: the syscall wrappers (sys.c). */
#ifndef LIBFANOTIFY_SYS_H
#define LIBFANOTIFY_SYS_H

#include <stdint.h>
#include <sys/types.h>

#include "fanotify/fanotify.h"

/* ---- syscall layer (sys.c): -errno returns, nothing else ---- */
int lf_sys_fanotify_init(unsigned int flags, unsigned int event_f_flags);
int lf_sys_fanotify_mark(int fd, unsigned int flags, uint64_t mask, int dirfd,
		      const char *path);
ssize_t lf_sys_read(int fd, void *buf, size_t len);
void lf_sys_close(int fd);
void lf_sys_close_range(int lo, int hi);
int lf_sys_open_by_handle_at(int mount_fd, const void *handle, int flags);
int lf_sys_name_to_handle_at(int dirfd, const char *path, void *handle, int *mnt_id,
			  int flags);
int lf_sys_pidfd_send_signal(int pidfd, int sig);
ssize_t lf_sys_readlink_fd(int fd, char *buf, size_t size);
/* The same through fd_dir, an open /proc/thread-self/fd (-1: by its path). */
ssize_t lf_sys_readlink_fd_at(int fd_dir, int fd, char *buf, size_t size);
/* Write one permission response (and its audit rule, if any) to group fd gfd. */
/*
 * statmount() of mnt_id asking for one string: param (STATMOUNT_MNT_ROOT,
 * _MNT_POINT), whose offset into str[] is the u32 at off_field (SM_*_OFF),
 * into buf.  0 and *str (NUL-terminated, inside buf), -EIO if the answer
 * lacks it, or the call's -errno.
 */
int lf_sys_statmount_str(uint64_t mnt_id, uint64_t param, size_t off_field, void *buf,
			 size_t size, const char **str);
int lf_sys_respond(int gfd, int fd, uint32_t response, const struct fan_audit_rule *rule);

#endif
