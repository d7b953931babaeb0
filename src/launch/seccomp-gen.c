/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-seccomp-gen CPU_FAMILY OUTPUT.c: the machine's default system-call
 * filter, built with libseccomp at build time and written out as C arrays
 * of BPF instructions (one for a machine with a user namespace, one for a
 * machine without), so that a machine's start loads a ready program
 * instead of building it (which costs about as much as the rest of the
 * start: see syscall-filter.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "cleanup.h"
#include "seccomp-build.h"

static int write_program(FILE *f, const char *name, const uint32_t *arches, size_t n_arches, bool userns)
{
        const struct seccomp_spec spec = { .caps = caps_default(), .userns = userns };
        _cleanup_free_ struct sock_filter *insns = NULL;
        size_t n;
        int r = seccomp_build(&spec, arches, n_arches, &insns, &n);

        if (r < 0)
                return r;
        fprintf(f, "static const struct sock_filter %s_insns[%zu] = {\n", name, n);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "\t{ 0x%04x, %u, %u, 0x%08x },\n", insns[i].code, insns[i].jt, insns[i].jf,
                        insns[i].k);
        fprintf(f, "};\nconst struct seccomp_program %s = { .insns = %s_insns, .len = %zu };\n\n", name, name, n);
        return 0;
}

int main(int argc, char **argv)
{
        uint32_t arches[4];
        size_t n_arches;
        FILE *f;
        int r;

        if (argc != 3) {
                fprintf(stderr, "usage: berth-seccomp-gen CPU_FAMILY OUTPUT.c\n");
                return 2;
        }
        n_arches = seccomp_arches(argv[1], arches);
        f = fopen(argv[2], "we");
        if (!f) {
                fprintf(stderr, "berth-seccomp-gen: %s: %s\n", argv[2], strerror(errno));
                return 1;
        }
        fprintf(f, "/* Made by berth-seccomp-gen %s: the default system-call filters. */\n"
                   "#include <linux/filter.h>\n\n#include \"syscall-filter.h\"\n\n"
                   "const uint64_t seccomp_default_caps = 0x%llxULL;\n\n",
                argv[1], (unsigned long long) caps_default());
        r = write_program(f, "seccomp_default_userns", arches, n_arches, true);
        if (r >= 0)
                r = write_program(f, "seccomp_default_no_userns", arches, n_arches, false);
        if (fclose(f) != 0 && r >= 0)
                r = -errno;
        if (r < 0) {
                fprintf(stderr, "berth-seccomp-gen: building the default filter: %s\n", strerror(-r));
                remove(argv[2]);
                return 1;
        }
        return 0;
}
