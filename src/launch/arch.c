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

/* e_machine of an ELF header, in the header's byte order; -1: not ELF. */
static int elf_machine(int fd)
{
        unsigned char h[20];

        if (pread(fd, h, sizeof(h), 0) != (ssize_t) sizeof(h) || memcmp(h, ELFMAG, SELFMAG) != 0)
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
        _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        unsigned char header[20];
        int m, here;

        if (fd < 0 || self < 0)
                return 0;       /* the exec will say what is wrong */
        m = elf_machine(fd);
        here = elf_machine(self);
        if (m < 0 || here < 0 || m == here || (here == EM_X86_64 && m == EM_386))
                return 0;
        if (pread(fd, header, sizeof(header), 0) == (ssize_t) sizeof(header) && binfmt_takes(header))
                return 0;
        snprintf(what, what_size, "%s", machine_name(m) ?: "another architecture");
        snprintf(host, host_size, "%s", machine_name(here) ?: "this architecture");
        return -ENOEXEC;
}
