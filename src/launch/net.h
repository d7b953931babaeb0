/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Bring up the loopback device of the current network namespace. */
int net_loopback_up(void);
