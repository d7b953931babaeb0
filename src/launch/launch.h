/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "settings.h"

/* Run the machine the settings describe, from checks to teardown; returns
 * berth's exit status. */
int launch_run(const struct settings *s);
