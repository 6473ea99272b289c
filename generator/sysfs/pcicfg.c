/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pcicfg.h"
#include "util.h"

#define CFG_STATUS 0x06
#define CFG_STATUS_CAP_LIST 0x10
#define CFG_CAP_PTR 0x34
#define CFG_STD_SIZE 256
#define CFG_EXT_SIZE 4096
#define SRIOV_TOTAL_VF 0x0e
#define SRIOV_VF_OFFSET 0x14
#define SRIOV_VF_STRIDE 0x16
#define EXP_DEVCAP 4
#define EXP_DEVCAP_FLR (UINT32_C(1) << 28)
#define AF_CAP 3
#define AF_CAP_TP 0x01  /* Transactions Pending */
#define AF_CAP_FLR 0x02 /* Function Level Reset */
#define PM_CTRL 4
#define PM_CTRL_NO_SOFT_RESET 0x0008

static uint32_t le32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int pcicfg_read_at(int dirfd, const char *name, uint8_t *buf, size_t size)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
        size_t done = 0;

        if (fd < 0)
                return -errno;
        while (done < size) {
                ssize_t n = read(fd, buf + done, size - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                done += (size_t)n;
        }
        return (int)done;
}

int pcicfg_read(const char *bdf, uint8_t *buf, size_t size)
{
        _cleanup_free_ char *path = strdup_printf("%s/sys/bus/pci/devices/%s/config", root_dir(),
                                                  bdf);

        if (!path)
                return -ENOMEM;
        return pcicfg_read_at(AT_FDCWD, path, buf, size);
}

int pcicfg_find_cap(const uint8_t *cfg, size_t len, uint8_t id)
{
        unsigned pos;

        if (len < CFG_STATUS + 2)
                return -ENODATA;
        if (!(cfg[CFG_STATUS] & CFG_STATUS_CAP_LIST))
                return -ENOENT;
        if (len < CFG_STD_SIZE)
                return -ENODATA; /* the unprivileged 64 bytes: the list lies beyond */
        pos = cfg[CFG_CAP_PTR] & ~3u;
        /* 48 capabilities of 4 bytes fill the 192 bytes after the header: a
         * longer walk is a loop. */
        for (unsigned hops = 0; pos; hops++) {
                if (hops >= 48 || pos < 0x40 || pos + 2 > CFG_STD_SIZE)
                        return -EBADMSG;
                if (cfg[pos] == id)
                        return (int)pos;
                if (cfg[pos] == 0xff)
                        return -EBADMSG; /* the function is gone: all ones */
                pos = cfg[pos + 1] & ~3u;
        }
        return -ENOENT;
}

static uint16_t le16(const uint8_t *p)
{
        return (uint16_t)(p[0] | p[1] << 8);
}

int pcicfg_find_ext_cap(const uint8_t *cfg, size_t len, uint16_t id)
{
        unsigned pos = CFG_STD_SIZE;

        if (len < CFG_STD_SIZE)
                return -ENODATA;
        if (len < CFG_STD_SIZE + 4)
                return -ENOENT; /* conventional PCI: no extended space */
        /* Each header takes 4 bytes of the 3840 after the standard space. */
        for (unsigned hops = 0;; hops++) {
                uint32_t h;

                if (hops >= (CFG_EXT_SIZE - CFG_STD_SIZE) / 4 || pos < CFG_STD_SIZE ||
                    pos + 4 > len)
                        return -EBADMSG;
                h = le32(cfg + pos);
                if (h == 0 || h == UINT32_MAX)
                        return -ENOENT; /* no capability at all; all ones: gone */
                if ((h & 0xffff) == id)
                        return (int)pos;
                pos = (h >> 20) & ~3u;
                if (!pos)
                        return -ENOENT;
        }
}

int pcicfg_sriov(const uint8_t *cfg, size_t len, struct pcicfg_sriov *ret)
{
        int pos = pcicfg_find_ext_cap(cfg, len, PCICFG_EXT_CAP_SRIOV);

        if (pos < 0)
                return pos;
        if ((size_t)pos + SRIOV_VF_STRIDE + 2 > len)
                return -EBADMSG;
        ret->total = le16(cfg + pos + SRIOV_TOTAL_VF);
        ret->offset = le16(cfg + pos + SRIOV_VF_OFFSET);
        ret->stride = le16(cfg + pos + SRIOV_VF_STRIDE);
        /* The kernel refuses such a capability too (sriov_init). */
        if (!ret->offset || (ret->total > 1 && !ret->stride))
                return -EBADMSG;
        return 0;
}

int pcicfg_has_flr(const uint8_t *cfg, size_t len)
{
        int pos = pcicfg_find_cap(cfg, len, PCICFG_CAP_EXP);

        if (pos == -ENOENT)
                return 0;
        if (pos < 0)
                return pos;
        if ((size_t)pos + EXP_DEVCAP + 4 > CFG_STD_SIZE)
                return -EBADMSG;
        return (le32(cfg + pos + EXP_DEVCAP) & EXP_DEVCAP_FLR) != 0;
}

int pcicfg_has_af_flr(const uint8_t *cfg, size_t len)
{
        int pos = pcicfg_find_cap(cfg, len, PCICFG_CAP_AF);

        if (pos == -ENOENT)
                return 0;
        if (pos < 0)
                return pos;
        if ((size_t)pos + AF_CAP + 1 > CFG_STD_SIZE)
                return -EBADMSG;
        return (cfg[pos + AF_CAP] & (AF_CAP_TP | AF_CAP_FLR)) == (AF_CAP_TP | AF_CAP_FLR);
}

int pcicfg_reset_methods(const uint8_t *cfg, size_t len, const char *out[static 2])
{
        int n = 0, flr, af;

        /* A list too short to walk (the unprivileged 64 bytes) is unknown; a
         * broken one (a loop, all ones) offers nothing. */
        flr = pcicfg_has_flr(cfg, len);
        if (flr == -ENODATA)
                return flr;
        if (flr > 0)
                out[n++] = "flr";
        af = pcicfg_has_af_flr(cfg, len);
        if (af > 0)
                out[n++] = "af_flr";
        return n;
}

int pcicfg_has_pm_reset(const uint8_t *cfg, size_t len)
{
        int pos = pcicfg_find_cap(cfg, len, PCICFG_CAP_PM);

        if (pos == -ENOENT)
                return 0;
        if (pos < 0)
                return pos;
        if ((size_t)pos + PM_CTRL + 2 > CFG_STD_SIZE)
                return -EBADMSG;
        return !(cfg[pos + PM_CTRL] & PM_CTRL_NO_SOFT_RESET);
}

int pci_fn_has_flr(const char *bdf)
{
        uint8_t cfg[CFG_STD_SIZE];
        int n = pcicfg_read(bdf, cfg, sizeof(cfg));

        return n < 0 ? n : pcicfg_has_flr(cfg, (size_t)n);
}

int pci_fn_has_pm_reset(const char *bdf)
{
        uint8_t cfg[CFG_STD_SIZE];
        int n = pcicfg_read(bdf, cfg, sizeof(cfg));

        return n < 0 ? n : pcicfg_has_pm_reset(cfg, (size_t)n);
}

int pci_fn_sriov(const char *bdf, struct pcicfg_sriov *ret)
{
        _cleanup_free_ uint8_t *cfg = malloc(CFG_EXT_SIZE);
        int n;

        if (!cfg)
                return -ENOMEM;
        n = pcicfg_read(bdf, cfg, CFG_EXT_SIZE);
        return n < 0 ? n : pcicfg_sriov(cfg, (size_t)n, ret);
}

int pci_fn_virtfn(const char *pf, unsigned n, struct pci_addr *ret)
{
        _cleanup_free_ char *path = strdup_printf("/sys/bus/pci/devices/%s/virtfn%u", pf, n);
        _cleanup_free_ char *full = path ? root_path(path) : NULL;
        char target[4096];
        const char *base;
        ssize_t k;

        if (!full)
                return -ENOMEM;
        k = readlink(full, target, sizeof(target) - 1);
        if (k < 0)
                return errno == ENOENT ? -ENOENT : -errno;
        target[k] = '\0';
        base = strrchr(target, '/');
        base = base ? base + 1 : target;
        if (pci_addr_parse(base, ret, NULL) < 0)
                return -EBADMSG;
        return 0;
}
