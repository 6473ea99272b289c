/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <time.h>

#include "wait.h"

static void sleep_ms(unsigned ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

        /* a signal cuts a sleep short: sleep the rest */
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

bool wait_until(bool (*ready)(void *userdata), void *userdata, unsigned timeout_ms,
                unsigned step_ms, unsigned *slept_ms)
{
        if (step_ms == 0)
                step_ms = 1;
        for (unsigned slept = 0;; slept += step_ms) {
                if (ready(userdata))
                        return true;
                if (slept >= timeout_ms)
                        return false;
                sleep_ms(step_ms);
                if (slept_ms)
                        *slept_ms += step_ms;
        }
}
