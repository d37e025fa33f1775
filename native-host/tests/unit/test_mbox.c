/* test_mbox.c - splitting mbox streams: separators only after a blank line,
 * one level of ">From " quoting undone, the framing blank line removed,
 * CRLF files, oversized messages skipped without being buffered, NUL bytes
 * and lines longer than the reader's piece size passed through intact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mbox.h"

static FILE *stream_of(const char *bytes, size_t n)
{
    FILE *f = tmpfile();   /* glibc's fmemopen reserves a byte for a NUL in write modes */
    assert_non_null(f);
    if (n)
        assert_int_equal(fwrite(bytes, 1, n, f), n);
    rewind(f);
    return f;
}

/* Expects the next message to be exactly want (a C string) at position index. */
static void expect_message(mk_mbox *m, const char *want, size_t want_index)
{
    size_t index = 0, len = 0;
    assert_int_equal(mk_mbox_next(m, &index), MK_MBOX_MESSAGE);
    assert_int_equal(index, want_index);
    const char *data = mk_mbox_data(m, &len);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(data, want, len);
}

static void expect_end(mk_mbox *m)
{
    size_t index = 0;
    assert_int_equal(mk_mbox_next(m, &index), MK_MBOX_END);
    assert_int_equal(mk_mbox_next(m, &index), MK_MBOX_END);
}

static void test_detect(void **state)
{
    (void)state;
    FILE *f = stream_of("From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n", 45);
    assert_true(mk_mbox_detect(f));
    assert_int_equal(ftell(f), 0);
    fclose(f);
    f = stream_of("Subject: x\n\nFrom here\n", 22);
    assert_false(mk_mbox_detect(f));
    fclose(f);
    f = stream_of("Fro", 3);
    assert_false(mk_mbox_detect(f));
    fclose(f);
}

static void test_splits_and_unquotes(void **state)
{
    (void)state;
    const char *text = "From a@b Mon Jan  1 00:00:00 2024\n"
                       "Subject: one\n\nbody\n>From the start\n>>From deeper\n\n"
                       "From c@d Mon Jan  1 00:00:01 2024\n"
                       "Subject: two\n\nbody\nFrom inside a paragraph is not a separator\nend\n";
    FILE *f = stream_of(text, strlen(text));
    mk_mbox *m = mk_mbox_open(f, 1 << 20);
    expect_message(m, "Subject: one\n\nbody\nFrom the start\n>From deeper\n", 1);
    assert_true(mk_mbox_has_more(m));
    expect_message(m, "Subject: two\n\nbody\nFrom inside a paragraph is not a separator\nend\n", 2);
    expect_end(m);
    mk_mbox_close(m);
    fclose(f);
}

static void test_from_after_blank_line_in_body_splits(void **state)
{
    (void)state;
    /* An unquoted From after a blank line is a separator by definition. */
    const char *text = "From x\nA: 1\n\nFrom y\nB: 2\n";
    FILE *f = stream_of(text, strlen(text));
    mk_mbox *m = mk_mbox_open(f, 1 << 20);
    expect_message(m, "A: 1\n", 1);
    expect_message(m, "B: 2\n", 2);
    assert_false(mk_mbox_has_more(m));
    expect_end(m);
    mk_mbox_close(m);
    fclose(f);
}

static void test_crlf(void **state)
{
    (void)state;
    const char *text = "From x\r\nA: 1\r\n\r\nbody\r\n\r\nFrom y\r\nB: 2\r\n\r\n";
    FILE *f = stream_of(text, strlen(text));
    mk_mbox *m = mk_mbox_open(f, 1 << 20);
    expect_message(m, "A: 1\r\n\r\nbody\r\n", 1);
    expect_message(m, "B: 2\r\n", 2);
    expect_end(m);
    mk_mbox_close(m);
    fclose(f);
}

static void test_oversized_message_is_skipped(void **state)
{
    (void)state;
    size_t big = 100000;
    char *text = malloc(big + 64);
    size_t n = 0;
    n += (size_t)sprintf(text + n, "From x\nA: 1\n\n");
    memset(text + n, 'z', big);   /* one line far longer than a read piece */
    n += big;
    n += (size_t)sprintf(text + n, "\n\nFrom y\nB: 2\n");
    FILE *f = stream_of(text, n);
    mk_mbox *m = mk_mbox_open(f, 1000);
    size_t index = 0, len = 0;
    assert_int_equal(mk_mbox_next(m, &index), MK_MBOX_TOO_LARGE);
    assert_int_equal(index, 1);
    assert_null(mk_mbox_data(m, &len));
    assert_true(len > 1000);
    expect_message(m, "B: 2\n", 2);
    expect_end(m);
    mk_mbox_close(m);
    fclose(f);
    free(text);
}

static void test_long_lines_and_nul_bytes(void **state)
{
    (void)state;
    size_t body = 20000;
    size_t n = 0;
    char *text = malloc(body + 64);
    n += (size_t)sprintf(text + n, "From x\nA: 1\n\n");
    for (size_t i = 0; i < body; i++)
        text[n + i] = (char)(i % 3 == 0 ? '\0' : 'q');
    n += body;
    text[n++] = '\n';
    FILE *f = stream_of(text, n);
    mk_mbox *m = mk_mbox_open(f, 1 << 20);
    size_t index = 0, len = 0;
    assert_int_equal(mk_mbox_next(m, &index), MK_MBOX_MESSAGE);
    const char *data = mk_mbox_data(m, &len);
    assert_int_equal(len, n - 7);
    assert_memory_equal(data, text + 7, len);
    expect_end(m);
    mk_mbox_close(m);
    fclose(f);
    free(text);
}

static void test_empty_and_headerless(void **state)
{
    (void)state;
    FILE *f = stream_of("", 0);
    mk_mbox *m = mk_mbox_open(f, 100);
    expect_end(m);
    mk_mbox_close(m);
    fclose(f);

    /* Text before the first separator is kept as a message of its own. */
    const char *text = "stray\n\nFrom y\nB: 2\n";
    f = stream_of(text, strlen(text));
    m = mk_mbox_open(f, 100);
    expect_message(m, "stray\n", 1);
    expect_message(m, "B: 2\n", 2);
    expect_end(m);
    mk_mbox_close(m);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_splits_and_unquotes),
        cmocka_unit_test(test_from_after_blank_line_in_body_splits),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_oversized_message_is_skipped),
        cmocka_unit_test(test_long_lines_and_nul_bytes),
        cmocka_unit_test(test_empty_and_headerless),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
