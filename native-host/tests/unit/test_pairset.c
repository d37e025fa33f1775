/* test_pairset.c - the byte-pair filter never hides a phrase that occurs, and
 * rules out phrases that cannot occur, in ASCII and in Japanese UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pairset.h"

static void test_every_substring_may_occur(void **state)
{
    (void)state;
    static const char text[] = "お客様のアカウントは24時間以内に停止されます。verify your account";
    mk_pairset *set = calloc(1, sizeof *set);
    mk_pairset_add(set, text);
    size_t n = strlen(text);
    for (size_t from = 0; from < n; from++) {
        for (size_t len = 1; from + len <= n; len++) {
            char needle[sizeof text];
            memcpy(needle, text + from, len);
            needle[len] = '\0';
            assert_true(mk_pairset_may_contain(set, needle));
        }
    }
    free(set);
}

static void test_absent_phrases_ruled_out(void **state)
{
    (void)state;
    mk_pairset *set = calloc(1, sizeof *set);
    mk_pairset_add(set, "お客様のアカウントは停止されます");
    assert_false(mk_pairset_may_contain(set, "三井住友カード"));
    assert_false(mk_pairset_may_contain(set, "verify"));
    assert_false(mk_pairset_may_contain(set, "アカウントを"));     /* one pair short */
    assert_true(mk_pairset_may_contain(set, "x"));                /* too short to test */
    assert_true(mk_pairset_may_contain(set, ""));
    assert_true(mk_pairset_may_contain(NULL, "anything"));        /* no set: no filter */
    free(set);
}

static void test_several_texts(void **state)
{
    (void)state;
    mk_pairset *set = calloc(1, sizeof *set);
    mk_pairset_add(set, "【重要】ご確認");
    mk_pairset_add(set, "login now");
    mk_pairset_add(set, NULL);
    assert_true(mk_pairset_may_contain(set, "重要"));
    assert_true(mk_pairset_may_contain(set, "login"));
    assert_false(mk_pairset_may_contain(set, "認l"));   /* texts are not joined end to end */
    free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_substring_may_occur),
        cmocka_unit_test(test_absent_phrases_ruled_out),
        cmocka_unit_test(test_several_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
