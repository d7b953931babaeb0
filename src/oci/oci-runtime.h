/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berth-oci features: what it implements, as runc's features JSON. */
int oci_print_features(void);
/* berth-oci spec [--bundle DIR]: a default config.json there. */
int oci_write_default_spec(int argc, char **argv);
/* For runc run in the foreground: the container's process stays ours. */
int prctl_subreaper(void);
/* Wait for the container's process (a child of ours), delete the
 * container, and return its exit status (128+N for a signal N). */
int oci_wait_and_delete(const char *root, const char *id);
