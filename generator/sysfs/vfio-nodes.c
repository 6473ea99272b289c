/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"
#include "vfio-nodes.h"

bool driver_is_vfio(const char *driver)
{
        return driver && strstr(driver, "vfio");
}

bool iommufd_present(void)
{
        _cleanup_free_ char *p = root_path("/dev/iommu");
        struct stat st;

        return p && stat(p, &st) == 0;
}

/* The group's node exists once a function of the group is bound to VFIO. */
static int group_node(const struct pci_fn *f, char **ret)
{
        static const char *const forms[] = { "/dev/vfio/%d", "/dev/vfio/noiommu-%d" };

        for (size_t i = 0; i < ELEMENTSOF(forms); i++) {
                _cleanup_free_ char *node = strdup_printf(forms[i], f->iommu_group);
                _cleanup_free_ char *full = NULL;
                struct stat st;

                if (!node || !(full = root_path(node)))
                        return -ENOMEM;
                if (stat(full, &st) == 0) {
                        *ret = TAKE_PTR(node);
                        return 0;
                }
        }
        return 0;
}

/* vfio-dev/vfioX below the function: the kernel's name of its cdev. */
static int cdev_node(int fn_dir, char **ret)
{
        struct dirent *de;
        DIR *d;
        int r = 0;

        d = opendir_at(fn_dir, "vfio-dev");
        if (!d)
                return 0;
        while ((de = readdir(d)))
                if (strncmp(de->d_name, "vfio", 4) == 0 && de->d_name[4]) {
                        *ret = strdup_printf("/dev/vfio/devices/%s", de->d_name);
                        r = *ret ? 0 : -ENOMEM;
                        break;
                }
        closedir(d);
        return r;
}

int vfio_nodes_read(int fn_dir, const struct pci_fn *f, struct vfio_nodes *ret)
{
        _cleanup_close_ int own = -1;
        struct vfio_nodes v = { 0 };
        int r;

        *ret = v;
        /* Both exist only while a VFIO driver has the function. */
        if (!driver_is_vfio(f->driver))
                return 0;
        if (fn_dir < 0) {
                _cleanup_free_ char *path = host_fn_path(f);

                if (!path)
                        return -ENOMEM;
                own = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                fn_dir = own;
        }
        if (f->iommu_group >= 0) {
                r = group_node(f, &v.group);
                if (r < 0)
                        return r;
        }
        if (fn_dir >= 0) {
                r = cdev_node(fn_dir, &v.cdev);
                if (r < 0) {
                        vfio_nodes_done(&v);
                        return r;
                }
        }
        *ret = v;
        return 0;
}

void vfio_nodes_done(struct vfio_nodes *v)
{
        free(v->group);
        free(v->cdev);
        v->group = v->cdev = NULL;
}
