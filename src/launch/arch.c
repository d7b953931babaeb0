/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "arch.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "tree.h"
#include "util.h"

#define BINFMT_DIR "/proc/sys/fs/binfmt_misc"

/* The architecture berth itself was built for: the host's. */
#if defined(__x86_64__)
#  define HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#  define HOST_MACHINE EM_AARCH64
#elif defined(__i386__)
#  define HOST_MACHINE EM_386
#elif defined(__arm__)
#  define HOST_MACHINE EM_ARM
#elif defined(__riscv)
#  define HOST_MACHINE EM_RISCV
#elif defined(__powerpc64__)
#  define HOST_MACHINE EM_PPC64
#elif defined(__s390x__)
#  define HOST_MACHINE EM_S390
#elif defined(__loongarch__)
#  define HOST_MACHINE EM_LOONGARCH
#else
#  define HOST_MACHINE (-1)     /* not known here: no check */
#endif

/* e_machine of an ELF header, in the header's byte order; -1: not ELF. */
static int elf_machine(const unsigned char h[20])
{
        if (memcmp(h, ELFMAG, SELFMAG) != 0)
                return -1;
        return h[EI_DATA] == ELFDATA2MSB ? (h[18] << 8) | h[19] : h[18] | (h[19] << 8);
}

static const char *machine_name(int m)
{
        switch (m) {
        case EM_X86_64: return "x86-64";
        case EM_386: return "i386";
        case EM_AARCH64: return "aarch64";
        case EM_ARM: return "arm";
        case EM_RISCV: return "riscv";
        case EM_PPC64: return "ppc64";
        case EM_PPC: return "ppc";
        case EM_S390: return "s390x";
        case EM_MIPS: return "mips";
        case EM_LOONGARCH: return "loongarch";
        default: return NULL;
        }
}

static int hexval(char c)
{
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Bytes of a "magic"/"mask" line of a binfmt_misc entry (hex). */
static size_t parse_hex(const char *s, unsigned char *out, size_t max)
{
        size_t n = 0;
        while (n < max && hexval(s[0]) >= 0 && hexval(s[1]) >= 0) {
                out[n++] = (unsigned char) (hexval(s[0]) << 4 | hexval(s[1]));
                s += 2;
        }
        return n;
}

/* An enabled binfmt_misc entry whose magic matches an ELF header with
 * this e_machine (what qemu-user-static registers). */
static bool binfmt_takes(const unsigned char header[20])
{
        _cleanup_(closedirp) DIR *d = opendir(BINFMT_DIR);
        struct dirent *de;

        if (!d)
                return false;
        while ((de = readdir(d))) {
                char path[300], *text = NULL;
                unsigned char magic[128], mask[128];
                size_t n = 0, nm = 0;
                unsigned offset = 0;
                bool enabled = false;

                if (de->d_name[0] == '.' || streq(de->d_name, "register") || streq(de->d_name, "status"))
                        continue;
                snprintf(path, sizeof(path), BINFMT_DIR "/%s", de->d_name);
                if (read_file_at(AT_FDCWD, path, &text, 4096) < 0)
                        continue;
                for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                        if (streq(l, "enabled"))
                                enabled = true;
                        else if (startswith(l, "offset "))
                                offset = (unsigned) atoi(l + 7);
                        else if (startswith(l, "magic "))
                                n = parse_hex(l + 6, magic, sizeof(magic));
                        else if (startswith(l, "mask "))
                                nm = parse_hex(l + 5, mask, sizeof(mask));
                }
                free(text);
                if (!enabled || n == 0 || offset + n > 20)
                        continue;
                bool match = true;
                for (size_t i = 0; i < n && match; i++) {
                        unsigned char m = i < nm ? mask[i] : 0xff;
                        match = (header[offset + i] & m) == (magic[i] & m);
                }
                if (match)
                        return true;
        }
        return false;
}

int tree_program_runs_here(int tree_fd, const char *path, char *what, size_t what_size, char *host, size_t host_size)
{
        _cleanup_close_ int fd = tree_open(tree_fd, path, O_RDONLY);
        unsigned char header[20];
        int m;

        /* Unreadable: the exec will say what is wrong. */
        if (HOST_MACHINE < 0 || fd < 0 || pread(fd, header, sizeof(header), 0) != (ssize_t) sizeof(header))
                return 0;
        m = elf_machine(header);
        if (m < 0 || m == HOST_MACHINE || (HOST_MACHINE == EM_X86_64 && m == EM_386) || binfmt_takes(header))
                return 0;
        snprintf(what, what_size, "%s", machine_name(m) ?: "another architecture");
        snprintf(host, host_size, "%s", machine_name(HOST_MACHINE) ?: "this architecture");
        return -ENOEXEC;
}
