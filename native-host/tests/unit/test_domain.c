/* test_domain.c - registrable domains, IDN conversion and IP ranges.
 *
 * The cases are the comparisons the checks actually make: a brand's mail
 * host against its web host, a brand name hidden in a subdomain of another
 * domain, punycode lookalikes, and the address spellings found in Received
 * headers. Hostile input (huge, empty, binary) must give NULL/false quickly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "domain.h"

/* Asserts that fn(in) yields `want` (NULL meaning no result). */
static void expect_str(char *(*fn)(const char *), const char *in, const char *want)
{
    char *got = fn(in);
    if (!want) {
        if (got)
            fail_msg("%s: expected NULL, got \"%s\"", in ? in : "(null)", got);
    } else {
        if (!got)
            fail_msg("%s: expected \"%s\", got NULL", in, want);
        assert_string_equal(got, want);
    }
    free(got);
}

static void test_registrable(void **state)
{
    (void)state;
    static const char *cases[][2] = {
        {"mail.eki-net.com", "eki-net.com"},
        {"www.eki-net.com", "eki-net.com"},
        {"eki-net.com.evil.cn", "evil.cn"},
        {"MX.Example.CO.JP", "example.co.jp"},
        {"example.co.jp.", "example.co.jp"},
        {"a.b.c.mufg.jp", "mufg.jp"},
        {"bar.foo.blogspot.com", "foo.blogspot.com"},
        {"ekl-net.vecterdian.shop", "vecterdian.shop"},
        {"xn--80ak6aa92e.com", "xn--80ak6aa92e.com"},
        {"www.аррӏе.com", "xn--80ak6aa92e.com"},
        {"例え.テスト.jp", "xn--zckzah.jp"},
        {"えきねっと.co.jp", "xn--r8jk0euax.co.jp"},
        {"mail_1.example.org", "example.org"},
        {"co.jp", NULL},
        {"com", NULL},
        {"unknown", NULL},
        {"localhost", NULL},
        {"1.2.3.4", NULL},
        {"[23.94.183.109]", NULL},
        {"2603:10b6:a03:4f0::13", NULL},
        {"", NULL},
        {"a..b.com", NULL},
        {"-bad.example.com", NULL},
        {"bad-.example.com", NULL},
        {"exa mple.com", NULL},
        {"user@example.com", NULL},
        {".", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_str(mk_domain_registrable, cases[i][0], cases[i][1]);
    assert_null(mk_domain_registrable(NULL));
}

static void test_to_ascii(void **state)
{
    (void)state;
    expect_str(mk_domain_to_ascii, "WWW.Example.COM", "www.example.com");
    expect_str(mk_domain_to_ascii, "Bücher.example", "xn--bcher-kva.example");
    expect_str(mk_domain_to_ascii, "faß.de", "xn--fa-hia.de");
    expect_str(mk_domain_to_ascii, "えきねっと.jp", "xn--r8jk0euax.jp");
    expect_str(mk_domain_to_ascii, "[IPv6:2001:DB8::1]", "2001:db8::1");
    expect_str(mk_domain_to_ascii, "10.0.0.1", "10.0.0.1");
    expect_str(mk_domain_to_ascii, "exa\xffmple.com", NULL);
    expect_str(mk_domain_to_ascii, "", NULL);
    assert_null(mk_domain_to_ascii(NULL));
}

static void test_to_unicode(void **state)
{
    (void)state;
    expect_str(mk_domain_to_unicode, "xn--bcher-kva.example", "bücher.example");
    expect_str(mk_domain_to_unicode, "xn--80ak6aa92e.com", "аррӏе.com");
    expect_str(mk_domain_to_unicode, "www.example.com", "www.example.com");
    /* Broken punycode is returned unchanged rather than dropped. */
    expect_str(mk_domain_to_unicode, "xn--zz.example", "xn--zz.example");
    assert_null(mk_domain_to_unicode(""));
    assert_null(mk_domain_to_unicode(NULL));
}

static void test_same_org_and_within(void **state)
{
    (void)state;
    assert_true(mk_domain_same_org("mail.eki-net.com", "WWW.EKI-NET.COM"));
    assert_false(mk_domain_same_org("eki-net.com", "eki-net.com.evil.cn"));
    assert_false(mk_domain_same_org("co.jp", "co.jp"));
    assert_false(mk_domain_same_org("1.2.3.4", "1.2.3.4"));
    assert_false(mk_domain_same_org(NULL, "example.com"));
    assert_false(mk_domain_same_org("", ""));

    assert_true(mk_domain_within("mail.eki-net.com", "eki-net.com"));
    assert_true(mk_domain_within("EKI-NET.COM.", "eki-net.com"));
    assert_false(mk_domain_within("evileki-net.com", "eki-net.com"));
    assert_false(mk_domain_within("eki-net.com", "mail.eki-net.com"));
    assert_false(mk_domain_within("eki-net.com.evil.cn", "eki-net.com"));
    assert_false(mk_domain_within("1.2.3.4", "2.3.4"));
    assert_true(mk_domain_within("[1.2.3.4]", "1.2.3.4"));
    assert_false(mk_domain_within(NULL, "x.com"));
    assert_false(mk_domain_within("x.com", ""));
}

static void test_ip_literal(void **state)
{
    (void)state;
    const char *yes[] = {"1.2.3.4", "[1.2.3.4]", "2001:db8::1", "IPv6:2001:db8::1",
                         "[IPv6:2001:db8::1]", "::ffff:10.1.2.3", "2603:10b6:a03:4f0::13", "::"};
    const char *no[] = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "[1.2.3.4", "example.com",
                        "IPv6:", "[]", "2001:db8::1::2", "1.2.3.4 ", "IPv6:1.2.3.4x"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!mk_ip_is_literal(yes[i]))
            fail_msg("should be an IP literal: %s", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (mk_ip_is_literal(no[i]))
            fail_msg("should not be an IP literal: %s", no[i]);
    assert_false(mk_ip_is_literal(NULL));
}

static void test_ip_private(void **state)
{
    (void)state;
    const char *priv[] = {"127.0.0.1", "10.20.30.40", "172.16.0.1", "172.31.255.255",
                          "192.168.1.1", "100.64.0.1", "100.127.255.254", "169.254.1.1",
                          "0.0.0.0", "192.0.2.5", "198.51.100.7", "203.0.113.9",
                          "[127.0.0.1]", "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1",
                          "febf::1", "2001:db8::1", "IPv6:::1", "::ffff:192.168.0.1",
                          "[IPv6:::ffff:10.0.0.1]", "fec0::1", "::127.0.0.1", "64:ff9b::a00:1",
                          "2002:c0a8:101::1", "ff02::1", "::ffff:0:7f00:1", "100::1"};
    const char *pub[] = {"23.94.183.109", "172.15.255.255", "172.32.0.1", "100.128.0.1",
                         "192.169.0.1", "8.8.8.8", "2603:10b6:a03:4f0::13", "2a01:111:f400::1",
                         "2001:db9::1", "::ffff:8.8.8.8", "example.com", ""};
    for (size_t i = 0; i < sizeof priv / sizeof priv[0]; i++)
        if (!mk_ip_is_private(priv[i]))
            fail_msg("should be private: %s", priv[i]);
    for (size_t i = 0; i < sizeof pub / sizeof pub[0]; i++)
        if (mk_ip_is_private(pub[i]))
            fail_msg("should not be private: %s", pub[i]);
    assert_false(mk_ip_is_private(NULL));
}

static void test_hostile(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    char *big = malloc(n + 1);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = (i % 4 == 3) ? '.' : 'a';
    big[n] = '\0';
    assert_null(mk_domain_to_ascii(big));
    assert_null(mk_domain_registrable(big));
    assert_null(mk_domain_to_unicode(big));
    assert_false(mk_ip_is_literal(big));
    assert_false(mk_domain_within(big, "a"));
    memset(big, 0xe3, n);  /* a megabyte of truncated UTF-8 */
    assert_null(mk_domain_to_ascii(big));
    free(big);

    char label[80];
    memset(label, 'a', 64);
    strcpy(label + 64, ".com");
    assert_null(mk_domain_registrable(label));      /* 64-character label */
    expect_str(mk_domain_registrable, label + 1, label + 1);  /* 63 is fine */
}

/* The PSL context is built lazily; many threads racing to first use must be safe. */
static void *resolve_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        char *r = mk_domain_registrable("mail.sub.example.co.jp");
        if (!r || strcmp(r, "example.co.jp") != 0)
            return (void *)1;
        free(r);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, resolve_many, NULL), 0);
    for (int i = 0; i < 8; i++) {
        void *ret = NULL;
        pthread_join(t[i], &ret);
        assert_null(ret);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_registrable),
        cmocka_unit_test(test_to_ascii),
        cmocka_unit_test(test_to_unicode),
        cmocka_unit_test(test_same_org_and_within),
        cmocka_unit_test(test_ip_literal),
        cmocka_unit_test(test_ip_private),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
