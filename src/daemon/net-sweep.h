/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a launcher killed by SIGKILL left of a machine's network (its
 * packet rules, a zone bridge no machine uses, its address and port
 * claims, the marker
 * RUNTIMEDIR/net/rules-NAME that says so), removed by berth-net down as
 * the next start of the name would: for every marker whose machine no
 * launcher runs (name NULL), or for that machine's. */
void net_sweep(const char *name);
