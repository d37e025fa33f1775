/* test_url.c - URL splitting, host normalisation and link-caption hosts.
 *
 * Cases come from what phishing mail actually writes: defanged schemes,
 * userinfo tricks, numeric IPv4 hosts, IDN and percent-encoded hosts, and
 * URLs glued to Japanese text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "url.h"
#include "urltext.h"
#include "util.h"

static void expect_host(const char *in, const char *host, const char *regdom)
{
    mk_url u;
    bool ok = mk_url_parse(in, &u);
    if (!ok || strcmp(u.host, host) != 0 || strcmp(u.regdom, regdom) != 0)
        print_error("input '%s': valid=%d host='%s' regdom='%s'\n", in, ok, u.host, u.regdom);
    assert_true(ok);
    assert_string_equal(u.host, host);
    assert_string_equal(u.regdom, regdom);
    mk_url_free(&u);
}

static void expect_invalid(const char *in)
{
    mk_url u;
    bool ok = mk_url_parse(in, &u);
    if (ok)
        print_error("input '%s' unexpectedly gave host '%s'\n", in, u.host ? u.host : "(none)");
    assert_false(ok);
    assert_string_equal(u.host, "");
    assert_string_equal(u.regdom, "");
    mk_url_free(&u);
}

static void test_plain_parts(void **state)
{
    (void)state;
    mk_url u;
    assert_true(mk_url_parse("HTTPS://User:Pw@WWW.Eki-Net.COM.:8443/a%20b/c?x=%41#frag%2e", &u));
    assert_string_equal(u.scheme, "https");
    assert_string_equal(u.userinfo, "User:Pw");
    assert_string_equal(u.host, "www.eki-net.com");
    assert_string_equal(u.host_unicode, "www.eki-net.com");
    assert_string_equal(u.regdom, "eki-net.com");
    assert_int_equal(u.port, 8443);
    assert_string_equal(u.path, "/a b/c");
    assert_string_equal(u.query, "x=A");
    assert_string_equal(u.fragment, "frag.");
    assert_false(u.host_is_ip);
    mk_url_free(&u);
}

static void test_obfuscated_schemes(void **state)
{
    (void)state;
    const char *cases[] = {"hxxps://evil.example.com/x", "h**ps://evil.example.com/x", "hXXp://evil.example.com",
                           "ttps://evil.example.com/", "https[:]//evil[.]example[.]com/", "https:/\\evil.example.com"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_host(cases[i], "evil.example.com", "example.com");
    mk_url u;
    mk_url_parse("hxxps://a.example.org", &u);
    assert_string_equal(u.scheme, "https");
    mk_url_free(&u);
    mk_url_parse("h**p://a.example.org", &u);
    assert_string_equal(u.scheme, "http");
    mk_url_free(&u);
}

static void test_schemeless_and_relative(void **state)
{
    (void)state;
    expect_host("www.eki-net.com/login", "www.eki-net.com", "eki-net.com");
    expect_host("eki-net.com", "eki-net.com", "eki-net.com");
    expect_host("www.x.co.jp:8080/", "www.x.co.jp", "x.co.jp");
    expect_host("//cdn.example.net/a.png", "cdn.example.net", "example.net");
    expect_invalid("index.html");
    expect_invalid("/path/only");
    expect_invalid("#top");
    expect_invalid("v1.2");
    expect_invalid("mailto:support@eki-net.com");
    expect_invalid("javascript:alert(1)");
    expect_invalid("");
    expect_invalid(NULL);
    expect_invalid("https://");
    expect_invalid("https://exa mple.com/");
}

static void test_userinfo_trick(void **state)
{
    (void)state;
    mk_url u;
    assert_true(mk_url_parse("https://www.eki-net.com@evil.cn/login", &u));
    assert_string_equal(u.userinfo, "www.eki-net.com");
    assert_string_equal(u.host, "evil.cn");
    mk_url_free(&u);
    expect_host("https://a@b@evil.example.com", "evil.example.com", "example.com");
    expect_host("http://eki-net.com\\@evil.example.com/", "eki-net.com", "eki-net.com");
}

static void test_ip_hosts(void **state)
{
    (void)state;
    const char *forms[] = {"http://3232235777/", "http://0xC0A80101/", "http://0300.0250.01.01/",
                           "http://192.168.1.1/", "http://192.168.257/", "http://0xc0.0xa8.0x1.0x1/x"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        mk_url u;
        assert_true(mk_url_parse(forms[i], &u));
        assert_true(u.host_is_ip);
        assert_string_equal(u.regdom, "");
        mk_url_free(&u);
    }
    expect_host("http://3232235777/", "192.168.1.1", "");
    expect_host("http://192.168.257/", "192.168.1.1", "");
    expect_host("http://[2001:DB8::0:1]:8080/x", "2001:db8::1", "");
    expect_invalid("http://256.1.1.1/");
    expect_invalid("http://1.2.3.4.5/");
    expect_invalid("http://[zz::1]/");
    expect_invalid("http://99999999999999999999/");
}

static void test_idn_and_encoding(void **state)
{
    (void)state;
    mk_url u;
    assert_true(mk_url_parse("https://エキネット.com/", &u));
    assert_string_equal(u.host, "xn--ickk0euax.com");
    assert_string_equal(u.host_unicode, "エキネット.com");
    mk_url_free(&u);
    expect_host("https://%65ki-net.com/", "eki-net.com", "eki-net.com");
    expect_host("https://eki-net。com/", "eki-net.com", "eki-net.com");
    expect_host("https://xn--ickk0euax.com", "xn--ickk0euax.com", "xn--ickk0euax.com");
}

static void test_host_in_text(void **state)
{
    (void)state;
    struct {
        const char *text;
        const char *host;
    } cases[] = {
        {"https://www.eki-net.com/...", "www.eki-net.com"},
        {"www.eki-net.com", "www.eki-net.com"},
        {"eki-net.com", "eki-net.com"},
        {" (eki-net.com) ", "eki-net.com"},
        {"詳しくは https://www.smbc-card.com/mem/ をご覧ください", "www.smbc-card.com"},
        {"ログインはこちらhttps://jr-central.co.jp", "jr-central.co.jp"},
        {"ログインはこちら", NULL},
        {"Click here", NULL},
        {"support@example.com", NULL},
        {"invoice.zip", NULL},
        {"Version 1.2", NULL},
        {"see example.com now", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *h = mk_url_host_in_text(cases[i].text);
        if (cases[i].host == NULL) {
            if (h)
                print_error("'%s' gave '%s'\n", cases[i].text, h);
            assert_null(h);
        } else {
            assert_non_null(h);
            assert_string_equal(h, cases[i].host);
        }
        free(h);
    }
    assert_null(mk_url_host_in_text(NULL));
}

static char *first_span(const char *text)
{
    size_t s, e;
    if (!mk_urltext_find(text, strlen(text), 0, &s, &e))
        return NULL;
    return mk_xstrndup(text + s, e - s);
}

static void test_urltext_spans(void **state)
{
    (void)state;
    struct {
        const char *text;
        const char *span;
    } cases[] = {
        {"こちらhttps://x.example.jp/a?b=1から", "https://x.example.jp/a?b=1"},
        {"【https://x.example.jp/】", "https://x.example.jp/"},
        {"「www.example.com」", "www.example.com"},
        {"See https://example.com/a_(b).", "https://example.com/a_(b)"},
        {"(https://example.com/x), next", "https://example.com/x"},
        {"<https://example.com/>", "https://example.com/"},
        {"\"hxxps://evil[.]example[.]com/\"", "hxxps://evil[.]example[.]com/"},
        {"mail me: a@www.example.com", NULL},
        {"xhttps://example.com", NULL},
        {"https:// nothing", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = first_span(cases[i].text);
        if (cases[i].span == NULL) {
            assert_null(got);
        } else {
            assert_non_null(got);
            assert_string_equal(got, cases[i].span);
        }
        free(got);
    }
}

/* Garbage and huge input must stay bounded and never crash. */
static void test_hostile_input(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    char *big = mk_xmalloc(n + 1);
    memset(big, 'a', n);
    memcpy(big, "https://", 8);
    big[n] = '\0';
    mk_url u;
    assert_false(mk_url_parse(big, &u));   /* a megabyte-long label is not a host */
    mk_url_free(&u);
    memset(big, ')', n);
    memcpy(big, "https://x.com/", 14);
    size_t s, e, from = 0, count = 0;
    while (mk_urltext_find(big, n, from, &s, &e)) {
        count++;
        from = e;
    }
    assert_int_equal(count, 1);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)(1 + (i * 7919) % 255);
    assert_int_equal(mk_url_parse(big, &u), u.valid);
    mk_url_free(&u);
    free(mk_url_host_in_text(big));
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_parts),        cmocka_unit_test(test_obfuscated_schemes),
        cmocka_unit_test(test_schemeless_and_relative), cmocka_unit_test(test_userinfo_trick),
        cmocka_unit_test(test_ip_hosts),           cmocka_unit_test(test_idn_and_encoding),
        cmocka_unit_test(test_host_in_text),       cmocka_unit_test(test_urltext_spans),
        cmocka_unit_test(test_hostile_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
