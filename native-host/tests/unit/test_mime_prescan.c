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
#include <stdbool.h>
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

/* Each spelling after MK_PRESCAN_MAX_BOUNDARIES plain declarations: the ones
 * GMime reads as a boundary must be defused, the others left as they are.
 * GMime ends the parameter list at a malformed parameter, and needs the
 * colon on the field name's line. */
static void test_boundary_spellings(void **state)
{
    (void)state;
    static const struct {
        const char *field;
        bool declares;
    } cases[] = {
        {"Content-Type: multipart/mixed; boundary=\"x\"\r\n", true},
        {"Content-Type: multipart/mixed; boundary =\"x\"\r\n", true},
        {"Content-Type: multipart/mixed; boundary\t= \"x\"\r\n", true},
        {"Content-Type: multipart/mixed; boundary (a comment) = \"x\"\r\n", true},
        {"Content-Type: multipart/mixed; boundary (nested (comment) \\) here) =x\r\n", true},
        {"Content-Type: multipart/mixed; boundary\r\n =\"x\"\r\n", true},
        {"Content-Type: multipart/mixed;\r\n\tboundary\r\n\t=\r\n\t\"x\"\r\n", true},
        {"Content-Type: multipart/mixed; BOUNDARY=x\r\n", true},
        {"content-type  :multipart/mixed;boundary=x\r\n", true},
        {"Content-Type: multipart/mixed; boundary*0=\"x\"; boundary*1=\"y\"\r\n", true},
        {"Content-Type: multipart/mixed; boundary*=''x\r\n", true},
        {"Content-Type: multipart/mixed; boundary * 0 * = x\r\n", true},
        {"Content-Type: multipart (c) / mixed (c) junk; boundary=x\r\n", true},
        {"Content-Type: multipart/mixed; charset=us-ascii; ; boundary=x\r\n", true},
        {"Content-Type: multipart/mixed; charset (unclosed = x; boundary=x\r\n", false},
        {"Content-Type: multipart/mixed; =x boundary=x\r\n", false},
        {"X-Content-Type: multipart/mixed; boundary=x\r\n", false},
        {"Content-Type multipart/mixed; boundary=x\r\n", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *buf = after_the_bound(cases[i].field);
        char *copy = mk_xstrdup(buf);
        size_t len = strlen(buf);
        unsigned unread = mk_mime_prescan(buf, len, 1000);
        assert_int_equal(strlen(buf), len);
        const char *tail = buf + len - strlen(cases[i].field);
        bool defused = strstr(tail, "Xoundary") || strstr(tail, "XOUNDARY");
        if (defused != cases[i].declares)
            fail_msg("spelling %zu %s: %s", i, defused ? "defused" : "escaped the count", tail);
        assert_int_equal((unread & MK_UNREAD_NESTING) != 0, cases[i].declares);
        /* the ones before the bound are untouched */
        assert_memory_equal(buf, copy, (size_t)(tail - buf));
        free(buf);
        free(copy);
    }
}

/* head, then unit n times, then tail. */
static mk_strbuf repeated(const char *head, const char *unit, int n, const char *tail)
{
    mk_strbuf b = {0};
    mk_strbuf_puts(&b, head);
    for (int i = 0; i < n; i++)
        mk_strbuf_puts(&b, unit);
    mk_strbuf_puts(&b, tail);
    return b;
}

/* How many times `lead` is followed by `a`, and by `b`. */
static void count_after(const char *s, const char *lead, char a, char b, size_t *na, size_t *nb)
{
    *na = *nb = 0;
    size_t n = strlen(lead);
    for (const char *p = s; (p = strstr(p, lead)) != NULL; p++) {
        *na += p[n] == a;
        *nb += p[n] == b;
    }
}

static void test_part_budget_defuses_delimiters(void **state)
{
    (void)state;
    mk_strbuf b = repeated("Content-Type: multipart/mixed; boundary=p\r\n\r\n", "--p\r\n\r\nx\r\n", 20, "--p--\r\n");
    assert_true(mk_mime_prescan(b.data, b.len, 5) & MK_UNREAD_PARTS);
    size_t kept, defused;
    count_after(b.data, "\n-", '-', ' ', &kept, &defused);
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
    mk_strbuf b = repeated("Content-Disposition: attachment; filename=\"", "=?iso-8859-2?Q?a?= ",
                           MK_PRESCAN_MAX_ENCODED_WORDS + 3, "\"\r\nSubject: =?utf-8?Q?b?=\r\n");
    assert_true(mk_mime_prescan(b.data, b.len, 10) & MK_UNREAD_HEADER_DECODING);
    size_t left, defused;
    count_after(b.data, "=", '?', '_', &left, &defused);
    assert_int_equal(defused, 3);
    assert_int_equal(left, MK_PRESCAN_MAX_ENCODED_WORDS + 1);   /* the Subject is no MIME field */
    mk_strbuf_free(&b);
}

static void test_part_header_blocks_bounded(void **state)
{
    (void)state;
    mk_strbuf b = repeated("Content-Type: multipart/mixed; boundary=p\r\n\r\n--p\r\n", "X-A: b\r\n",
                           MK_PRESCAN_MAX_BLOCK_LINES + 5, "\r\nbody\r\n--p--\r\n");
    size_t len = b.len;
    assert_true(mk_mime_prescan(b.data, b.len, 10) & MK_UNREAD_PART_HEADERS);
    assert_int_equal(strlen(b.data), len);
    /* the block ends after its last allowed line: that line's break is
     * followed by a new one; the lines after it are content, unchanged */
    char *cut = strstr(b.data, "\n\n-A: b\r\n");
    assert_non_null(cut);
    *cut = '\0';
    size_t kept, other;
    count_after(b.data, "\nX-A", ':', '\0', &kept, &other);
    assert_int_equal(kept, MK_PRESCAN_MAX_BLOCK_LINES);
    count_after(cut + 1, "\nX-A", ':', '\0', &kept, &other);
    assert_int_equal(kept, 4);
    mk_strbuf_free(&b);
    /* a short block is left alone */
    char msg[] = "--p\r\nContent-Type: text/plain;\r\n charset=utf-8\r\nX-A: b\r\n\r\nbody\r\n";
    assert_int_equal(mk_mime_prescan(msg, strlen(msg), 10), 0);
}

static void test_long_field_ended(void **state)
{
    (void)state;
    /* folded every 70 bytes: the cut must not land where a fold continues */
    mk_strbuf b = repeated("Content-Disposition: attachment; filename=\"", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n ",
                           2 * MK_PRESCAN_MAX_FIELD / 72, "\"\r\n\r\nbody\r\n");
    size_t len = b.len;
    assert_true(mk_mime_prescan(b.data, b.len, 10) & MK_UNREAD_PART_HEADERS);
    assert_int_equal(strlen(b.data), len);
    char *cut = b.data;   /* the original has CRLF line ends only */
    while ((cut = strchr(cut + 1, '\n')) != NULL && cut[-1] == '\r')
        ;
    assert_non_null(cut);
    assert_true((size_t)(cut - b.data) >= MK_PRESCAN_MAX_FIELD);
    assert_true((size_t)(cut - b.data) < MK_PRESCAN_MAX_FIELD + 80);
    assert_true(cut[1] != ' ' && cut[1] != '\t');
    mk_strbuf_free(&b);
}

/* Only lines GMime would take for a delimiter count: a patch's "--- a/file"
 * is text, and the lines after it are no header block however many. A
 * boundary assembled from RFC 2231 sections is not imitated: then every
 * "--" line counts. */
static void test_delimiters_are_declared_boundaries(void **state)
{
    (void)state;
    mk_strbuf b = repeated("Content-Type: multipart/mixed; boundary=\"=_b (1)\"\r\n\r\n--=_b (1)\t\r\n\r\n"
                           "--- a/file.c\r\n+++ b/file.c\r\n", "+line\r\n", MK_PRESCAN_MAX_BLOCK_LINES + 5,
                           "--=_b (1)--  \r\n");
    char *copy = mk_xstrdup(b.data);
    assert_int_equal(mk_mime_prescan(b.data, b.len, 2), 0);
    assert_string_equal(b.data, copy);
    /* the same with a budget of one delimiter: the closing one is defused */
    assert_true(mk_mime_prescan(b.data, b.len, 1) & MK_UNREAD_PARTS);
    assert_non_null(strstr(b.data, "\n- =_b (1)--"));
    assert_non_null(strstr(b.data, "\n--- a/file.c"));
    free(copy);
    mk_strbuf_free(&b);
    /* an empty boundary: GMime then splits at bare "--" lines */
    char empty[] = "Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n--  \r\n----\r\n--x\r\n";
    assert_true(mk_mime_prescan(empty, strlen(empty), 2) & MK_UNREAD_PARTS);
    assert_non_null(strstr(empty, "\n- --\r\n--x"));
    char sections[] = "Content-Type: multipart/mixed; boundary*0=b; boundary*1=c\r\n\r\n--bc\r\n--x\r\n--y\r\n";
    assert_true(mk_mime_prescan(sections, strlen(sections), 2) & MK_UNREAD_PARTS);
    assert_non_null(strstr(sections, "\n- y"));
}

/* "--" lines that are text cost GMime a comparison with every open
 * boundary: past the total they lose their second dash, structure intact. */
static void test_dash_lines_bounded(void **state)
{
    (void)state;
    int lines = MK_PRESCAN_MAX_DASH_WORK / MK_PRESCAN_MAX_BOUNDARIES + 10;
    char *head = after_the_bound("");
    mk_strbuf b = repeated(head, "--text\r\n", lines, "");
    mk_mime_prescan(b.data, b.len, 10);
    size_t kept, defused;
    count_after(b.data, "\n-", '-', ' ', &kept, &defused);
    assert_int_equal(defused, 10);
    mk_strbuf_free(&b);
    free(head);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundary_spellings),
        cmocka_unit_test(test_part_budget_defuses_delimiters),
        cmocka_unit_test(test_attached_messages_renamed),
        cmocka_unit_test(test_encoded_words_rationed),
        cmocka_unit_test(test_part_header_blocks_bounded),
        cmocka_unit_test(test_long_field_ended),
        cmocka_unit_test(test_delimiters_are_declared_boundaries),
        cmocka_unit_test(test_dash_lines_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
