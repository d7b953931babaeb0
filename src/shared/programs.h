/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Where berth's programs are: berth (the launcher) and its helpers
 * berth-stub, berth-bus, berth-net, berth-image, berth-import and
 * berth-boot-test, and berth-oci. In the build tree they sit in src/launch
 * (berth-import in src/image, berth-oci in src/oci), berthd in src/daemon;
 * once installed berth and berth-oci are in BINDIR, berthd in SBINDIR, the
 * helpers in LIBEXECDIR/berth. For berth, an
 * absolute path in BERTH_LAUNCHER overrides. A copy beside the running
 * program wins over an installed one, so that a build tree runs its own.
 * -EINVAL for a name that is none of berth's programs; else the error of
 * the last place tried. */
int program_find(const char *name, char **ret);

/* The options berthd starts a machine's launcher with (besides its tree
 * and name), for berthctl show --effective to show the same. */
#define BERTHD_START_OPTIONS "--boot", "--console=passive"
