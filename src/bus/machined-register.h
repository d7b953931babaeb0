/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* berth-bus register|unregister ARGS (machined-register.c). */
int machined_register_main(int argc, char **argv, bool unregister);
