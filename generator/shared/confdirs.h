/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The files of a config directory that the admin, the running system and
 * the vendor each fill (modprobe.d, modules-load.d), as systemd's
 * conf_files_list and util-linux's ul_configs_file_list see them: dirs in
 * order of priority (/etc, /run, /usr/lib), a name in one hiding the same
 * name in every later one, so that /etc/modprobe.d/x.conf replaces the
 * vendor's x.conf and a link of it to /dev/null masks it. Directory by
 * directory, each one's names in byte order (dir_names_sorted: not the
 * locale's collation), every one that keep accepts (NULL: all).
 *
 * Read under the root; a directory that cannot be read counts as empty.
 * *ret holds the files as the booted system names them, "DIR/NAME" without
 * the root, NULL-terminated (NULL itself when there are none); free it with
 * dir_names_free. 0, or -ENOMEM. */
int confdirs_list(const char *const *dirs, size_t n_dirs,
                  bool (*keep)(const char *name, void *userdata), void *userdata, char ***ret,
                  size_t *ret_n);
