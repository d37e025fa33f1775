/* test_report_fit.c - trimming replies to the native-messaging size limit:
 * small replies pass untouched, large ones shrink below the limit with the
 * verdict, score and flagged links kept and "truncated" set, and strings are
 * cut on UTF-8 character boundaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report_fit.h"

static json_t *envelope_with(json_t *report)
{
    return json_pack("{s:s, s:s, s:s, s:o}", "type", "report", "id", "r1", "stage", "offline", "report", report);
}

/* A report with n links (every 100th flagged) and one finding with long evidence. */
static json_t *big_report(size_t n)
{
    json_t *links = json_array();
    for (size_t i = 0; i < n; i++) {
        char href[128];
        snprintf(href, sizeof href, "https://host%zu.example.test/some/long/path/%zu", i, i);
        json_t *ids = json_array();
        if (i % 100 == 0)
            json_array_append_new(ids, json_string("link_text_mismatch"));
        json_array_append_new(links, json_pack("{s:s, s:s, s:o}", "href", href, "text", href, "findings", ids));
    }
    char *long_ev = malloc(100001);
    memset(long_ev, 'e', 100000);
    long_ev[100000] = '\0';
    json_t *findings = json_pack("[{s:s, s:i, s:{s:s}}]", "id", "link_text_mismatch", "points", 35,
                                 "evidence", "shown", long_ev);
    free(long_ev);
    json_t *lookups = json_array();
    for (int i = 0; i < 1000; i++)
        json_array_append_new(lookups, json_pack("{s:s, s:s}", "kind", "dns", "target", "x.example"));
    return json_pack("{s:i, s:s, s:i, s:s, s:o, s:o, s:o}", "schema_version", 1, "verdict", "phishing",
                     "score", 87, "mode", "offline", "links", links, "findings", findings, "lookups", lookups);
}

static void test_small_reply_untouched(void **state)
{
    (void)state;
    json_t *env = envelope_with(json_pack("{s:s, s:i}", "verdict", "safe", "score", 0));
    size_t len = 0;
    char *s = mk_report_fit(env, 1024, &len);
    assert_non_null(s);
    assert_int_equal(len, strlen(s));
    assert_null(strstr(s, "truncated"));
    free(s);
    json_decref(env);
}

static void test_large_reply_trimmed(void **state)
{
    (void)state;
    json_t *env = envelope_with(big_report(20000));
    size_t len = 0, max = 64 * 1024;
    char *s = mk_report_fit(env, max, &len);
    assert_non_null(s);
    assert_true(len <= max);
    json_t *back = json_loads(s, 0, NULL);
    assert_non_null(back);
    json_t *report = json_object_get(back, "report");
    assert_true(json_is_true(json_object_get(report, "truncated")));
    assert_string_equal(json_string_value(json_object_get(report, "verdict")), "phishing");
    assert_int_equal(json_integer_value(json_object_get(report, "score")), 87);
    assert_int_equal(json_integer_value(json_object_get(report, "links_total")), 20000);
    json_t *links = json_object_get(report, "links");
    assert_true(json_array_size(links) > 0);
    /* Flagged links are kept before plain ones. */
    json_t *first = json_array_get(links, 0), *second = json_array_get(links, 1);
    assert_true(json_array_size(json_object_get(first, "findings")) > 0);
    assert_true(json_array_size(json_object_get(second, "findings")) > 0);
    free(s);
    json_decref(back);
    json_decref(env);
}

static void test_tiny_limit_gives_minimal_report(void **state)
{
    (void)state;
    json_t *env = envelope_with(big_report(100));
    size_t len = 0;
    char *s = mk_report_fit(env, 400, &len);
    assert_non_null(s);
    assert_true(len <= 400);
    assert_non_null(strstr(s, "\"verdict\":\"phishing\""));
    free(s);
    json_decref(env);
}

static void test_utf8_truncate(void **state)
{
    (void)state;
    char *t = mk_utf8_truncate("ab\xE3\x81\x82\xE3\x81\x84", 4);   /* "abあい" cut inside あ */
    assert_string_equal(t, "ab\xE2\x80\xA6");
    free(t);
    t = mk_utf8_truncate("short", 10);
    assert_string_equal(t, "short");
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_reply_untouched),
        cmocka_unit_test(test_large_reply_trimmed),
        cmocka_unit_test(test_tiny_limit_gives_minimal_report),
        cmocka_unit_test(test_utf8_truncate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
