/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hashtab.h"
#include "nameset.h"
#include "testlib.h"

/* FNV-1a's published vectors: the hash the tables index by is the real one. */
static void test_fnv1a(void **state)
{
        (void)state;
        assert_int_equal(hash_string(""), 0x811c9dc5u);
        assert_int_equal(hash_string("a"), 0xe40c292cu);
        assert_int_equal(hash_string("foobar"), 0xbf9cf968u);
        assert_int_equal(hash_bytes("foobar", 3), hash_string("foo"));
        /* a bijection: neighbours stay apart */
        assert_int_not_equal(hash_u32(1), hash_u32(2));
        assert_int_not_equal(hash_u32(0x00010000), hash_u32(0x00020000));
}

static const char *const *names_v;

static bool same_name(const void *ctx, size_t value, const void *key)
{
        (void)ctx;
        return strcmp(names_v[value], key) == 0;
}

/* Keys of the caller's, found through thousands of values and several
 * growths; a key that collides (one hash for all) is still told apart by
 * same(), and the table stays at most three quarters full. */
static void test_values_by_key(void **state)
{
        enum { N = 5000 };
        static char buf[N][16];
        static const char *v[N];
        struct hashtab t = { 0 };
        size_t value = 0;

        (void)state;
        for (size_t i = 0; i < N; i++) {
                snprintf(buf[i], sizeof(buf[i]), "vm-%zu", i);
                v[i] = buf[i];
        }
        names_v = v;
        for (size_t i = 0; i < N; i++)
                assert_int_equal(hashtab_add(&t, hash_string(v[i]), same_name, NULL, v[i], i, NULL),
                                 0);
        assert_int_equal(t.used, N);
        assert_true(4 * t.used <= 3 * t.size);
        for (size_t i = 0; i < N; i++) {
                assert_int_equal(hashtab_get(&t, hash_string(v[i]), same_name, NULL, v[i], &value),
                                 1);
                assert_int_equal(value, i);
                assert_int_equal(hashtab_add(&t, hash_string(v[i]), same_name, NULL, v[i], 7, &value),
                                 1);
                assert_int_equal(value, i);
        }
        assert_int_equal(hashtab_get(&t, hash_string("vm-x"), same_name, NULL, "vm-x", NULL), 0);
        assert_int_equal(hashtab_add(&t, 1, same_name, NULL, "x", UINT32_MAX, NULL), -ENOMEM);
        hashtab_free(&t);
        assert_null(t.slots);

        /* every key under one hash */
        for (size_t i = 0; i < 100; i++)
                assert_int_equal(hashtab_add(&t, 42, same_name, NULL, v[i], i, NULL), 0);
        for (size_t i = 0; i < 100; i++) {
                assert_int_equal(hashtab_get(&t, 42, same_name, NULL, v[i], &value), 1);
                assert_int_equal(value, i);
        }
        /* without same(), equal hashes are one key; clear keeps the memory */
        hashtab_clear(&t);
        assert_int_equal(t.used, 0);
        assert_non_null(t.slots);
        assert_int_equal(hashtab_add(&t, 42, NULL, NULL, NULL, 0, NULL), 0);
        assert_int_equal(hashtab_add(&t, 42, NULL, NULL, NULL, 1, &value), 1);
        assert_int_equal(value, 0);
        assert_int_equal(hashtab_get(&t, 43, NULL, NULL, NULL, NULL), 0);
        hashtab_free(&t);
        /* an empty table finds nothing */
        assert_int_equal(hashtab_get(&t, 42, NULL, NULL, NULL, NULL), 0);
}

static const char *name_at(const void *ctx, size_t i)
{
        return ((const char *const *)ctx)[i];
}

static void test_nameset(void **state)
{
        static const char *const v[] = { "gpu", "nic", "gpu" };
        struct nameset s = NAMESET_INIT(name_at, v);
        size_t at = 9;

        (void)state;
        assert_int_equal(nameset_add(&s, v[0], 0, NULL), 0);
        assert_int_equal(nameset_add(&s, v[1], 1, NULL), 0);
        assert_int_equal(nameset_add(&s, v[2], 2, &at), 1);
        assert_int_equal(at, 0);
        assert_int_equal(nameset_get(&s, "nic", &at), 1);
        assert_int_equal(at, 1);
        assert_int_equal(nameset_get(&s, "usb", NULL), 0);
        nameset_free(&s);
        assert_int_equal(nameset_get(&s, "gpu", NULL), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fnv1a),
                cmocka_unit_test(test_values_by_key),
                cmocka_unit_test(test_nameset),
        };

        return cmocka_run_group_tests_name("hashtab", tests, NULL, NULL);
}
