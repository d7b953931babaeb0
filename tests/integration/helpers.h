/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Each test runs berth with a private state and runtime directory (set in
 * the environment by it_setup), so nothing touches the real /var/lib/berth
 * or /run/berth, and leftovers can be looked for in one place. */

struct it_env {
        char dir[256];          /* a fresh temporary directory for this test */
        char state_dir[300];    /* BERTH_STATE_DIR */
        char runtime_dir[300];  /* BERTH_RUNTIME_DIR */
};

extern struct it_env it;

/* The launcher under test (BERTH_BIN, set by meson). */
const char *it_berth(void);
/* The cached trees: skip the test (with the reason) when missing. */
const char *it_busybox_tree(void);
const char *it_debian_tree(void);
/* bookworm with systemd-container: machined runs in it. */
const char *it_debian_machined_tree(void);
void it_require_root(void);

/* Criterion .init / .fini for every integration test. */
void it_setup(void);
void it_teardown(void);
/* Run hook at the next it_teardown, before anything else it does (last
 * registered first); registering the same hook twice runs it once. */
void it_on_teardown(void (*hook)(void));

struct it_result {
        int status;             /* exit status, or 128+N after death by signal N; -1: timed out */
        char *out;              /* stdout, NUL-terminated */
        char *err;              /* stderr */
};

/* Run argv (NULL-terminated) with stdin from /dev/null, capture both outputs;
 * kill it after timeout_sec. */
struct it_result it_run(int timeout_sec, char *const argv[]);
/* The same with berth as argv[0]: it_berth_run(10, "-D", tree, "--", "true", NULL). */
struct it_result it_berth_run(int timeout_sec, ...) __attribute__((sentinel));
void it_result_free(struct it_result *r);

/* berth -D TREE [OPTIONS...] -- /bin/sh -c SCRIPT to its end, killed after
 * timeout_sec: it_berth_sh(60, tree, "echo hi", "--ephemeral", NULL). */
struct it_result it_berth_sh(int timeout_sec, const char *tree, const char *script, ...) __attribute__((sentinel));

/* SIGKILL to the launcher pid of machine name, then wait for it and for
 * its machine's PID 1, which goes with it: what a killed berth leaves. */
void it_kill_launcher(pid_t pid, const char *name);
/* A shell command's standard output (its stderr dropped). */
char *it_sh_out(const char *cmd);
/* Its output once it prints nothing, polling for up to tries * 20 ms (for
 * what the kernel removes a moment later); the last output otherwise. */
char *it_sh_until_empty(const char *cmd, int tries);
/* text into path, asserted. */
void it_write_text(const char *path, const char *text);
/* /etc/berth/NAME.berth of this test (BERTH_CONFIG_DIR set to its
 * directory). */
void it_etc_file(const char *machine, const char *text);
/* A shell command on the host (printf-style), asserted to succeed. */
void it_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Start berth in the background (stdout/stderr to files in it.dir);
 * returns its PID. */
pid_t it_berth_spawn(const char *log_name, ...) __attribute__((sentinel));
/* A shell command in the background (/bin/sh -c CMD, its own stdin
 * redirections), output to LOG_NAME.out/.err in it.dir, killed at
 * teardown if still running; returns its PID for it_wait. */
pid_t it_spawn_sh(const char *log_name, const char *cmd);
/* Wait for a spawned berth; returns its status as it_run does. */
int it_wait(pid_t pid, int timeout_sec);
/* Wait until the machine's state file says STATE=state (e.g. "running"). */
bool it_wait_state(const char *machine, const char *state, int timeout_sec);
/* A value from the machine's state file (machine_state_read), spelled as
 * the file has it, or NULL. */
char *it_state_get(const char *machine, const char *key);
/* Run a command inside a running machine (nsenter into its leader). */
struct it_result it_exec_in(const char *machine, int timeout_sec, const char *shell_command);
/* The whole file, or NULL; a NUL byte in it is written \0 (also in it_run's
 * outputs and the spawn logs), so that the text stays one C string. */
char *it_read_file(const char *path);
/* The output of a command inside a running machine, which must succeed;
 * and the same compared with expected. */
char *it_inside(const char *machine, const char *cmd);
void it_assert_inside_eq(const char *machine, const char *cmd, const char *expected);
/* Entries of a directory other than . and .., or -1 when it is missing. */
int it_count_entries(const char *dir);
/* The layers in STATEDIR/layers/sha256 (0 when there is none). */
int it_count_layers(void);
/* The newlines in s (NULL: none): a one-line message has 1. */
size_t it_count_lines(const char *s);

/* "Nothing left behind": no mount mentioning the tree, the test directory
 * or berth's runtime directory; no cgroup berth-NAME in any hierarchy; no
 * state or lock file; no process of berth with that machine name. Returns a
 * description of the first leftover found, or NULL. */
char *it_leftovers(const char *machine, const char *tree);
/* The test fails, saying what, when it_leftovers finds anything. */
void it_assert_clean(const char *machine, const char *tree);

/* A manifest of a tree: path, type, mode, owner, size, content hash, link
 * target of every entry, sorted. Compare two with strcmp. */
char *it_tree_manifest(const char *tree);

/* A writable copy-free tree for tests that need to change the base: a
 * fresh directory holding a copy of the busybox tree. */
char *it_copy_busybox(void);
/* The same with /sbin/init replaced by a shell script (unlinked first: the
 * cached tree's file stays), for an init that does what a test needs. */
char *it_busybox_with_init(const char *script);

/* CLOCK_MONOTONIC in seconds, for measuring how long something took. */
double it_now(void);
/* The log of a berth started with it_berth_spawn: stream is "out" or "err". */
char *it_spawn_log(const char *log_name, const char *stream);
/* Wait until that log contains needle; false after timeout_sec. */
bool it_wait_log(const char *log_name, const char *stream, const char *needle, int timeout_sec);
/* A process (other than this one) with an argument containing needle:
 * a description of the first found, or NULL. */
char *it_process_with_arg(const char *needle);

/* What the current test's machines said: the console (NAME.out) and log
 * (NAME.err) of every berth it_berth_spawn started, berthd's log, the
 * console in every boot-test report (*.json) in it.dir, and each machine
 * that still runs with its state file and its processes (PID, state, wchan,
 * command); each under a one-line header naming the file, control
 * characters escaped, the last 400 lines of each file. */
char *it_consoles(void);
/* Print that to stderr under a line naming the test and saying why: the
 * waiting helpers do when they give up. Once a test (later calls print only
 * the line); a test that fails without it has it printed as it ends (by
 * the runner: consoles.c). */
void it_print_consoles(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For it_setup and it_berth_spawn (consoles.c). */
void it_consoles_setup(void);
void it_consoles_spawned(const char *log_name);

/* A program on a PTY of the test's (forkpty), for what needs a terminal:
 * what it printed so far is in out. */
struct it_pty {
        pid_t pid;
        int fd;
        char out[65536];
        size_t len;
};

void it_pty_start(struct it_pty *s, char *const argv[]);
/* Read until the output has needle; false after timeout_sec. */
bool it_pty_expect(struct it_pty *s, const char *needle, int timeout_sec);
void it_pty_send(struct it_pty *s, const char *text);
/* Wait for the program to end (reading what it still says): its status as
 * it_wait's; killed after timeout_sec, -1. */
int it_pty_finish(struct it_pty *s, int timeout_sec);
