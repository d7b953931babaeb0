/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "transfer-bus.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-util.h"
#include "image-ops-bus.h"
#include "cleanup.h"
#include "manager.h"
#include "store.h"
#include "transfer.h"
#include "util.h"

#define TRANSFER_PREFIX "/org/berth/machine1/transfer"
#define TRANSFER_IFACE "org.berth.machine1.Transfer"

static void transfer_path(uint32_t id, char *buf, size_t size)
{
        snprintf(buf, size, TRANSFER_PREFIX "/%u", id);
}

static struct transfer *transfer_of_path(struct manager *m, const char *path)
{
        const char *tail = startswith(path, TRANSFER_PREFIX "/") ? path + strlen(TRANSFER_PREFIX "/") : NULL;
        unsigned id;

        return tail && parse_uint(tail, &id) >= 0 ? transfer_find(&m->transfers, id) : NULL;
}

static int find_transfer(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                         sd_bus_error *error)
{
        struct transfer *t = transfer_of_path(userdata, path);
        if (!t)
                return 0;
        *found = t;
        return 1;
}

static int enumerate_transfers(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error)
{
        struct manager *m = userdata;
        _cleanup_strv_ char **l = calloc(1, sizeof(char *));
        char p[96];

        if (!l)
                return -ENOMEM;
        for (struct transfer *t = m->transfers.list; t; t = t->next) {
                transfer_path(t->id, p, sizeof(p));
                if (strv_push(&l, p) < 0)
                        return -ENOMEM;
        }
        *nodes = take_ptr(l);
        return 1;
}

static int property(sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct transfer *t = userdata;

        if (streq(property, "Id"))
                return sd_bus_message_append(reply, "u", t->id);
        if (streq(property, "Type"))
                return sd_bus_message_append(reply, "s", t->type);
        if (streq(property, "Remote"))
                return sd_bus_message_append(reply, "s", t->remote);
        if (streq(property, "Local"))
                return sd_bus_message_append(reply, "s", t->local);
        if (streq(property, "Phase"))
                return sd_bus_message_append(reply, "s", t->phase);
        if (streq(property, "Progress"))
                return sd_bus_message_append(reply, "d", transfer_progress(t));
        if (streq(property, "BytesDone"))
                return sd_bus_message_append(reply, "t", t->bytes);
        if (streq(property, "BytesTotal"))
                return sd_bus_message_append(reply, "t", t->total);
        return sd_bus_message_append(reply, "t", t->files);
}

int bus_transfer_start(sd_bus_message *msg, struct manager *m, const char *verb, const char *source, const char *name,
                       int in_fd, sd_bus_error *error)
{
        return transfer_start_call(msg, m, verb, source, name, in_fd, false, error);
}

int transfer_start_call(sd_bus_message *msg, struct manager *m, const char *verb, const char *source,
                        const char *name, int in_fd, bool wait, sd_bus_error *error)
{
        struct image_info im;
        struct transfer *t;
        char path[96];
        int r = bus_require_root(msg, error);

        if (r < 0)
                return r;
        if ((r = bus_check_machine_name(name, error)) < 0)
                return r;
        if (image_get(name, &im) == 0)
                return sd_bus_error_setf(error, BERTH_ERROR_IMAGE_EXISTS, "image %s exists already (%s)", name,
                                         im.path);
        for (t = m->transfers.list; t; t = t->next)
                if (streq(t->local, name))
                        return sd_bus_error_setf(error, BERTH_ERROR_IMAGE_EXISTS,
                                                 "image %s is being imported already (transfer %u)", name, t->id);
        r = transfer_start(&m->transfers, verb, source, name, in_fd, &t);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "starting berth-import: %s", strerror(-r));
        if (wait) {
                t->waiter = sd_bus_message_ref(msg);
                return 1;       /* answered at the end */
        }
        transfer_path(t->id, path, sizeof(path));
        return sd_bus_reply_method_return(msg, "uo", t->id, path);
}

/* ImportTar, ImportFileSystem (a directory's fd) and ImportRaw (a
 * file's), as importd takes them: berth-import reads what it is handed,
 * "-" on its standard input. */
static int import_fd(sd_bus_message *msg, void *userdata, const char *verb, sd_bus_error *error)
{
        const char *name;
        int fd, r = sd_bus_message_read(msg, "hs", &fd, &name);

        if (r < 0)
                return r;
        return bus_transfer_start(msg, userdata, verb, "-", name, fd, error);
}

int bus_method_import_tar(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return import_fd(msg, userdata, "tar", error);
}

int bus_method_import_fs(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return import_fd(msg, userdata, "fs", error);
}

int bus_method_import_raw(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return import_fd(msg, userdata, "raw", error);
}

int bus_method_export_tar(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        struct image_info im;
        struct transfer *t;
        const char *name;
        char path[96];
        int fd, r = sd_bus_message_read(msg, "sh", &name, &fd);

        if (r < 0 || (r = bus_require_root(msg, error)) < 0)
                return r;
        if ((r = bus_check_machine_name(name, error)) < 0)
                return r;
        if (image_get(name, &im) < 0)
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_IMAGE, "no image %s", name);
        if (im.type == IMAGE_RAW)
                return sd_bus_error_setf(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                         "image %s is a raw disk image: its file is the image (copy it)", name);
        r = transfer_start(&m->transfers, "export-tar", name, "-", fd, &t);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "starting berth-import: %s", strerror(-r));
        transfer_path(t->id, path, sizeof(path));
        return sd_bus_reply_method_return(msg, "uo", t->id, path);
}

int bus_method_import_oci(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        const char *source, *name;
        int r = sd_bus_message_read(msg, "ss", &source, &name);

        if (r < 0)
                return r;
        if (source[0] != '/')
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "not an absolute path: %s", source);
        return bus_transfer_start(msg, userdata, "oci", source, name, -1, error);
}

int bus_method_list_transfers(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        sd_bus_message *reply = NULL;
        char path[96];
        int r = sd_bus_message_new_method_return(msg, &reply);

        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(usssdo)");
        for (struct transfer *t = m->transfers.list; r >= 0 && t; t = t->next) {
                transfer_path(t->id, path, sizeof(path));
                r = sd_bus_message_append(reply, "(usssdo)", t->id, t->type, t->remote, t->local,
                                          transfer_progress(t), path);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

int bus_method_cancel_transfer(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        uint32_t id;
        int r = sd_bus_message_read(msg, "u", &id);

        if (r < 0)
                return r;
        if ((r = bus_require_root(msg, error)) < 0)
                return r;
        struct transfer *t = transfer_find(&m->transfers, id);
        if (!t)
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_TRANSFER, "no transfer %u", id);
        r = transfer_cancel(t);
        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "cancelling transfer %u: %s", id, strerror(-r));
        return sd_bus_reply_method_return(msg, "");
}

static void on_transfer_new(struct transfer *t, void *userdata)
{
        char path[96];
        transfer_path(t->id, path, sizeof(path));
        (void) sd_bus_emit_signal(userdata, MANAGER_PATH, MANAGER_IFACE, "TransferNew", "uo", t->id, path);
}

static void on_transfer_removed(struct transfer *t, const char *result, const char *message, void *userdata)
{
        char path[96];
        transfer_path(t->id, path, sizeof(path));
        if (streq(result, "done") && !startswith(t->type, "export-")) {
                _cleanup_free_ char *image = NULL;
                if (sd_bus_path_encode(IMAGE_PREFIX, t->local, &image) >= 0)
                        (void) sd_bus_emit_signal(userdata, MANAGER_PATH, MANAGER_IFACE, "ImageNew", "so", t->local,
                                                  image);
        }
        (void) sd_bus_emit_signal(userdata, MANAGER_PATH, MANAGER_IFACE, "TransferRemoved", "uoss", t->id, path,
                                  result, message);
        if (t->waiter) {
                /* A caller that waits for the end, as machined's callers do. */
                sd_bus_message *call = t->waiter;
                t->waiter = NULL;
                if (streq(result, "done"))
                        (void) sd_bus_reply_method_return(call, "");
                else
                        (void) sd_bus_reply_method_errorf(call, SD_BUS_ERROR_FAILED, "%s",
                                                          message[0] ? message : result);
                sd_bus_message_unref(call);
        }
        image_bus_collect_layers((struct manager *) ((char *) t->owner - offsetof(struct manager, transfers)), t);
}

static const struct transfer_events bus_events = {
        .transfer_new = on_transfer_new,
        .transfer_removed = on_transfer_removed,
};

static const sd_bus_vtable transfer_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "u", property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Type", "s", property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Remote", "s", property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Local", "s", property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Phase", "s", property, 0, 0),
        SD_BUS_PROPERTY("Progress", "d", property, 0, 0),
        SD_BUS_PROPERTY("BytesDone", "t", property, 0, 0),
        SD_BUS_PROPERTY("BytesTotal", "t", property, 0, 0),
        SD_BUS_PROPERTY("Files", "t", property, 0, 0),
        SD_BUS_VTABLE_END
};

int transfer_bus_setup(sd_bus *bus, struct manager *m)
{
        int r = sd_bus_add_fallback_vtable(bus, NULL, TRANSFER_PREFIX, TRANSFER_IFACE, transfer_vtable, find_transfer,
                                           m);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(bus, NULL, TRANSFER_PREFIX, enumerate_transfers, m);
        if (r < 0)
                return r;
        m->transfers.events = &bus_events;
        m->transfers.userdata = bus;
        return 0;
}
