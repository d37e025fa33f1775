/* test_mime_prescan.c - the pre-scan that bounds what GMime may build.
 *
 * The boundary count must follow the Content-Type grammar as GMime reads it:
 * every spelling GMime accepts (blanks, comments, folds before or after '=',
 * RFC 2231 sections, odd case, blanks before the colon) counts, so none can
 * be used to open more nested multiparts than the bound. Spellings GMime
 * refuses must not be touched. The part budget defuses delimiter lines past
 * it; attached messages and digests are renamed; the buffer never changes
 * length and nothing outside the bounds changes at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mime_prescan.h"
#include "unread.h"
#include "util.h"

/* MK_PRESCAN_MAX_BOUNDARIES plain declarations, then `extra`. */
static char *after_the_bound(const char *extra)
{
    mk_strbuf b = {0};
    for (int i = 0; i < MK_PRESCAN_MAX_BOUNDARIES; i++)
        mk_strbuf_printf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i);
    mk_strbuf_puts(&b, extra);
    return mk_strbuf_steal(&b);
}

static void test_every_spelling_counts(void **state)
{
    (void)state;
    static const char *const spellings[] = {
        "Content-Type: multipart/mixed; boundary=\"x\"\r\n",
        "Content-Type: multipart/mixed; boundary =\"x\"\r\n",
        "Content-Type: multipart/mixed; boundary\t= \"x\"\r\n",
        "Content-Type: multipart/mixed; boundary (a comment) = \"x\"\r\n",
        "Content-Type: multipart/mixed; boundary (nested (comment) \\) here) =x\r\n",
        "Content-Type: multipart/mixed; boundary\r\n =\"x\"\r\n",
        "Content-Type: multipart/mixed;\r\n\tboundary\r\n\t=\r\n\t\"x\"\r\n",
        "Content-Type: multipart/mixed; BOUNDARY=x\r\n",
        "content-type  :multipart/mixed;boundary=x\r\n",
        "Content-Type: multipart/mixed; boundary*0=\"x\"; boundary*1=\"y\"\r\n",
        "Content-Type: multipart/mixed; boundary*=''x\r\n",
        "Content-Type: multipart/mixed; boundary * 0 * = x\r\n",
        "Content-Type: multipart (c) / mixed (c) junk; boundary=x\r\n",
        "Content-Type: multipart/mixed; charset=us-ascii; ; boundary=x\r\n",
    };
    for (size_t i = 0; i < sizeof spellings / sizeof *spellings; i++) {
        char *buf = after_the_bound(spellings[i]);
        size_t len = strlen(buf);
        unsigned unread = mk_mime_prescan(buf, len, 1000);
        assert_int_equal(strlen(buf), len);
        const char *tail = buf + len - strlen(spellings[i]);
        if (!strstr(tail, "Xoundary") && !strstr(tail, "XOUNDARY"))
            fail_msg("spelling %zu escaped the count: %s", i, tail);
        assert_true(unread & MK_UNREAD_NESTING);
        /* the ones before the bound are untouched */
        assert_null(strstr(buf, "Xoundary=\"b"));
        free(buf);
    }
}

static void test_refused_spellings_untouched(void **state)
{
    (void)state;
    /* GMime ends the parameter list at a malformed parameter, and needs the
     * colon on the field name's line; neither declares a boundary. */
    static const char *const refused[] = {
        "Content-Type: multipart/mixed; charset (unclosed = x; boundary=x\r\n",
        "Content-Type: multipart/mixed; =x boundary=x\r\n",
        "X-Content-Type: multipart/mixed; boundary=x\r\n",
        "Content-Type multipart/mixed; boundary=x\r\n",
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        char *buf = after_the_bound(refused[i]);
        char *copy = mk_xstrdup(buf);
        mk_mime_prescan(buf, strlen(buf), 1000);
        assert_string_equal(buf, copy);
        free(buf);
        free(copy);
    }
}

static void test_part_budget_defuses_delimiters(void **state)
{
    (void)state;
    mk_strbuf b = {0};
    mk_strbuf_puts(&b, "Content-Type: multipart/mixed; boundary=p\r\n\r\n");
    for (int i = 0; i < 20; i++)
        mk_strbuf_puts(&b, "--p\r\n\r\nx\r\n");
    mk_strbuf_puts(&b, "--p--\r\n");
    unsigned unread = mk_mime_prescan(b.data, b.len, 5);
    assert_true(unread & MK_UNREAD_PARTS);
    size_t kept = 0, defused = 0;
    for (const char *p = b.data; (p = strstr(p, "\n-")) != NULL; p++) {
        kept += p[2] == '-';
        defused += p[2] == ' ';
    }
    assert_int_equal(kept, 5);
    assert_int_equal(defused, 16);
    /* within the budget nothing changes */
    char msg[] = "Content-Type: multipart/mixed; boundary=p\r\n\r\n--p\r\n\r\nx\r\n--p--\r\n";
    assert_int_equal(mk_mime_prescan(msg, strlen(msg), 5), 0);
    assert_non_null(strstr(msg, "--p--"));
    mk_strbuf_free(&b);
}

static void test_attached_messages_renamed(void **state)
{
    (void)state;
    char msg[] = "Content-Type: message/rfc822\r\n"
                 "Content-Type: Message (x) / Global\r\n"
                 "Content-Type: message/news; x=y\r\n"
                 "Content-Type: message/delivery-status\r\n"
                 "Content-Type: multipart/digest; boundary=d\r\n";
    size_t len = strlen(msg);
    assert_int_equal(mk_mime_prescan(msg, len, 10), 0);
    assert_int_equal(strlen(msg), len);
    assert_non_null(strstr(msg, "Content-Type: xessage/rfc822"));
    assert_non_null(strstr(msg, "Content-Type: xessage (x) / Global"));
    assert_non_null(strstr(msg, "Content-Type: xessage/news"));
    assert_non_null(strstr(msg, "Content-Type: message/delivery-status"));
    assert_non_null(strstr(msg, "multipart/xigest"));
}

static void test_encoded_words_rationed(void **state)
{
    (void)state;
    mk_strbuf b = {0};
    mk_strbuf_puts(&b, "Content-Disposition: attachment; filename=\"");
    for (int i = 0; i < MK_PRESCAN_MAX_ENCODED_WORDS + 3; i++)
        mk_strbuf_puts(&b, "=?iso-8859-2?Q?a?= ");
    mk_strbuf_puts(&b, "\"\r\nSubject: =?utf-8?Q?b?=\r\n");
    unsigned unread = mk_mime_prescan(b.data, b.len, 10);
    assert_true(unread & MK_UNREAD_HEADER_DECODING);
    size_t left = 0, defused = 0;
    for (const char *p = b.data; (p = strchr(p, '=')) != NULL; p++) {
        left += p[1] == '?';
        defused += p[1] == '_';
    }
    assert_int_equal(defused, 3);
    assert_int_equal(left, MK_PRESCAN_MAX_ENCODED_WORDS + 1);   /* the Subject is no MIME field */
    mk_strbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_spelling_counts),
        cmocka_unit_test(test_refused_spellings_untouched),
        cmocka_unit_test(test_part_budget_defuses_delimiters),
        cmocka_unit_test(test_attached_messages_renamed),
        cmocka_unit_test(test_encoded_words_rationed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
