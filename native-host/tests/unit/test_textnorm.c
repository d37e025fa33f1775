/* Unit tests for textnorm.c: folding and confusable skeletons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "textnorm.h"

static void assert_fold(const char *in, const char *want)
{
    char *got = mk_text_fold(in, strlen(in));
    assert_string_equal(got, want);
    free(got);
}

static void test_fold_width_case_kana(void **state)
{
    (void)state;
    assert_fold("ＳＭＢＣ　カード", "smbc かーど");
    assert_fold("エキネット", "えきねっと");
    assert_fold("ｴｷﾈｯﾄ", "えきねっと");          /* half-width katakana */
    assert_fold("  PayPal\t\n Account  ", "paypal account");
    assert_fold("【ＥＸ予約】", "【ex予約】");
}

/* ASCII text is folded without ICU; the ICU path (taken as soon as the text
 * holds one non-ASCII letter) must agree with it on every ASCII character. */
static void test_fold_ascii_agrees_with_icu(void **state)
{
    (void)state;
    for (int c = 1; c < 128; c++) {
        char plain[2] = {(char)c, '\0'};
        char mixed[6] = {'\xc3', '\xa9', (char)c, '\xc3', '\xa9', '\0'};   /* é c é */
        char *fast = mk_text_fold(plain, 1);
        char *icu = mk_text_fold(mixed, 5);
        assert_true(strlen(icu) >= 4);
        assert_memory_equal(icu, "\xc3\xa9", 2);
        assert_string_equal(icu + strlen(icu) - 2, "\xc3\xa9");
        char middle[8] = {0};
        memcpy(middle, icu + 2, strlen(icu) - 4);
        /* white space between letters stays one space; alone it is trimmed */
        assert_string_equal(middle, fast[0] ? fast : " ");
        free(fast);
        free(icu);
    }
    assert_fold("  Verify YOUR\r\n\r\n Account\f\vNOW ", "verify your account now");
    assert_fold("Caf\xc3\xa9  OPEN", "caf\xc3\xa9 open");
}

static void test_fold_invalid_utf8(void **state)
{
    (void)state;
    const char bad[] = "ab\xff\xfe" "cd";
    char *got = mk_text_fold(bad, sizeof bad - 1);
    assert_non_null(strstr(got, "ab"));
    assert_non_null(strstr(got, "cd"));
    free(got);
    char *empty = mk_text_fold("", 0);
    assert_string_equal(empty, "");
    free(empty);
}

static void test_contains_word_boundaries(void **state)
{
    (void)state;
    assert_true(mk_text_contains("your apple id", "apple"));
    assert_false(mk_text_contains("pineapple juice", "apple"));
    assert_false(mk_text_contains("applet", "apple"));
    assert_true(mk_text_contains("[apple]", "apple"));
    /* Japanese has no spaces: non-ASCII needles match anywhere. */
    assert_true(mk_text_contains("いつもえきねっとをご利用", "えきねっと"));
    assert_true(mk_text_contains("apple-id", "apple"));
}

static void test_skeleton_confusables(void **state)
{
    (void)state;
    char *a = mk_text_skeleton("paypal");
    char *b = mk_text_skeleton("p\xD0\xB0ypal");   /* Cyrillic a */
    assert_string_equal(a, b);
    free(a);
    free(b);
    char *c = mk_text_skeleton("rnicrosoft");
    char *d = mk_text_skeleton("microsoft");
    assert_string_equal(c, d);
    free(c);
    free(d);
}

/* Letters disguised to slip past word filters, and what is ordinary text. */
static void test_disguised_letters(void **state)
{
    (void)state;
    assert_int_equal(mk_text_disguised_letters("\U0001D414\U0001D426\U0001D41F\U0001D42B"), 4);   /* 𝐔𝐦𝐟𝐫 */
    assert_int_equal(mk_text_disguised_letters("P\u0353\u033Dl\u0353\u033De\u0353\u033D"), 3);  /* P͓̽l͓̽e͓̽ */
    assert_int_equal(mk_text_disguised_letters("Promoc\u0327a\u0303o"), 0);   /* NFD accents are spelling */
    assert_int_equal(mk_text_disguised_letters("【重要】お知らせ ＳＭＢＣカード"), 0);
    assert_int_equal(mk_text_disguised_letters("Sale \U0001F389 today"), 0);
    assert_int_equal(mk_text_disguised_letters("caf\xC3"), 0);                  /* invalid UTF-8 */
    assert_int_equal(mk_text_disguised_letters(NULL), 0);
    assert_fold("D\u0353\u033DH\u0353\u033DL\u0353\u033D Express", "dhl express");
    assert_fold("\U0001D403\U0001D407\U0001D40B", "dhl");                    /* 𝐃𝐇𝐋 */
    assert_fold("Promoc\u0327a\u0303o", "promoção");                          /* composed, kept */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disguised_letters),
        cmocka_unit_test(test_fold_width_case_kana),
        cmocka_unit_test(test_fold_ascii_agrees_with_icu),
        cmocka_unit_test(test_fold_invalid_utf8),
        cmocka_unit_test(test_contains_word_boundaries),
        cmocka_unit_test(test_skeleton_confusables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
