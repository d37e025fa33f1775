/* test_lookalike.c - lookalike hosts and brands hidden elsewhere in URLs,
 * including the genuine names that must not trip the check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture_catalog.h"
#include "lookalike.h"
#include "lookalike_index.h"

static void expect_lookalike(const char *host, const char *brand, const char *how)
{
    mk_lookalike_hit hit;
    bool ok = mk_lookalike_domain(&fixture_cat, host, &hit);
    if (!ok)
        print_error("%s: not a lookalike\n", host);
    assert_true(ok);
    assert_string_equal(hit.brand->id, brand);
    if (how)
        assert_string_equal(hit.how, how);
}

static void expect_clean(const char *host)
{
    mk_lookalike_hit hit;
    bool ok = mk_lookalike_domain(&fixture_cat, host, &hit);
    if (ok)
        print_error("%s: flagged as %s (%s)\n", host ? host : "(null)", hit.brand->id, hit.how);
    assert_false(ok);
}

static void test_lookalike_hosts(void **state)
{
    (void)state;
    expect_lookalike("ekl-net.com", "ekinet", "confusable");
    expect_lookalike("www.eki-nett.com", "ekinet", "typo");
    expect_lookalike("eki-net-memoryless.com", "ekinet", "brand_token");
    expect_lookalike("smbc-card1.top", "smbc_card", NULL);
    expect_lookalike("aeon-xxx.shop", "aeon", "brand_token");
    expect_lookalike("xn--eki-nt-7of.com", "ekinet", NULL);           /* eki-nеt with Cyrillic e */
    expect_lookalike("xn--ickk0euax.com", "ekinet", "idn");           /* エキネット folds to えきねっと */
    expect_lookalike("smbc-card.web.app", "smbc_card", "brand_token");
}

static void test_genuine_hosts(void **state)
{
    (void)state;
    expect_clean("www.eki-net.com");
    expect_clean("mail.smbc.co.jp");
    expect_clean("os3-374-20475.vs.sakura.ne.jp");
    expect_clean("pantheon.example.com");
    expect_clean("pantheon.com");
    expect_clean("smbcx.com");
    expect_clean("example.com");
    expect_clean("192.0.2.1");
    expect_clean("");
    expect_clean(NULL);
    expect_clean("eki-net.com.evil.cn");   /* that one is brand_in_url, not a lookalike */
    expect_clean("eki-net.co.uk");         /* the brand's own name under another registry: a country domain */
    expect_lookalike("eki-net.web.app", "ekinet", "brand_token");   /* ...but not under a hosting platform */
}

/* Edit distance: 1 for labels of 6 or 7 letters, 2 from 8 letters on, and
 * adjacent transpositions count as one edit; the first letter stays. */
static void test_typo_distances(void **state)
{
    (void)state;
    expect_lookalike("smbc-crad.xyz", "smbc_card", "typo");    /* transposition */
    expect_lookalike("smbx-caxd.xyz", "smbc_card", "typo");    /* two edits, 9 letters */
    expect_clean("smbx-caxdz.xyz");                             /* three edits */
    expect_lookalike("jreasx.com", "ekinet", "typo");          /* one edit, 6 letters */
    expect_clean("jrexsx.com");                                 /* two edits, 6 letters */
    expect_lookalike("vpasss.com", "smbc_card", "brand_token"); /* vpass is too short for typos: a token */
    expect_lookalike("jreastt.com", "ekinet", "typo");         /* insertion at the end */
    expect_clean("jreas.com");                                  /* five letters: too short to judge */
    expect_clean("reast.com");                                  /* the first letter dropped: a word */
    expect_clean("xjreast.com");                                /* or another put in front */
    expect_clean("greast.com");                                 /* or changed */
    expect_clean("vpas.com");                                   /* four letters: too short to judge */
    expect_lookalike("xsmbc-card.xyz", "smbc_card", "brand_token");   /* not a typo, but the token */
    expect_lookalike("smbc-cardxyz1.xyz", "smbc_card", "brand_token");   /* too far for a typo: a token */
}

static void test_index(void **state)
{
    (void)state;
    mk_lookalike_index *ix = mk_lookalike_index_build(fixture_cat.brands, fixture_cat.n_brands);
    assert_int_equal(ix->n_labels, 7);   /* every official domain of the four brands */
    assert_int_equal(ix->brand_start[1] - ix->brand_start[0], 2);
    assert_string_equal(ix->labels[2].label, "smbc-card");
    assert_string_equal(ix->labels[2].fold, "smbccard");
    assert_string_equal(ix->labels[3].suffix, "co.jp");
    assert_true(mk_lookalike_index_names_brand(ix, "smbc"));      /* a label and a token, kept once */
    assert_true(mk_lookalike_index_names_brand(ix, "jreast"));
    assert_true(mk_lookalike_index_names_brand(ix, "ekinet"));
    assert_false(mk_lookalike_index_names_brand(ix, "smbx"));
    assert_false(mk_lookalike_index_names_brand(ix, ""));
    for (size_t i = 1; i < ix->n_names; i++)
        assert_true(strcmp(ix->names[i - 1], ix->names[i]) < 0);
    /* The owner of each official domain is the first brand that lists it; near misses have none. */
    for (size_t b = 0; b < fixture_cat.n_brands; b++)
        for (size_t d = 0; d < fixture_cat.brands[b].domains.n; d++) {
            const char *domain = fixture_cat.brands[b].domains.v[d];
            assert_ptr_equal(mk_lookalike_index_owner(ix, domain), mk_catalog_brand_owning(&fixture_cat, domain));
            assert_non_null(mk_lookalike_index_owner(ix, domain));
        }
    assert_null(mk_lookalike_index_owner(ix, "smbc.co"));
    assert_null(mk_lookalike_index_owner(ix, "smbc.co.jp.example"));
    assert_null(mk_lookalike_index_owner(ix, "example.com"));
    assert_null(mk_lookalike_index_owner(ix, ""));
    char *folded = mk_fold_ascii_lookalikes("rnicr0-s0ft-cl0vv");
    assert_string_equal(folded, "mlcrosoftdow");
    free(folded);
    mk_lookalike_index_free(ix);
}

static void expect_in_url(const char *url, const char *brand, const char *where)
{
    mk_url u;
    mk_url_parse(url, &u);
    mk_brand_in_url_hit hit;
    bool ok = mk_brand_in_url(&fixture_cat, &u, &hit);
    if (!ok)
        print_error("%s: no brand found\n", url);
    assert_true(ok);
    assert_string_equal(hit.brand->id, brand);
    assert_string_equal(hit.where, where);
    free(hit.matched);
    assert_ptr_equal(mk_url_imitated_brand(&fixture_cat, &u), hit.brand);
    mk_url_free(&u);
}

static void expect_not_in_url(const char *url)
{
    mk_url u;
    mk_url_parse(url, &u);
    mk_brand_in_url_hit hit;
    assert_false(mk_brand_in_url(&fixture_cat, &u, &hit));
    assert_null(hit.matched);
    mk_url_free(&u);
}

static void test_brand_in_url(void **state)
{
    (void)state;
    expect_in_url("https://smbc.co.jp.awback.cn/login", "smbc_card", "subdomain");
    expect_in_url("https://eki-net.example.shop/", "ekinet", "subdomain");
    expect_in_url("https://aeno.co.jp.scbgzx.com/", "aeon", "subdomain");
    expect_in_url("https://www.eki-net.com@evil.example.cn/", "ekinet", "userinfo");
    expect_in_url("https://evil.example.cn/www.smbc-card.com/login", "smbc_card", "path");
    expect_in_url("https://evil.example.cn/#1.eki-net.com", "ekinet", "fragment");
    expect_in_url("https://evil.example.cn/?u=eki-net.com", "ekinet", "query");
    expect_not_in_url("https://www.eki-net.com/smbc.co.jp");
    expect_not_in_url("https://lists.example.org/1234.qm@web.smbc.co.jp");
    expect_not_in_url("https://shop.example.com/brands/aeon");
    expect_not_in_url("mailto:a@eki-net.com");
    expect_in_url("https://smbd.co.jp.evil.example/", "smbc_card", "subdomain");   /* one edit */
    expect_in_url("https://smbc.co.jp.evil.example/", "smbc_card", "subdomain");   /* exact */
    expect_not_in_url("https://smxy.co.jp.evil.example/");                       /* two edits */
    expect_not_in_url("https://smbd.co.uk.evil.example/");                       /* another suffix */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookalike_hosts),
        cmocka_unit_test(test_genuine_hosts),
        cmocka_unit_test(test_brand_in_url),
        cmocka_unit_test(test_typo_distances),
        cmocka_unit_test(test_index),
    };
    return cmocka_run_group_tests(tests, setup_catalog, teardown_catalog);
}
