/* Unit tests for phraseset.c: every occurrence of many phrases in one pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "phraseset.h"

typedef struct hits {
    char seen[32][32];   /* "id@start" in the order reported */
    size_t n;
    size_t stop_after;   /* 0: never stop */
} hits;

static bool record(void *ctx, size_t id, size_t start)
{
    hits *h = ctx;
    if (h->n < 32)
        snprintf(h->seen[h->n++], sizeof h->seen[0], "%zu@%zu", id, start);
    return h->stop_after == 0 || h->n < h->stop_after;
}

static mk_phraseset *make(const char *const *phrases)
{
    mk_phraseset *set = mk_phraseset_new();
    for (size_t i = 0; phrases[i]; i++)
        assert_int_equal(mk_phraseset_add(set, phrases[i]), i);
    mk_phraseset_seal(set);
    return set;
}

/* Overlapping phrases, a phrase inside another and the same phrase twice all
 * report, each where it starts, in order of where they end. */
static void test_overlaps_and_suffixes(void **state)
{
    (void)state;
    static const char *const phrases[] = {"he", "she", "his", "hers", "she", "", NULL};
    mk_phraseset *set = make(phrases);
    hits h = {0};
    mk_phraseset_scan(set, "ushers", record, &h);
    assert_int_equal(h.n, 4);
    /* "she" (ids 1 and 4) and "he" end at byte 3, "hers" at byte 5 */
    assert_string_equal(h.seen[3], "3@2");
    for (size_t i = 0; i < 3; i++)
        assert_true(strcmp(h.seen[i], "1@1") == 0 || strcmp(h.seen[i], "4@1") == 0 ||
                    strcmp(h.seen[i], "0@2") == 0);
    assert_int_equal(mk_phraseset_count(set), 6);
    size_t len = 0;
    assert_string_equal(mk_phraseset_phrase(set, 3, &len), "hers");
    assert_int_equal(len, 4);
    mk_phraseset_free(set);
}

/* UTF-8 names are bytes like any other; a miss after a partial match recovers. */
static void test_utf8_and_fallback(void **state)
{
    (void)state;
    static const char *const phrases[] = {"三井住友カード", "三井住友", "えきねっと", "aab", NULL};
    mk_phraseset *set = make(phrases);
    hits h = {0};
    mk_phraseset_scan(set, "【三井住友カード】aaab えきねっ えきねっと", record, &h);
    assert_int_equal(h.n, 4);
    assert_string_equal(h.seen[0], "1@3");
    assert_string_equal(h.seen[1], "0@3");
    assert_string_equal(h.seen[2], "3@28");
    assert_string_equal(h.seen[3], "2@45");
    hits none = {0};
    mk_phraseset_scan(set, "no brand here", record, &none);
    mk_phraseset_scan(set, NULL, record, &none);
    assert_int_equal(none.n, 0);
    mk_phraseset_free(set);
}

static void test_stop_early(void **state)
{
    (void)state;
    static const char *const phrases[] = {"a", NULL};
    mk_phraseset *set = make(phrases);
    hits h = {.stop_after = 2};
    mk_phraseset_scan(set, "aaaaa", record, &h);
    assert_int_equal(h.n, 2);
    mk_phraseset_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlaps_and_suffixes),
        cmocka_unit_test(test_utf8_and_fallback),
        cmocka_unit_test(test_stop_early),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
