/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define streq(a, b) (strcmp((a), (b)) == 0)

bool startswith(const char *s, const char *prefix);
bool endswith(const char *s, const char *suffix);
char *strjoin(const char *a, const char *b, const char *c);

/* NULL-terminated string vectors. */
size_t strv_length(char *const *l);
int strv_push(char ***l, const char *value);    /* copies value */
char **strv_copy(char *const *l);
/* The strings one after the other with sep between; NULL when out of memory. */
char *strv_join(char *const *l, const char *sep);
/* Words split at blanks, with "..." and '...' quoting and a backslash
 * escaping the next character (outside '...'), as a shell splits them:
 * -EINVAL for a quote that is not closed. */
int split_words(const char *s, char ***ret);
/* *p replaced by a copy of s (NULL: by NULL). */
int free_and_strdup(char **p, const char *s);
/* An environment block: NAME=VALUE in place of the entry with the same
 * NAME, or appended. */
int strv_env_set(char ***l, const char *assignment);
/* --setenv's argument as nspawn and machinectl take it: NAME=VALUE, or
 * NAME alone for NAME=its value in our own environment (empty when it
 * has none); NAME is letters, digits and '_', not starting with a digit.
 * A malloc'd NAME=VALUE, or -EINVAL. */
int env_assignment_from(const char *arg, char **ret);

/* Whole-file and whole-buffer I/O; retry on EINTR, short reads/writes. */
ssize_t read_full(int fd, void *buf, size_t size);
int write_full(int fd, const void *buf, size_t size);
int read_file_at(int dir_fd, const char *path, char **ret, size_t max);
int write_file_at(int dir_fd, const char *path, const char *contents, mode_t mode);
/* contents whole into PATH.tmp, then renamed over path: a reader sees the
 * old file or the new one. */
int write_file_atomic(const char *path, const char *contents, mode_t mode);
/* pid's state (field 3 of /proc/PID/stat: R, S, Z, ...) and start time
 * (field 22, clock ticks since boot): with the PID, what tells a process
 * from a later one with its number. -ESRCH: no such process. */
int proc_stat_fields(pid_t pid, char *ret_state, unsigned long long *ret_start);
/* Write into an existing file such as a cgroup or /proc knob. */
int write_string_at(int dir_fd, const char *path, const char *contents);

int mkdir_p(const char *path, mode_t mode);
/* Create path if needed and flock() it exclusively without waiting:
 * -EBUSY while another process holds it. Whoever releases such a lock
 * unlinks the file before closing it; a lock taken on an inode that was
 * unlinked meanwhile is retried on the new file. */
int lock_file_take(const char *path, int *ret_fd);
/* In a forked child: close every descriptor from 3 up but those in keep
 * (negative entries are ignored). */
int close_all_but(const int *keep, size_t n);
/* Remove a directory tree without crossing into other file systems. */
int rm_rf_at(int dir_fd, const char *name);

int parse_uint(const char *s, unsigned *ret);
int parse_sec(const char *s, unsigned *ret);
/* systemd's booleans: 1 for yes/true/on/1, 0 for no/false/off/0, else -EINVAL. */
int parse_boolean(const char *s);

/* 16 random bytes as an RFC 4122 version 4 UUID, and their forms. */
int uuid_random(uint8_t ret[16]);
int uuid_parse(const char *s, uint8_t ret[16]);
void uuid_to_id128(const uint8_t id[16], char ret[33]);   /* 32 hex digits */
void uuid_to_string(const uint8_t id[16], char ret[37]); /* 8-4-4-4-12 */
bool id128_valid(const char *s);

/* The time on clock (CLOCK_MONOTONIC, CLOCK_REALTIME) in microseconds. */
uint64_t now_usec(clockid_t clock);
