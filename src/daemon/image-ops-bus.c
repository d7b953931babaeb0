/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Manager's calls that change images: RemoveImage, RenameImage,
 * MarkImageReadOnly, CloneImage; the ImageNew and ImageRemoved signals
 * they cause. The mechanism is the store's (src/image/store.h); this is
 * the bus side and the check that no running machine uses the image. */
#include "image-ops-bus.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bus-util.h"
#include "cleanup.h"
#include "log.h"
#include "manager.h"
#include "store.h"
#include "transfer-bus.h"
#include "util.h"

static void emit_image(sd_bus_message *msg, const char *signal, const char *name)
{
        _cleanup_free_ char *path = NULL;

        if (sd_bus_path_encode(IMAGE_PREFIX, name, &path) >= 0)
                (void) sd_bus_emit_signal(sd_bus_message_get_bus(msg), MANAGER_PATH, MANAGER_IFACE, signal, "so",
                                          name, path);
}

static bool same_file(const char *a, const char *b)
{
        struct stat sa, sb;

        return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The running machine that uses the image: one started from it, or the
 * machine of its name (whose writable layer goes with the image). */
static struct machine *user_of(struct manager *m, const struct image_info *im)
{
        for (size_t i = 0; i < m->n_machines; i++)
                if (streq(m->machines[i]->name, im->name) || same_file(m->machines[i]->root, im->path))
                        return m->machines[i];
        return NULL;
}

static int store_error(int r, const char *name, const char *doing, sd_bus_error *error)
{
        switch (r) {
        case -ENOENT:
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_IMAGE, "no image %s", name);
        case -EINVAL:
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "not an image name: %s", name);
        case -EEXIST:
                return sd_bus_error_setf(error, BERTH_ERROR_IMAGE_EXISTS, "image %s exists already", name);
        case -EROFS:
                return sd_bus_error_setf(error, BERTH_ERROR_IMAGE_READ_ONLY, "image %s is read-only", name);
        default:
                return sd_bus_error_set_errnof(error, -r, "%s %s: %s", doing, name, strerror(-r));
        }
}

/* The image name, for a change by root that no running machine may see. */
static int image_for_change(sd_bus_message *msg, struct manager *m, const char *name, const char *doing,
                            sd_bus_error *error)
{
        struct image_info im;
        int r = bus_require_root(msg, error);

        if (r < 0)
                return r;
        r = image_get(name, &im);
        if (r < 0)
                return store_error(r, name, doing, error);
        struct machine *user = user_of(m, &im);
        if (user)
                return sd_bus_error_setf(error, BERTH_ERROR_IMAGE_BUSY, "image %s is in use by the running machine %s",
                                         name, user->name);
        return 0;
}

/* Layers no image names: removed now, or once the imports that run are
 * over (one of them may have found a layer it needs in the store). */
void image_bus_collect_layers(struct manager *m, const struct transfer *ending)
{
        _cleanup_strv_ char **keep = calloc(1, sizeof(char *));

        for (struct transfer *t = m->transfers.list; t; t = t->next)
                if (t != ending)
                        return;
        if (!m->layers_gc_pending || !keep)
                return;
        for (size_t i = 0; i < m->n_machines; i++)
                if (m->machines[i]->root && endswith(m->machines[i]->root, ".layers") &&
                    strv_push(&keep, m->machines[i]->root) < 0)
                        return;
        int r = layers_gc(keep);
        if (r > 0)
                log_info("removed %d layer%s no image names", r, r == 1 ? "" : "s");
        m->layers_gc_pending = r < 0;
}

int bus_method_remove_image(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        struct manager *m = userdata;
        const char *name;
        int r = sd_bus_message_read(msg, "s", &name);

        if (r < 0 || (r = image_for_change(msg, m, name, "removing", error)) < 0)
                return r;
        r = image_remove(name);
        if (r < 0)
                return store_error(r, name, "removing", error);
        log_info("image %s removed", name);
        emit_image(msg, "ImageRemoved", name);
        m->layers_gc_pending = true;
        image_bus_collect_layers(m, NULL);
        return sd_bus_reply_method_return(msg, "");
}

int bus_method_rename_image(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        const char *name, *new_name;
        int r = sd_bus_message_read(msg, "ss", &name, &new_name);

        if (r < 0 || (r = image_for_change(msg, userdata, name, "renaming", error)) < 0)
                return r;
        r = image_rename(name, new_name);
        if (r < 0)
                return store_error(r, r == -EEXIST || r == -EINVAL ? new_name : name, "renaming", error);
        log_info("image %s renamed to %s", name, new_name);
        emit_image(msg, "ImageRemoved", name);
        emit_image(msg, "ImageNew", new_name);
        return sd_bus_reply_method_return(msg, "");
}

int bus_method_mark_image_read_only(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        _cleanup_free_ char *path = NULL;
        const char *name;
        int ro, r = sd_bus_message_read(msg, "sb", &name, &ro);

        if (r < 0 || (r = bus_require_root(msg, error)) < 0)
                return r;
        r = image_mark_read_only(name, ro);
        if (r < 0)
                return store_error(r, name, "marking", error);
        if (sd_bus_path_encode(IMAGE_PREFIX, name, &path) >= 0)
                (void) sd_bus_emit_properties_changed(sd_bus_message_get_bus(msg), path, "org.berth.machine1.Image",
                                                      "ReadOnly", NULL);
        return sd_bus_reply_method_return(msg, "");
}

int bus_clone_image(sd_bus_message *msg, struct manager *m, bool wait, sd_bus_error *error)
{
        const char *name, *new_name;
        struct image_info im;
        int ro, r = sd_bus_message_read(msg, "ssb", &name, &new_name, &ro);

        if (r < 0 || (r = bus_require_root(msg, error)) < 0)
                return r;
        if ((r = image_get(name, &im)) < 0)
                return store_error(r, name, "cloning", error);
        if (im.type != IMAGE_LAYERED)
                return transfer_start_call(msg, m, ro ? "clone-ro" : "clone", name, new_name, -1, wait, error);
        r = image_clone_layered(name, new_name, ro);
        if (r < 0)
                return store_error(r, r == -EEXIST || r == -EINVAL ? new_name : name, "cloning", error);
        log_info("image %s cloned to %s", name, new_name);
        emit_image(msg, "ImageNew", new_name);
        if (wait)
                return sd_bus_reply_method_return(msg, "");
        return sd_bus_reply_method_return(msg, "uo", (uint32_t) 0, "/");
}

int bus_method_clone_image(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return bus_clone_image(msg, userdata, false, error);
}
