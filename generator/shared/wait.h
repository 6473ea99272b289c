/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/* The programs' one bounded wait: asks ready(userdata) until it says yes,
 * sleeping step_ms between two asks, and gives up once it has slept
 * timeout_ms (asking once more at that point). The bound is the time slept,
 * not the time the asks take, so a wait reads the same on a loaded machine
 * and under a sanitizer. True when ready said yes; each sleep is added to
 * *slept_ms, when that is not NULL, so that a caller can tell one bounded
 * wait from one a device. */
bool wait_until(bool (*ready)(void *userdata), void *userdata, unsigned timeout_ms,
                unsigned step_ms, unsigned *slept_ms);
