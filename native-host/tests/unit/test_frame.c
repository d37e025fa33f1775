/* test_frame.c - the frame reader on every shape of stream: whole frames,
 * back-to-back frames, clean EOF, a stream cut in the length or the body, an
 * empty frame, an oversized frame followed by its body (skipped by discard) and
 * a round trip through the writer. Streams are temporary files, so the same
 * inputs can be fed to a fuzzer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"

/* Builds a stream holding the given bytes. */
static FILE *stream_of(const void *bytes, size_t n)
{
    FILE *f = tmpfile();   /* glibc's fmemopen reserves a byte for a NUL in write modes */
    assert_non_null(f);
    if (n)
        assert_int_equal(fwrite(bytes, 1, n, f), n);
    rewind(f);
    return f;
}

/* Appends a frame (native-endian length + body) to buf at *pos. */
static void put_frame(unsigned char *buf, size_t *pos, const char *body, uint32_t declared)
{
    memcpy(buf + *pos, &declared, 4);
    *pos += 4;
    size_t n = strlen(body);
    memcpy(buf + *pos, body, n);
    *pos += n;
}

static void test_reads_back_to_back_frames(void **state)
{
    (void)state;
    unsigned char buf[64];
    size_t pos = 0;
    put_frame(buf, &pos, "{\"a\":1}", 7);
    put_frame(buf, &pos, "xy", 2);
    FILE *f = stream_of(buf, pos);
    char *data;
    size_t len;
    uint32_t declared;
    assert_int_equal(mk_frame_read(f, 100, &data, &len, &declared), MK_FRAME_OK);
    assert_int_equal(len, 7);
    assert_string_equal(data, "{\"a\":1}");
    free(data);
    assert_int_equal(mk_frame_read(f, 100, &data, &len, &declared), MK_FRAME_OK);
    assert_int_equal(len, 2);
    assert_memory_equal(data, "xy", 2);
    free(data);
    assert_int_equal(mk_frame_read(f, 100, &data, &len, &declared), MK_FRAME_EOF);
    assert_null(data);
    fclose(f);
}

static void test_clean_eof_on_empty_stream(void **state)
{
    (void)state;
    FILE *f = stream_of("", 0);
    char *data;
    size_t len;
    uint32_t declared;
    assert_int_equal(mk_frame_read(f, 100, &data, &len, &declared), MK_FRAME_EOF);
    fclose(f);
}

static void test_truncated_length(void **state)
{
    (void)state;
    FILE *f = stream_of("\x05\x00", 2);
    char *data;
    size_t len;
    uint32_t declared;
    assert_int_equal(mk_frame_read(f, 100, &data, &len, &declared), MK_FRAME_TRUNCATED_LENGTH);
    assert_null(data);
    fclose(f);
}

static void test_truncated_body(void **state)
{
    (void)state;
    unsigned char buf[32];
    size_t pos = 0;
    put_frame(buf, &pos, "abc", 10);
    FILE *f = stream_of(buf, pos);
    char *data;
    size_t len;
    uint32_t declared;
    assert_int_equal(mk_frame_read(f, 100, &data, &len, &declared), MK_FRAME_TRUNCATED_BODY);
    assert_null(data);
    assert_int_equal(len, 3);
    assert_int_equal(declared, 10);
    fclose(f);
}

static void test_empty_frame_keeps_stream_in_step(void **state)
{
    (void)state;
    unsigned char buf[32];
    size_t pos = 0;
    put_frame(buf, &pos, "", 0);
    put_frame(buf, &pos, "ok", 2);
    FILE *f = stream_of(buf, pos);
    char *data;
    size_t len;
    uint32_t declared;
    assert_int_equal(mk_frame_read(f, 100, &data, &len, &declared), MK_FRAME_EMPTY);
    assert_int_equal(mk_frame_read(f, 100, &data, &len, &declared), MK_FRAME_OK);
    assert_string_equal(data, "ok");
    free(data);
    fclose(f);
}

static void test_too_large_then_discard_resynchronises(void **state)
{
    (void)state;
    unsigned char buf[256];
    size_t pos = 0;
    char big[101];
    memset(big, 'x', 100);
    big[100] = '\0';
    put_frame(buf, &pos, big, 100);
    put_frame(buf, &pos, "next", 4);
    FILE *f = stream_of(buf, pos);
    char *data;
    size_t len;
    uint32_t declared;
    assert_int_equal(mk_frame_read(f, 50, &data, &len, &declared), MK_FRAME_TOO_LARGE);
    assert_null(data);
    assert_int_equal(declared, 100);
    assert_int_equal(mk_frame_discard(f, declared), 100);
    assert_int_equal(mk_frame_read(f, 50, &data, &len, &declared), MK_FRAME_OK);
    assert_string_equal(data, "next");
    free(data);
    fclose(f);
}

static void test_discard_stops_at_eof(void **state)
{
    (void)state;
    FILE *f = stream_of("12345", 5);
    assert_int_equal(mk_frame_discard(f, 0xFFFFFFFFu), 5);
    fclose(f);
}

static void test_large_frame_grows_buffer(void **state)
{
    (void)state;
    size_t n = 300 * 1024;   /* several growth steps past the first chunk */
    unsigned char *buf = malloc(n + 4);
    uint32_t declared = (uint32_t)n;
    memcpy(buf, &declared, 4);
    for (size_t i = 0; i < n; i++)
        buf[4 + i] = (unsigned char)(i * 7);
    FILE *f = stream_of(buf, n + 4);
    char *data;
    size_t len;
    assert_int_equal(mk_frame_read(f, n, &data, &len, &declared), MK_FRAME_OK);
    assert_int_equal(len, n);
    assert_memory_equal(data, buf + 4, n);
    free(data);
    free(buf);
    fclose(f);
}

static void test_write_round_trip(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(mk_frame_write(f, "{\"type\":\"pong\"}", 15), 0);
    rewind(f);
    char *data;
    size_t len;
    uint32_t declared;
    assert_int_equal(mk_frame_read(f, 100, &data, &len, &declared), MK_FRAME_OK);
    assert_string_equal(data, "{\"type\":\"pong\"}");
    free(data);
    fclose(f);
}

static void test_status_texts(void **state)
{
    (void)state;
    for (int st = MK_FRAME_OK; st <= MK_FRAME_IO_ERROR; st++)
        assert_true(strlen(mk_frame_status_text((mk_frame_status)st)) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_back_to_back_frames),
        cmocka_unit_test(test_clean_eof_on_empty_stream),
        cmocka_unit_test(test_truncated_length),
        cmocka_unit_test(test_truncated_body),
        cmocka_unit_test(test_empty_frame_keeps_stream_in_step),
        cmocka_unit_test(test_too_large_then_discard_resynchronises),
        cmocka_unit_test(test_discard_stops_at_eof),
        cmocka_unit_test(test_large_frame_grows_buffer),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_status_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
