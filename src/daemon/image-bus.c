/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "image-bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bus-util.h"
#include "cleanup.h"
#include "layers.h"
#include "log.h"
#include "manager.h"
#include "store.h"
#include "util.h"

#define IMAGE_IFACE "org.berth.machine1.Image"

static int image_of_path(const char *path, struct image_info *ret)
{
        _cleanup_free_ char *name = NULL;

        /* berthd's own objects, and machined's names of them (machined-bus.c). */
        if (sd_bus_path_decode(path, IMAGE_PREFIX, &name) <= 0 &&
            sd_bus_path_decode(path, MACHINED_IMAGE_PREFIX, &name) <= 0)
                return -ENOENT;
        return image_get(name, ret);
}

int bus_image_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                   sd_bus_error *error)
{
        struct image_info im;

        if (image_of_path(path, &im) < 0)
                return 0;
        *found = userdata;
        return 1;
}

static int enumerate_images(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error)
{
        _cleanup_free_ struct image_info *list = NULL;
        size_t n = 0;
        int r = image_list(&list, &n);

        if (r < 0)
                return r;
        char **l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (sd_bus_path_encode(IMAGE_PREFIX, list[i].name, &l[i]) < 0) {
                        strv_free(l);
                        return -ENOMEM;
                }
        *nodes = l;
        return 1;
}

/* A layered image's layers, bottom to top; none for the other kinds. */
static int append_layers(sd_bus_message *reply, const struct image_info *im)
{
        struct layer_list l = {};
        unsigned line;
        int r = im->type == IMAGE_LAYERED ? layers_read(im->path, &l, &line) : 0;

        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "s");
        for (size_t i = 0; r >= 0 && i < l.n; i++)
                r = sd_bus_message_append(reply, "s", l.digest[i]);
        layer_list_done(&l);
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

int bus_image_property(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct image_info im;
        int r = image_of_path(path, &im);

        if (r < 0)
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_IMAGE, "image is gone");
        if (streq(property, "Name"))
                return sd_bus_message_append(reply, "s", im.name);
        if (streq(property, "Type"))
                return sd_bus_message_append(reply, "s", image_type_to_string(im.type));
        if (streq(property, "Path"))
                return sd_bus_message_append(reply, "s", im.path);
        if (streq(property, "ReadOnly"))
                return sd_bus_message_append(reply, "b", im.read_only);
        if (streq(property, "Usage") || streq(property, "UsageExclusive"))
                return sd_bus_message_append(reply, "t", im.usage);
        if (streq(property, "Layers"))
                return append_layers(reply, &im);
        if (streq(property, "CreationTimestamp"))
                return sd_bus_message_append(reply, "t", im.crtime);
        return sd_bus_message_append(reply, "t", im.mtime);
}

int bus_list_images(sd_bus_message *msg, const char *prefix, sd_bus_error *error)
{
        _cleanup_free_ struct image_info *list = NULL;
        sd_bus_message *reply = NULL;
        size_t n = 0;
        int r = image_list(&list, &n);

        if (r < 0)
                return sd_bus_error_set_errnof(error, -r, "listing the images: %s", strerror(-r));
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssbttto)");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                _cleanup_free_ char *path = NULL;
                r = sd_bus_path_encode(prefix, list[i].name, &path);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "(ssbttto)", list[i].name, image_type_to_string(list[i].type),
                                                  list[i].read_only, list[i].crtime, list[i].mtime, list[i].usage,
                                                  path);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

int bus_method_list_images(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return bus_list_images(msg, IMAGE_PREFIX, error);
}

int bus_get_image(sd_bus_message *msg, const char *prefix, sd_bus_error *error)
{
        _cleanup_free_ char *path = NULL;
        struct image_info im;
        const char *name;
        int r = sd_bus_message_read(msg, "s", &name);

        if (r < 0)
                return r;
        r = image_get(name, &im);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "not an image name: %s", name);
        if (r < 0)
                return sd_bus_error_setf(error, BERTH_ERROR_NO_SUCH_IMAGE, "no image %s", name);
        r = sd_bus_path_encode(prefix, im.name, &path);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "o", path);
}

int bus_method_get_image(sd_bus_message *msg, void *userdata, sd_bus_error *error)
{
        return bus_get_image(msg, IMAGE_PREFIX, error);
}

static const sd_bus_vtable image_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", bus_image_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Type", "s", bus_image_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Path", "s", bus_image_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ReadOnly", "b", bus_image_property, 0, 0),
        SD_BUS_PROPERTY("Usage", "t", bus_image_property, 0, 0),
        SD_BUS_PROPERTY("Layers", "as", bus_image_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("CreationTimestamp", "t", bus_image_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ModificationTimestamp", "t", bus_image_property, 0, 0),
        SD_BUS_VTABLE_END
};

int image_bus_setup(sd_bus *bus, struct manager *m)
{
        int r = sd_bus_add_fallback_vtable(bus, NULL, IMAGE_PREFIX, IMAGE_IFACE, image_vtable, bus_image_find, m);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(bus, NULL, IMAGE_PREFIX, enumerate_images, m);
}
