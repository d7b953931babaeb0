/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The launcher's options, once each (see options.h). */
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config.h"
#include "credentials.h"
#include "journal-link.h"
#include "log.h"
#include "option-parse.h"
#include "paths.h"
#include "util.h"

#define STR(x) STR_(x)
#define STR_(x) #x
#define AT(field) .offset = offsetof(struct settings, field)

/* In --help's order. Section and key as systemd.nspawn(5) spells them
 * where nspawn has the setting. */
const struct option_def option_table[] = {
        { "help", 'h', NULL, NULL, NULL, OPT_RUN, .parse = opt_help, .help = "Show this help" },
        { "version", 0, NULL, NULL, NULL, OPT_RUN, .parse = opt_version, .help = "Show the version" },
        { "quiet", 'q', NULL, NULL, NULL, OPT_RUN, .parse = opt_quiet,
          .help = "Say nothing but warnings and errors" },
        { "name", 'M', "NAME", NULL, NULL, OPT_RUN, .parse = opt_name,
          .help = "Machine name (default: the tree's base name;\nwith --ephemeral, plus a random suffix)" },
        { "machine", 0, "NAME", NULL, NULL, OPT_RUN, "name", .parse = opt_name, .help = "The same as --name" },
        { "settings", 0, "yes|no|trusted|override", NULL, NULL, OPT_RUN, .parse = opt_settings,
          .help = "Read the machine's settings files (yes, the\ndefault), not (no), the image's for every key\n"
                  "(trusted), or let them win over the command line\n(override); see berth(5)" },
        { "show-settings", 0, NULL, NULL, NULL, OPT_RUN, .parse = opt_flag, AT(show_settings),
          .help = "Print the settings the machine would start with\nand where each came from; start nothing" },
        { "directory", 'D', "TREE", "Exec", "Image", OPT_PRIVILEGED, .parse = opt_directory,
          .help = "The base tree, never written (default: the image\nof the machine's name in STATEDIR/images)",
          .default_text = "STATEDIR/images/NAME" },
        { "image", 'i', "FILE", "Files", "Image", OPT_PRIVILEGED, .parse = opt_image,
          .help = "A raw GPT disk image (its root partition, read-only)\nor a layered image (NAME.layers) as the base tree\n(instead of -D)",
          .default_text = "(none)" },
        { "hostname", 0, "NAME", "Exec", "Hostname", 0, .parse = opt_hostname,
          .help = "Hostname inside (default: the machine name)", .default_text = "the machine's name" },
        { "boot", 'b', NULL, "Exec", "Boot", 0, .parse = opt_flag, AT(boot),
          .help = "Run the tree's init as PID 1 (args after --)", .default_text = "no" },
        { "as-pid2", 'a', NULL, "Exec", "ProcessTwo", 0, .parse = opt_flag, AT(as_pid2),
          .help = "The stub init is PID 1, the command PID 2: what\nberth does without --boot",
          .default_text = "no" },
        { "user", 'u', "NAME[:GROUP]", "Exec", "User", 0, .parse = opt_user,
          .help = "Run the command as this user of the machine's\n/etc/passwd (or UID[:GID]); not with --boot",
          .default_text = "root" },
        { "chdir", 0, "DIR", "Exec", "WorkingDirectory", 0, .parse = opt_chdir,
          .help = "The command's working directory in the machine;\nnot with --boot",
          .default_text = "/" },
        { NULL, 0, NULL, "Exec", "Parameters", OPT_LIST, .parse = opt_parameters,
          .default_text = "(none: /bin/bash or /bin/sh, or the init alone)" },
        { "ephemeral", 'x', NULL, "Exec", "Ephemeral", 0, .parse = opt_flag, AT(ephemeral),
          .help = "Writable layer on tmpfs, gone at exit", .default_text = "no" },
        { "upper", 0, "DIR", "Files", "Upper", OPT_PRIVILEGED, .parse = opt_upper,
          .help = "Writable layer in DIR instead of the machine's own",
          .default_text = "STATEDIR/machines/NAME/upper" },
        { "bind", 0, "SRC[:DST[:idmap]]", "Files", "Bind", OPT_PRIVILEGED | OPT_LIST, .parse = opt_bind,
          .default_text = "(none)",
          .help = "Bind-mount a host path into the machine; idmap:\nthe host's IDs 0... show as the machine's 0..." },
        { "bind-ro", 0, "SRC[:DST[:idmap]]", "Files", "BindReadOnly", OPT_PRIVILEGED | OPT_LIST,
          .parse = opt_bind_ro, .help = "Same, read-only", .default_text = "(none)" },
        { "tmpfs", 0, "DST[:OPTIONS]", "Files", "TemporaryFileSystem", OPT_LIST, .parse = opt_tmpfs,
          .default_text = "(none)",
          .help = "Mount an empty tmpfs on DST; OPTIONS: mode=, size=,\nnr_inodes=, uid=, gid=, ro, noexec, ... "
                  "(berth(1))" },
        { "setenv", 'E', "NAME[=VALUE]", "Exec", "Environment", OPT_LIST, .parse = opt_setenv,
          .default_text = "(none)",
          .help = "Set an environment variable for PID 1 (NAME alone:\nthe value berth has, or empty)" },
        { "link-journal", 0, "MODE", "Exec", "LinkJournal", OPT_PRIVILEGED, .parse = opt_link_journal,
          .default_text = "auto",
          .help = "The machine's journal in the host's /var/log/journal:\nno, host, try-host, guest, try-guest or auto" },
        { "set-credential", 0, "ID:VALUE", "Exec", "SetCredential", OPT_LIST | OPT_SECRET,
          .parse = opt_set_credential, .default_text = "(none)",
          .help = "Pass a credential to PID 1 (/run/host/credentials/ID,\nroot's only; a unit's LoadCredential=ID)" },
        { "load-credential", 0, "ID:PATH", "Exec", "LoadCredential", OPT_PRIVILEGED | OPT_LIST,
          .parse = opt_load_credential, .default_text = "(none)",
          .help = "The same, read from the host's file PATH (relative:\none berth was given itself)" },
        { "uuid", 0, "UUID", "Exec", "MachineID", 0, .parse = opt_uuid,
          .help = "Machine UUID (default: kept per machine, or random)", .default_text = "kept, or random" },
        { "console", 0, "MODE", "Exec", "Console", 0, .parse = opt_console,
          .help = "interactive, read-only, passive or pipe",
          .default_text = "interactive on a terminal, else read-only with Boot=, pipe without" },
        { "resolv-conf", 0, "MODE", "Exec", "ResolvConf", 0, .parse = opt_resolv_conf,
          .help = "/etc/resolv.conf: off, copy-, replace- or bind-\n(host|static|uplink|stub), delete or auto",
          .default_text = "auto: off (the machine has its own network)" },
        { "timezone", 0, "MODE", "Exec", "Timezone", 0, .parse = opt_timezone,
          .help = "/etc/localtime: off, copy, bind, symlink, delete\nor auto",
          .default_text = "auto: symlink if the tree has the host's zone, else copy" },
        { NULL, 'U', NULL, NULL, NULL, 0, "private-users", .alias_value = "pick", .parse = opt_U,
          .help = "The same as --private-users=pick (takes no value)" },
        { "private-users", 0, "pick|no|UID[:COUNT]", "Exec", "PrivateUsers", OPT_PRIVILEGED,
          .parse = opt_private_users,
          .help = "The machine's own user namespace and ID range\n(default: pick a free 65536-ID range)",
          .default_text = "pick" },
        { "private-users-ownership", 0, "map|chown", "Files", "PrivateUsersOwnership", OPT_PRIVILEGED,
          .parse = opt_ownership,
          .help = "map: idmapped mount of the tree (default);\nchown: a shifted copy of the tree (slow)",
          .default_text = "map" },
        { "capability", 0, "CAP[,CAP...]", "Exec", "Capability", OPT_PRIVILEGED | OPT_LIST, .parse = opt_capability,
          AT(caps_add), .default_text = "(none: berth's default set, berth(1))",
          .help = "Keep these capabilities too, beyond berth's\ndefault set (all: every one; help: list them)" },
        { "drop-capability", 0, "CAP[,CAP...]", "Exec", "DropCapability", OPT_PRIVILEGED | OPT_LIST,
          .parse = opt_capability, AT(caps_drop), .default_text = "(none)",
          .help = "Drop these capabilities (all: every one)" },
        { "no-new-privileges", 0, "BOOL", "Exec", "NoNewPrivileges", OPT_OPTIONAL_VALUE, .parse = opt_flag,
          AT(no_new_privileges), .default_text = "no",
          .help = "Nothing in the machine gains privileges by\nexec (setuid, file capabilities)" },
        { "cgroup", 0, "auto|systemd|cgroupfs", "Resources", "Cgroup", OPT_PRIVILEGED, .parse = opt_cgroup,
          .help = "How the machine gets its cgroup (default: auto)", .default_text = "auto" },
        { "slice", 0, "SLICE", "Resources", "Slice", OPT_PRIVILEGED, .parse = opt_slice,
          .help = "systemd: the slice of the machine's scope\n(default: machine.slice)",
          .default_text = "machine.slice" },
        { "keep-unit", 0, NULL, "Resources", "KeepUnit", OPT_PRIVILEGED, .parse = opt_flag, AT(keep_unit),
          .help = "systemd: the unit berth runs in is the machine's\n(a Type=notify service with Delegate=yes)",
          .default_text = "no" },
        { "device", 0, "PATH[:rwm]", "Resources", "DeviceAllow", OPT_PRIVILEGED | OPT_LIST, .parse = opt_device,
          .help = "Pass the host's device node PATH into the machine's\n/dev, to read (r), write (w), mknod (m); default rwm",
          .default_text = "(none; with a user namespace /dev/fuse and /dev/net/tun)" },
        { "memory-max", 0, "BYTES", "Resources", "MemoryMax", OPT_PRIVILEGED, .parse = opt_limit,
          .help = "Memory limit (K, M, G, T suffixes)", .default_text = "infinity" },
        { "cpu-quota", 0, "PERCENT", "Resources", "CPUQuota", OPT_PRIVILEGED, .parse = opt_limit,
          .help = "CPU time limit, in percent of one CPU", .default_text = "(none)" },
        { "tasks-max", 0, "N", "Resources", "TasksMax", OPT_PRIVILEGED, .parse = opt_limit,
          .help = "Limit on processes and threads", .default_text = "infinity" },
        { "cpu-affinity", 0, "CPUS", "Exec", "CPUAffinity", 0, .parse = opt_cpu_affinity,
          .help = "The CPUs PID 1 (and so the machine) runs on:\nnumbers and ranges, as 0-3,6",
          .default_text = "berth's own" },
        { "cpu-weight", 0, "WEIGHT", "Resources", "CPUWeight", OPT_PRIVILEGED, .parse = opt_limit,
          .help = "CPU weight, 1-10000 (default 100)", .default_text = "100" },
        { "lxcfs", 0, "auto|yes|no|PATH", "Files", "LXCFS", OPT_PRIVILEGED, .parse = opt_lxcfs,
          .help = "The machine's /proc/meminfo, cpuinfo, stat, uptime, ...\nfrom lxcfs: its own limits and uptime (auto:\n"
                  "where lxcfs runs; PATH: its mount point)",
          .default_text = "auto" },
        { "cpuset-cpus", 0, "CPUS", "Resources", "AllowedCPUs", OPT_PRIVILEGED, .parse = opt_limit,
          .help = "The CPUs the machine's cgroup may use (cpuset),\nas 0-3,6", .default_text = "all" },
        { "cpuset-mems", 0, "NODES", "Resources", "AllowedMemoryNodes", OPT_PRIVILEGED, .parse = opt_limit,
          .help = "The memory nodes it may use (cpuset), as 0-1", .default_text = "all" },
        { "io-weight", 0, "WEIGHT", "Resources", "IOWeight", OPT_PRIVILEGED, .parse = opt_limit,
          .help = "I/O weight, 1-10000 (default 100)", .default_text = "100" },
        { "io-read-bandwidth-max", 0, "'DEV BYTES'", "Resources", "IOReadBandwidthMax", OPT_PRIVILEGED | OPT_LIST,
          .parse = opt_limit, .help = "Cap on reads from block device DEV, bytes/s\n(K, M, G, T: powers of 1000)",
          .default_text = "(none)" },
        { "io-write-bandwidth-max", 0, "'DEV BYTES'", "Resources", "IOWriteBandwidthMax", OPT_PRIVILEGED | OPT_LIST,
          .parse = opt_limit, .help = "Cap on writes to DEV, bytes/s", .default_text = "(none)" },
        { "io-read-iops-max", 0, "'DEV N'", "Resources", "IOReadIOPSMax", OPT_PRIVILEGED | OPT_LIST,
          .parse = opt_limit, .help = "Cap on read operations on DEV per second", .default_text = "(none)" },
        { "io-write-iops-max", 0, "'DEV N'", "Resources", "IOWriteIOPSMax", OPT_PRIVILEGED | OPT_LIST,
          .parse = opt_limit, .help = "Cap on write operations on DEV per second", .default_text = "(none)" },
        { "register", 0, "auto|yes|no", "Exec", "Register", OPT_PRIVILEGED, .parse = opt_register,
          .help = "berthd lists the machine (yes: berthd must run)", .default_text = "auto" },
        { "kill-signal", 0, "SIGNAL", "Exec", "KillSignal", 0, .parse = opt_signal, AT(kill_signal),
          .help = "What PID 1 gets when berth is told to stop", .default_text = "what the init wants" },
        { "poweroff-signal", 0, "SIGNAL", "Exec", "PoweroffSignal", 0, .parse = opt_signal, AT(poweroff_signal),
          .help = "What PID 1 gets for a poweroff (default: what\nits init wants; see berth(1))",
          .default_text = "what the init wants" },
        { "reboot-signal", 0, "SIGNAL", "Exec", "RebootSignal", 0, .parse = opt_signal, AT(reboot_signal),
          .help = "What PID 1 gets for a reboot (the same)", .default_text = "what the init wants" },
        { "private-network", 0, NULL, "Network", "Private", 0, .parse = opt_flag, AT(private_network),
          .help = "Only lo in the machine (the default)", .default_text = "yes" },
        { "network-veth", 'n', NULL, "Network", "VirtualEthernet", OPT_PRIVILEGED, .parse = opt_flag, AT(net.veth),
          .help = "A veth link: ve-NAME on the host, host0 inside,\nwith addresses, NAT out and -p (berth(1))",
          .default_text = "no" },
        { "network-veth-extra", 0, "HOSTIF[:MACHINEIF]", "Network", "VirtualEthernetExtra",
          OPT_PRIVILEGED | OPT_LIST, .parse = opt_network_veth_extra, .default_text = "(none)",
          .help = "Another veth link, not addressed" },
        { "network-bridge", 0, "BRIDGE", "Network", "Bridge", OPT_PRIVILEGED, .parse = opt_network_bridge,
          .help = "The veth's host side (vb-NAME) joins this\nexisting bridge", .default_text = "(none)" },
        { "network-zone", 0, "ZONE", "Network", "Zone", OPT_PRIVILEGED, .parse = opt_network_zone,
          .help = "The veth's host side (vb-NAME) joins bridge\nvz-ZONE, shared by the zone's machines",
          .default_text = "(none)" },
        { "network-interface", 0, "IF", "Network", "Interface", OPT_PRIVILEGED | OPT_LIST,
          .parse = opt_network_interface, .help = "Move the host's interface IF into the machine",
          .default_text = "(none)" },
        { "network-macvlan", 0, "IF", "Network", "MACVLAN", OPT_PRIVILEGED | OPT_LIST, .parse = opt_network_macvlan,
          .help = "A macvlan of the host's IF inside, mv-IF", .default_text = "(none)" },
        { "network-ipvlan", 0, "IF", "Network", "IPVLAN", OPT_PRIVILEGED | OPT_LIST, .parse = opt_network_ipvlan,
          .help = "An ipvlan of the host's IF inside, iv-IF", .default_text = "(none)" },
        { "network-namespace-path", 0, "PATH", "Network", "NamespacePath", OPT_PRIVILEGED,
          .parse = opt_network_namespace_path, .help = "Join this network namespace instead of a new one",
          .default_text = "(a new one)" },
        { "port", 'p', "[tcp|udp:]HOST[:MACHINE]", "Network", "Port", OPT_PRIVILEGED | OPT_LIST, .parse = opt_port,
          .help = "Forward the host's port HOST (from other hosts\nand from 127.0.0.1/::1) to the machine's MACHINE",
          .default_text = "(none)" },
        { "network-rate", 0, "RATE[:BURST]", "Network", "NetworkRate", OPT_PRIVILEGED, .parse = opt_network_rate,
          .help = "Limit the machine's traffic each way to RATE\nbits/s (K, M, G), bursts of BURST bytes",
          .default_text = "(no limit)" },
        { "network-enable-forwarding", 0, NULL, "Network", "EnableForwarding", OPT_PRIVILEGED, .parse = opt_flag,
          AT(net.enable_forwarding), .default_text = "no",
          .help = "Turn the host's IPv4/IPv6 forwarding on if it is off\n(NAT out needs it)" },
        { "network-mac", 0, "MAC", "Network", "MACAddress", OPT_PRIVILEGED, .parse = opt_network_mac,
          .help = "host0's MAC address (a unicast one)", .default_text = "made from the machine's name" },
        { "network-address-pool", 0, "A.B.0.0/16", "Network", "AddressPool", OPT_PRIVILEGED,
          .parse = opt_network_address_pool, .help = "Where the machines' IPv4 addresses come from",
          .default_text = "10.251.0.0/16, or the next /16 free of the host's routes" },
        { "notify-ready", 0, "yes|no", "Exec", "NotifyReady", 0, .parse = opt_notify_ready,
          .help = "yes: READY=1 on berth's NOTIFY_SOCKET once the\nmachine's systemd says READY=1 (the default);\n"
                  "no: once PID 1 runs",
          .default_text = "yes" },
        { "system-call-filter", 0, "[~]CALL|@GROUP ...", "Exec", "SystemCallFilter",
          OPT_PRIVILEGED | OPT_LIST, .parse = opt_system_call_filter,
          .help = "Allow more system calls than the default filter,\nor with ~ fewer; help: list them",
          .default_text = "(the default filter: berth --system-call-filter=help)" },
        { "stop-timeout", 0, "SEC", "Exec", "StopTimeout", 0, .parse = opt_stop_timeout,
          .help = "How long a poweroff may take before the machine\nis killed (default: " STR(
                  BERTH_STOP_TIMEOUT_SEC) ")",
          .default_text = STR(BERTH_STOP_TIMEOUT_SEC) },
};

const size_t option_table_size = ELEMENTSOF(option_table);

const struct option_def *option_by_name(const char *name)
{
        for (size_t i = 0; name && i < option_table_size; i++)
                if (option_table[i].name && streq(option_table[i].name, name))
                        return &option_table[i];
        return NULL;
}

const struct option_def *option_by_short(int c)
{
        for (size_t i = 0; c && i < option_table_size; i++)
                if (option_table[i].short_name == c)
                        return &option_table[i];
        return NULL;
}

const struct option_def *option_by_key(const char *section, const char *key)
{
        for (size_t i = 0; i < option_table_size; i++) {
                const struct option_def *o = &option_table[i];
                if (o->key && streq(o->section, section) && streq(o->key, key))
                        return o;
        }
        return NULL;
}

const struct option_def *option_target(const struct option_def *o)
{
        const struct option_def *t = o->alias ? option_by_name(o->alias) : NULL;

        return t ? t : o;
}

size_t option_index(const struct option_def *o)
{
        return (size_t) (o - option_table);
}

int assignment_parse(struct settings *s, const struct assignment *a)
{
        return (a->as && a->as->parse ? a->as->parse : a->opt->parse)(s, a);
}

char *assignment_describe(const struct assignment *a)
{
        char *s = NULL;
        int r;

        if (a->source == SOURCE_COMMAND_LINE && !a->as->name)
                r = asprintf(&s, "-%c%s%s", a->as->short_name, a->value ? " " : "", a->value ? a->value : "");
        else if (a->source == SOURCE_COMMAND_LINE)
                r = asprintf(&s, "--%s%s%s", a->as->name, a->value ? "=" : "", a->value ? a->value : "");
        else
                r = asprintf(&s, "%s:%u: %s=%s", a->path, a->line, a->opt->key, a->value);
        return r < 0 ? NULL : s;
}

int assignment_invalid(const struct assignment *a, const char *fmt, ...)
{
        _cleanup_free_ char *what = assignment_describe(a), *why = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&why, fmt, ap);
        va_end(ap);
        if (r < 0 || !what)
                return log_oom();
        return log_invalid("%s: %s", what, why);
}

/* One option's lines: names in a column of 28, the text beside them. */
static void help_option(const struct option_def *o)
{
        bool optional = o->flags & OPT_OPTIONAL_VALUE;
        char names[128];
        const char *t = o->help;

        snprintf(names, sizeof(names), "  %c%c %s%s%s%s%s", o->short_name ? '-' : ' ',
                 o->short_name ? o->short_name : ' ', o->name ? "--" : "", o->name ? o->name : "",
                 o->name && o->arg ? (optional ? "[=" : "=") : "", o->name && o->arg ? o->arg : "",
                 o->name && o->arg && optional ? "]" : "");
        if (strlen(names) > 26)
                printf("%s\n%28s", names, "");
        else
                printf("%-28s", names);
        while (t) {
                const char *nl = strchr(t, '\n');
                printf("%.*s\n", nl ? (int) (nl - t) : (int) strlen(t), t);
                t = nl ? nl + 1 : NULL;
                if (t)
                        printf("%28s", "");
        }
}

void options_help(void)
{
        const char *me = program_invocation_short_name;

        printf("%s [OPTIONS...] -D TREE [--boot] [-- COMMAND|INIT-ARGS...]\n"
               "%s [OPTIONS...] -M NAME [--boot] [-- COMMAND|INIT-ARGS...]\n"
               "%s boot-test [OPTIONS...] TREE...   (see %s boot-test --help)\n"
               "%s oci COMMAND [OPTIONS...] ID      (the OCI runtime; see %s oci --help)\n\n"
               "Boot an OS tree, or run a command in it, as a fresh machine on a writable\n"
               "overlay over the read-only tree.\n\n",
               me, me, me, me, me, me);
        for (size_t i = 0; i < option_table_size; i++)
                if (option_table[i].help)
                        help_option(&option_table[i]);
        printf("\nThe options from --directory on are also settings of the machine's file\n"
               "/etc/berth/NAME.berth: berth(5), and --show-settings for their keys.\n"
               "Machines live in %s/machines/NAME; state in %s. See berth(1).\n",
               berth_state_dir(), berth_runtime_dir());
}
