/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "k8sname.h"

static bool is_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool k8s_name_valid(const char *s, size_t len)
{
        if (len == 0 || len > K8S_NAME_MAX || !is_alnum(s[0]) || !is_alnum(s[len - 1]))
                return false;
        for (size_t i = 0; i < len; i++)
                if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
                        return false;
        return true;
}

bool k8s_prefix_valid(const char *s, size_t len)
{
        size_t label = 0;

        if (len == 0 || len > K8S_PREFIX_MAX)
                return false;
        for (size_t i = 0; i <= len; i++) {
                char c = i < len ? s[i] : '.';

                if (c == '.') {
                        /* a label begins and ends with a letter or digit */
                        if (label == 0 || s[i - 1] == '-' || label > K8S_NAME_MAX)
                                return false;
                        label = 0;
                        continue;
                }
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && label)))
                        return false;
                label++;
        }
        return true;
}

bool k8s_qualified_valid(const char *s)
{
        const char *slash = strchr(s, '/');

        if (!slash)
                return false;
        return k8s_prefix_valid(s, (size_t)(slash - s)) &&
               k8s_name_valid(slash + 1, strlen(slash + 1));
}

bool k8s_label_value_valid(const char *s)
{
        return !*s || k8s_name_valid(s, strlen(s));
}

void k8s_name_from_text(const char *text, size_t len, char out[static K8S_NAME_MAX + 1])
{
        size_t n = 0;
        bool gap = false;

        for (size_t i = 0; i < len && n < K8S_NAME_MAX; i++) {
                char c = text[i];

                if (!is_alnum(c) && c != '-' && c != '.') {
                        gap = n > 0;
                        continue;
                }
                if (gap && n + 1 >= K8S_NAME_MAX)
                        break;
                if (gap)
                        out[n++] = '_';
                gap = false;
                out[n++] = c;
        }
        /* no '-' or '.' at the end either */
        while (n && !is_alnum(out[n - 1]))
                n--;
        out[n] = '\0';
        /* nor at the start */
        while (out[0] && !is_alnum(out[0]))
                memmove(out, out + 1, strlen(out));
}
