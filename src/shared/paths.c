/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "paths.h"

#include <stdlib.h>

#include "config.h"

static const char *env_or(const char *name, const char *fallback)
{
        const char *e = getenv(name);

        return e && e[0] == '/' ? e : fallback;
}

const char *berth_state_dir(void)
{
        return env_or("BERTH_STATE_DIR", BERTH_STATE_DIR);
}

const char *berth_runtime_dir(void)
{
        return env_or("BERTH_RUNTIME_DIR", BERTH_RUNTIME_DIR);
}
