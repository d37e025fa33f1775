/* test_charset.c - bytes of declared, wrong and missing charsets to UTF-8.
 *
 * The byte strings were produced with Python's codecs (the comment beside
 * each says what text and codec), never written by hand. The cases pair
 * a mislabel that must be corrected with a correct label that must be left
 * alone, because the guesser's danger is "fixing" text that was right.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "charset.h"

static void assert_converts(const char *bytes, const char *label, const char *expected)
{
    char *s = mk_charset_to_utf8(bytes, strlen(bytes), label);
    assert_string_equal(s, expected);
    free(s);
}

static void assert_header(const char *raw, const char *expected)
{
    char *s = mk_charset_decode_header(raw, strlen(raw));
    assert_string_equal(s, expected);
    free(s);
}

/* "お知らせ：ログイン" in EUC-JP and Shift_JIS */
static const char euc_notice[] = "\xA4\xAA\xC3\xCE\xA4\xE9\xA4\xBB\xA1\xA7\xA5\xED\xA5\xB0\xA5\xA4\xA5\xF3";
static const char sjis_notice[] = "\x82\xA8\x92\x6D\x82\xE7\x82\xB9\x81\x46\x83\x8D\x83\x4F\x83\x43\x83\x93";

static void test_correct_labels_are_kept(void **state)
{
    (void)state;
    /* "您的账户已被冻结" in GBK: real Chinese under a GB label stays Chinese */
    assert_converts("\xC4\xFA\xB5\xC4\xD5\xCB\xBB\xA7\xD2\xD1\xB1\xBB\xB6\xB3\xBD\xE1", "gbk",
                    "您的账户已被冻结");
    /* "café déjà" in Latin-1 */
    assert_converts("\x63\x61\x66\xE9\x20\x64\xE9\x6A\xE0", "ISO-8859-1", "café déjà");
    /* "안녕하세요" in EUC-KR */
    assert_converts("\xBE\xC8\xB3\xE7\xC7\xCF\xBC\xBC\xBF\xE4", "ks_c_5601-1987", "안녕하세요");
    assert_converts(euc_notice, "EUC-JP", "お知らせ：ログイン");
    assert_converts(sjis_notice, "Shift_JIS", "お知らせ：ログイン");
    assert_converts("plain ascii", "x-made-up-charset", "plain ascii");
}

static void test_mislabels_and_missing_labels(void **state)
{
    (void)state;
    assert_converts(sjis_notice, "gb2312", "お知らせ：ログイン");
    assert_converts(sjis_notice, "utf-8", "お知らせ：ログイン");
    assert_converts(sjis_notice, NULL, "お知らせ：ログイン");
    assert_converts(euc_notice, "", "お知らせ：ログイン");
    assert_converts(euc_notice, "us-ascii", "お知らせ：ログイン");
    /* "お知らせ" in ISO-2022-JP, labelled as something else */
    assert_converts("\x1B\x24\x42\x24\x2A\x43\x4E\x24\x69\x24\x3B\x1B\x28\x42", "utf-8", "お知らせ");
    assert_converts("\x1B\x24\x42\x24\x2A\x43\x4E\x24\x69\x24\x3B\x1B\x28\x42", NULL, "お知らせ");
    /* an unknown label falls back to guessing */
    assert_converts(sjis_notice, "x-no-such-charset", "お知らせ：ログイン");
}

static void test_output_is_always_utf8(void **state)
{
    (void)state;
    assert_converts("ok \xFF\xFE end", "utf-8", "ok \xEF\xBF\xBD\xEF\xBF\xBD end");
    char *s = mk_charset_to_utf8("a\0b", 3, "utf-8");
    assert_string_equal(s, "a\xEF\xBF\xBD" "b");
    free(s);
    /* "テスト" in UTF-16LE: not ASCII-compatible, decoded by label */
    s = mk_charset_to_utf8("\xC6\x30\xB9\x30\xC8\x30", 6, "UTF-16LE");
    assert_string_equal(s, "テスト");
    free(s);
    /* truncated ISO-2022-JP (half a character) */
    s = mk_charset_to_utf8("\x1B$B$*C", 6, "iso-2022-jp");
    assert_non_null(strstr(s, "お"));
    free(s);
    /* an empty part of a wide charset has no buffer at all (found by fuzz_message) */
    s = mk_charset_to_utf8(NULL, 0, "utf-32");
    assert_string_equal(s, "");
    free(s);
}

static void test_encoded_words(void **state)
{
    (void)state;
    assert_header("=?UTF-8*ja?B?5pel5pys6Kqe?=", "日本語");   /* RFC 2231 language tag */
    assert_header("=?utf-8?q?a_b?= =?utf-8?q?c?=", "a bc");      /* space between words dropped */
    assert_header("x =?utf-8?q?a?= y", "x a y");                 /* kept next to text */
    assert_header("=?utf-8?x?abc?=", "=?utf-8?x?abc?=");         /* unknown encoding: literal */
    assert_header("=?utf-8?b?", "=?utf-8?b?");
    assert_header("", "");
    /* raw ISO-2022-JP in a header, no encoded word */
    assert_header("\x1B\x24\x42\x24\x2A\x43\x4E\x24\x69\x24\x3B\x1B\x28\x42!", "お知らせ!");
}

static void test_mixed_utf8_and_legacy(void **state)
{
    (void)state;
    /* "サ" in UTF-8 followed by "ービス" ... in EUC-JP, as list software leaves it */
    char raw[64];
    strcpy(raw, "\xE3\x82\xB5");
    strcat(raw, euc_notice);
    char *s = mk_charset_decode_header(raw, strlen(raw));
    assert_string_equal(s, "サお知らせ：ログイン");
    free(s);
}

static void test_html_sniffing_and_clipping(void **state)
{
    (void)state;
    const char *html = "<html><head><META http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">";
    char *cs = mk_charset_sniff_html(html, strlen(html));
    assert_string_equal(cs, "Shift_JIS");
    free(cs);
    cs = mk_charset_sniff_html("<meta charset='euc-jp'>", 23);
    assert_string_equal(cs, "euc-jp");
    free(cs);
    assert_null(mk_charset_sniff_html("<p>no declaration</p>", 21));
    const char *jp = "あいう";   /* 9 bytes */
    assert_int_equal(mk_utf8_clip(jp, 9, 100), 9);
    assert_int_equal(mk_utf8_clip(jp, 9, 7), 6);
    assert_int_equal(mk_utf8_clip(jp, 9, 2), 0);
}

/* A header naming a new charset at every word: within a message's budget the
 * first words are converted as labelled, the rest are still decoded (as
 * UTF-8 or guessed) and the budget reports that it ran out; outside a
 * message nothing is rationed. (The names must not have been opened by an
 * earlier test: open converters cost no budget.) */
static void test_decoding_budget(void **state)
{
    (void)state;
    static const char *const names[] = {"ISO-8859-2", "ISO-8859-3", "ISO-8859-4", "ISO-8859-5", "ISO-8859-7",
        "ISO-8859-9", "ISO-8859-10", "ISO-8859-13", "ISO-8859-14", "ISO-8859-15", "ISO-8859-16", "CP437",
        "CP737", "CP775", "CP850", "CP852", "CP855", "CP857", "CP860", "CP861", "CP862", "CP863", "CP865",
        "CP866", "CP869", "CP1250", "CP1251", "CP1253", "CP1254", "CP1255", "CP1256", "CP1257", "CP1258",
        "KOI8-R", "KOI8-U", "MACINTOSH", "TIS-620", "VISCII", "ARMSCII-8", "PT154"};
    size_t n = sizeof names / sizeof *names;
    mk_strbuf h = {0};
    for (size_t i = 0; i < n; i++)
        mk_strbuf_printf(&h, "=?%s?Q?=E9?= x ", names[i]);
    mk_charset_budget_begin();
    char *first = mk_charset_decode_header(h.data, h.len);
    assert_true(mk_charset_budget_end());
    /* converters already open cost nothing; without a budget all open */
    char *unrationed = mk_charset_decode_header(h.data, h.len);
    mk_charset_budget_begin();
    char *small = mk_charset_decode_header("=?ISO-8859-2?Q?=E9?=", 20);
    assert_false(mk_charset_budget_end());
    assert_true(g_utf8_validate(first, -1, NULL));
    assert_true(g_utf8_validate(unrationed, -1, NULL));
    assert_string_equal(small, "\xc3\xa9");
    /* the words within the budget read as labelled */
    assert_memory_equal(first, "\xc3\xa9 x ", 5);
    assert_memory_equal(unrationed, first, 5);
    free(unrationed);
    free(first);
    free(small);
    mk_strbuf_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_correct_labels_are_kept),
        cmocka_unit_test(test_mislabels_and_missing_labels),
        cmocka_unit_test(test_output_is_always_utf8),
        cmocka_unit_test(test_encoded_words),
        cmocka_unit_test(test_mixed_utf8_and_legacy),
        cmocka_unit_test(test_html_sniffing_and_clipping),
        cmocka_unit_test(test_decoding_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
