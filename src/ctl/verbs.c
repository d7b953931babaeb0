/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verb table: what berthctl can do, and its --help, from one place. */
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "verbs.h"

const struct verb verbs[] = {
        { "list", "", 0, 0, OPT_JSON | OPT_LEGEND,
          "List the machines berthd knows (the default verb)", verb_list },
        { "list-images", "", 0, 0, OPT_JSON | OPT_LEGEND,
          "List the images of berthd's store (trees, raw disk images, layered)", verb_list_images },
        { "image-status", "NAME...", 1, VERB_ANY, OPT_JSON,
          "Show an image's kind, size, times and layers", verb_image_status },
        { "show-image", "NAME...", 1, VERB_ANY, OPT_JSON | OPT_PROPERTY | OPT_ALL,
          "Show an image's properties as KEY=VALUE lines", verb_show_image },
        { "clone", "NAME NEW", 2, 2, OPT_READ_ONLY,
          "Clone an image: a layered one at once, naming the same\nlayers; a tree or disk image copied", verb_clone },
        { "rename", "NAME NEW", 2, 2, 0, "Rename an image", verb_rename },
        { "read-only", "NAME [BOOL]", 1, 2, 0, "Mark an image read-only, or writable again with no",
          verb_read_only },
        { "remove", "NAME...", 1, VERB_ANY, 0,
          "Remove images, and the layers no other image names", verb_remove },
        { "import-tar", "FILE|- NAME", 2, 2, 0,
          "Import a tarball (- for standard input) as the tree image NAME", verb_import_tar, 1 },
        { "import-fs", "DIR NAME", 2, 2, 0,
          "Copy a tree (reflinks where the file system has them)\nas the tree image NAME", verb_import_fs, 1 },
        { "import-raw", "FILE NAME", 2, 2, 0, "Copy a raw GPT disk image as the image NAME", verb_import_raw, 1 },
        { "import-oci", "DIR|FILE NAME", 2, 2, 0,
          "Import an OCI layout or docker/podman save archive as\nthe layered image NAME", verb_import_oci, 1 },
        { "export-tar", "NAME [FILE|-]", 1, 2, 0,
          "Write an image's tree as a tarball, compressed as FILE's\nname says (.gz .xz .zst .bz2)", verb_export_tar, 0,
          1 },
        { "list-transfers", "", 0, 0, OPT_LEGEND, "List the imports and copies berthd runs", verb_list_transfers },
        { "cancel-transfer", "ID...", 1, VERB_ANY, 0, "Cancel an import; nothing of it is left",
          verb_cancel_transfer, VERB_ANY },
        { "status", "NAME...", 1, VERB_ANY, OPT_JSON | OPT_FULL,
          "Show a machine's state, times and processes", verb_status },
        { "top", "[NAME...]", 0, VERB_ANY, OPT_TOP | OPT_LEGEND,
          "The machines' CPU, memory, tasks and I/O, refreshed\n(as systemd-cgtop)", verb_top },
        { "show", "[NAME...]", 0, VERB_ANY, OPT_JSON | OPT_PROPERTY | OPT_ALL | OPT_EFFECTIVE,
          "Show a machine's properties, or berthd's, as KEY=VALUE lines", verb_show },
        { "start", "NAME...", 1, VERB_ANY, OPT_WAIT | OPT_TIMEOUT,
          "Start a machine from its image", verb_start },
        { "enable", "NAME...", 1, VERB_ANY, OPT_NOW,
          "Start machines at boot (berth@NAME.service in\nmachines.target); --now: and now", verb_enable },
        { "disable", "NAME...", 1, VERB_ANY, OPT_NOW,
          "No more at boot; --now: and power them off", verb_disable },
        { "wait", "NAME...", 1, VERB_ANY, OPT_STATE | OPT_TIMEOUT,
          "Wait until machines are running (or --state says)", verb_wait },
        { "poweroff", "NAME...", 1, VERB_ANY, 0,
          "Ask a machine's init to power off", verb_poweroff },
        { "reboot", "NAME...", 1, VERB_ANY, 0,
          "Ask a machine's init to reboot", verb_reboot },
        { "terminate", "NAME...", 1, VERB_ANY, 0,
          "Kill a machine at once", verb_terminate },
        { "freeze", "NAME...", 1, VERB_ANY, 0,
          "Stop every process of a machine where it is (the\ncgroup freezer)", verb_freeze },
        { "thaw", "NAME...", 1, VERB_ANY, 0,
          "Let a frozen machine run on", verb_thaw },
        { "set-property", "NAME PROPERTY=VALUE...", 2, VERB_ANY, OPT_RUNTIME,
          "Change a running machine's limits (MemoryMax=, CPUQuota=,\n"
          "TasksMax=, AllowedCPUs=, IOWeight=, ...) at once, and in\n"
          "its settings file unless --runtime", verb_set_property, 0, 1 },
        { "kill", "NAME...", 1, VERB_ANY, OPT_KILL,
          "Send a signal to a machine's processes", verb_kill },
        { "shell", "[USER@]NAME [COMMAND [ARG...]]", 1, 1, OPT_UID | OPT_SETENV,
          "Run a shell or a command in a machine; exit with its status", verb_shell },
        { "logs", "NAME", 1, 1, OPT_LOGS,
          "Show a machine's journal, read by the machine's own\njournalctl", verb_logs },
        { "copy-to", "NAME SRC [DST]", 2, 3, OPT_FORCE | OPT_MKDIR,
          "Copy a host file or tree into a running machine", verb_copy_to, 0, 1 },
        { "copy-from", "NAME SRC [DST]", 2, 3, OPT_FORCE | OPT_MKDIR,
          "Copy a file or tree out of a running machine", verb_copy_from, 0, 1 },
        { "bind", "NAME SRC [DST]", 2, 3, OPT_READ_ONLY | OPT_MKDIR,
          "Mount a host directory or file into a running machine", verb_bind, 0, 1 },
        { "unbind", "NAME DST", 2, 2, 0, "Take a mount out of a running machine", verb_unbind, 0, 1 },
        { "login", "NAME", 1, 1, 0,
          "Log in on a machine, on a new login prompt", verb_login },
        {}
};

struct option_help {
        unsigned flag;          /* 0: a global option */
        const char *option;
        const char *help;
};

static const struct option_help option_help[] = {
        { 0, "-h --help", "Show this help; VERB --help: the verb's" },
        { 0, "   --version", "Show the version" },
        { 0, "-H --host=[USER@]HOST", "Talk to berthd on HOST, over SSH" },
        { 0, "-M --machine=NAME", "Talk to berthd inside machine NAME, on its bus" },
        { 0, "-q --quiet", "No informational lines (shell, login)" },
        { 0, "   --no-pager", "Accepted; berthctl never pages" },
        { OPT_LEGEND, "   --no-legend", "No column headers, no summary line" },
        { OPT_JSON, "   --json[=short|pretty|off]", "JSON output (short: one line; off: text)" },
        { OPT_FULL, "-l --full", "Process lines not cut to the terminal's width" },
        { OPT_PROPERTY, "-p --property=NAME[,NAME...]", "Only these properties (repeatable)" },
        { OPT_PROPERTY, "   --value", "Only the values, without NAME=" },
        { OPT_ALL, "-a --all", "Empty properties too" },
        { OPT_EFFECTIVE, "   --effective", "The settings a start would use, and their sources" },
        { OPT_WAIT, "   --wait", "Return once the machine is running" },
        { OPT_TIMEOUT, "   --timeout=SEC", "Give up waiting after SEC seconds (0: never)" },
        { OPT_STATE, "   --state=STATE", "opening, running (the default), closing or gone" },
        { OPT_KILL, "   --kill-whom=leader|all", "Signal PID 1 only, or every process" },
        { OPT_KILL, "-s --signal=SIGNAL", "The signal, a name or number (SIGTERM)" },
        { OPT_UID, "   --uid=USER", "The user, when no USER@ is given (root)" },
        { OPT_SETENV, "-E --setenv=NAME[=VALUE]", "Set a variable for the command (NAME alone: ours)" },
        { OPT_READ_ONLY, "   --read-only", "The clone is marked read-only; bind: a read-only mount" },
        { OPT_LOGS, "-f --follow", "Go on showing new entries" },
        { OPT_LOGS, "-n --lines=N", "The last N entries (all: every one)" },
        { OPT_LOGS, "-u --unit=UNIT", "The entries of one unit" },
        { OPT_NOW, "   --now", "Start or power off as well" },
        { OPT_RUNTIME, "   --runtime", "set-property: leave the settings file alone" },
        { OPT_TOP, "   --order=cpu|memory|tasks|io|name", "top: sort by (cpu)" },
        { OPT_TOP, "-d --delay=SEC", "top: seconds between refreshes (1)" },
        { OPT_TOP, "   --iterations=N", "top: stop after N refreshes" },
        { OPT_TOP, "-b --batch", "top: one table after the other, no screen control" },
        { OPT_FORCE, "   --force", "Replace what the destination names" },
        { OPT_MKDIR, "   --mkdir", "Make the destination (and its missing parents)" },
        {}
};

static const char *const option_names[] = {
        "--json", "--no-legend", "--property", "--wait", "--kill-whom", "--all", "--full", "--uid", "--setenv",
        "--effective", "--read-only", "--timeout", "--state", "--force", "--mkdir", "--follow", "--now",
        "--runtime", "--order",
};

const struct verb *verb_find(const char *name)
{
        if (!name)
                name = "list";
        for (const struct verb *v = verbs; v->name; v++)
                if (streq(v->name, name))
                        return v;
        return NULL;
}

const char *verb_option_name(unsigned flag)
{
        for (size_t i = 0; i < sizeof(option_names) / sizeof(option_names[0]); i++)
                if (flag == 1u << i)
                        return option_names[i];
        return "?";
}

void verb_list_for_option(unsigned flag, char *buf, size_t size)
{
        size_t total = 0, seen = 0, n = 0;

        for (const struct verb *v = verbs; v->name; v++)
                if (v->options & flag)
                        total++;
        buf[0] = 0;
        for (const struct verb *v = verbs; v->name && n < size; v++) {
                if (!(v->options & flag))
                        continue;
                seen++;
                n += (size_t) snprintf(buf + n, size - n, "%s%s",
                                       seen == 1 ? "" : seen == total ? " and " : ", ", v->name);
        }
}

static void option_line(FILE *f, const struct option_help *o)
{
        if (strlen(o->option) > 28)
                fprintf(f, "  %s\n  %-28s  %s\n", o->option, "", o->help);
        else
                fprintf(f, "  %-28s  %s\n", o->option, o->help);
}

/* The global options and those of flags; all: every option, under a
 * heading naming the verbs it belongs to. */
static void options_help(FILE *f, unsigned flags, bool all)
{
        char verbs_buf[128], last[128] = "";

        for (const struct option_help *o = option_help; o->option; o++) {
                if (o->flag && !all && !(o->flag & flags))
                        continue;
                if (all && o->flag) {
                        /* One heading for the options of the same verbs. */
                        verb_list_for_option(o->flag, verbs_buf, sizeof(verbs_buf));
                        if (!streq(verbs_buf, last))
                                fprintf(f, "\nOptions of %s:\n", verbs_buf);
                        snprintf(last, sizeof(last), "%s", verbs_buf);
                }
                option_line(f, o);
        }
}

void verbs_help(FILE *f)
{
        fprintf(f, "%s [OPTIONS...] [VERB] [NAME...]\n\n"
                "Manage the machines berthd runs: list and inspect them, start and stop them.\n\n"
                "Verbs:\n", program_invocation_short_name);
        for (const struct verb *v = verbs; v->name; v++) {
                char usage[64];

                snprintf(usage, sizeof(usage), "%s %s", v->name, v->args);
                fprintf(f, "  %-28s  ", usage);
                /* A help of two lines: the second under the first. */
                for (const char *h = v->help; *h; h++)
                        if (*h == '\n')
                                fprintf(f, "\n  %-28s  ", "");
                        else
                                fputc(*h, f);
                fputc('\n', f);
        }
        fprintf(f, "\nOptions:\n");
        options_help(f, 0, true);
        fprintf(f, "\nSee berthctl(1).\n");
}

void verb_help(FILE *f, const struct verb *v)
{
        fprintf(f, "%s [OPTIONS...] %s%s%s\n\n%s.\n\nOptions:\n", program_invocation_short_name, v->name,
                *v->args ? " " : "", v->args, v->help);
        options_help(f, v->options, false);
        fprintf(f, "\nSee berthctl(1).\n");
}
