/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The compiled-in directories, overridable for tests through
 * BERTH_STATE_DIR and BERTH_RUNTIME_DIR. */
const char *berth_state_dir(void);
const char *berth_runtime_dir(void);
