/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Mounting with the file-descriptor mount API: a mount is made detached,
 * configured, and attached to a directory reached by fd, never by a path
 * string that a symlink in the tree could redirect. */

/* Where a failing file system context explains itself (e.g. overlayfs's
 * reason for refusing a layer), its message lands here. */
struct mnt_error {
        char text[512];
};

/* A new mount of fstype with "key=value" or "flag" options, detached;
 * attrs are MOUNT_ATTR_* flags. Returns the mount fd or -errno. */
int mnt_new(const char *fstype, const char *const *options, unsigned attrs, struct mnt_error *err);
/* A detached copy of what is mounted at path below dir_fd (a bind). */
int mnt_clone(int dir_fd, const char *path, bool recursive);
int mnt_set_read_only(int mnt_fd, bool recursive);
/* MOUNT_ATTR_* set and cleared, and a propagation (MS_SHARED, MS_SLAVE,
 * MS_PRIVATE, MS_UNBINDABLE; 0: unchanged), on a mount fd. */
int mnt_set_attrs(int mnt_fd, unsigned set, unsigned clear, unsigned long propagation, bool recursive);
/* Idmap a detached mount into the user namespace userns_fd. */
int mnt_idmap(int mnt_fd, int userns_fd, bool recursive);
/* Attach a detached mount onto target_fd (an O_PATH fd of a dir or file). */
int mnt_attach(int mnt_fd, int target_fd);
/* Attach onto a directory inside the tree, making it when missing. */
int mnt_attach_dir(int mnt_fd, int root_fd, const char *path);
/* Attach onto a file inside the tree, making it when missing. */
int mnt_attach_file(int mnt_fd, int root_fd, const char *path);
/* A detached recursive copy of what is mounted at path, idmapped into the
 * user namespace userns_fd (-1: not) and read-only if asked. */
int mnt_clone_mapped(const char *path, int userns_fd, bool read_only);
