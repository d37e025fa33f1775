/* test_checks_links.c - the link checks on hand-built facts: a phishing mail
 * trips them, a newsletter's tracking links and preheader do not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "checks.h"
#include "fixture_catalog.h"
#include "urlreport.h"

static mk_address from_addr;

static void make_facts(mk_facts *f, const char *from_domain, const char *html)
{
    memset(f, 0, sizeof *f);
    from_addr.domain = (char *)from_domain;
    f->from.addr = &from_addr;
    f->from.regdom = mk_domain_registrable(from_domain);
    if (!f->from.regdom)
        f->from.regdom = mk_xstrdup("");
    f->reply_to.regdom = mk_xstrdup("");
    f->return_path.regdom = mk_xstrdup("");
    mk_page_add_html(&f->page, html, strlen(html), MK_LINK_HTML);
}

static void free_facts(mk_facts *f)
{
    free(f->from.regdom);
    free(f->reply_to.regdom);
    free(f->return_path.regdom);
    mk_page_free(&f->page);
}

static const char *evidence_str(const mk_findings *out, const char *id, const char *key)
{
    const mk_finding *fd = mk_findings_get(out, id);
    assert_non_null(fd);
    return json_string_value(json_object_get(fd->evidence, key));
}

static void test_phishing_links(void **state)
{
    (void)state;
    mk_facts f;
    make_facts(&f, "datumo.jp",
               "<a href='https://ekl-net.vecterdian.shop/update/'>https://www.eki-net.com/...</a>"
               "<a href='http://134744072/x'>x</a><a href='https://bit.ly/abc'>y</a>"
               "<a href='https://smbc.co.jp.awback.cn/'>z</a>"
               "<form action='https://collect.example.net/'><input type=password></form>"
               "<div style='display:none'>" "padding padding padding padding padding padding padding padding "
               "padding padding padding padding padding padding padding padding padding padding padding padding "
               "padding padding padding padding padding padding padding padding padding padding</div>");
    f.claimed_brand = &fixture_brands[0];
    f.claim_source = "display_name";
    from_addr.domain = "datumo.jp";
    mk_address reply = {.domain = "eki-net-memoryless.com"};
    f.reply_to.addr = &reply;
    mk_findings out = {0};
    mk_checks_links(&f, &fixture_cat, &out);
    assert_string_equal(evidence_str(&out, "link_text_mismatch", "shown"), "www.eki-net.com");
    assert_string_equal(evidence_str(&out, "link_text_mismatch", "actual"), "ekl-net.vecterdian.shop");
    assert_int_equal(json_integer_value(json_object_get(mk_findings_get(&out, "link_text_mismatch")->evidence, "link")), 0);
    assert_string_equal(evidence_str(&out, "lookalike_domain", "domain"), "eki-net-memoryless.com");
    assert_string_equal(evidence_str(&out, "lookalike_domain", "where"), "reply_to");
    assert_string_equal(evidence_str(&out, "link_brand_mismatch", "brand_id"), "ekinet");
    assert_string_equal(evidence_str(&out, "link_ip_host", "host"), "8.8.8.8");
    assert_string_equal(evidence_str(&out, "link_shortener", "host"), "bit.ly");
    assert_string_equal(evidence_str(&out, "brand_in_subdomain_or_path", "matched"), "smbc.co.jp");
    assert_string_equal(evidence_str(&out, "html_form", "action"), "https://collect.example.net/");
    assert_true(mk_findings_has(&out, "hidden_text"));
    mk_findings_free(&out);
    free_facts(&f);
}

static void test_genuine_newsletter(void **state)
{
    (void)state;
    mk_facts f;
    make_facts(&f, "eki-net.com",
               "<div style='display:none;max-height:0;overflow:hidden'>今月のおすすめ&zwnj;&nbsp;&zwnj;&nbsp;</div>"
               "<a href='https://click.eki-net.com/r?u=1'>https://www.eki-net.com/</a>"
               "<a href='https://us1.list-manage.com/track?u=2'>www.jreast.co.jp</a>"
               "<a href='https://www.jreast.co.jp/'>eki-net.com</a>"
               "<a href='https://cdn.example.net/www.eki-net.com/logo.png'>logo</a>"
               "<a href='mailto:help@eki-net.com'>help@eki-net.com</a>");
    f.claimed_brand = &fixture_brands[0];
    f.claim_source = "display_name";
    f.auth.present = true;             /* the brand's own, signed mail */
    f.auth.dkim = (char *)"pass";
    mk_findings out = {0};
    mk_checks_links(&f, &fixture_cat, &out);
    for (size_t i = 0; i < out.n; i++)
        print_error("unexpected finding %s\n", out.v[i].id);
    assert_int_equal(out.n, 0);
    mk_findings_free(&out);
    /* The same From without authentication may be forged: links now count. */
    f.auth.present = false;
    mk_checks_links(&f, &fixture_cat, &out);
    assert_string_equal(evidence_str(&out, "link_brand_mismatch", "actual"), "cdn.example.net");
    mk_findings_free(&out);
    free_facts(&f);
}

static void test_sender_own_redirect_showing_brand(void **state)
{
    (void)state;
    /* A phisher's own domain may not excuse showing a brand it does not own. */
    mk_facts f;
    make_facts(&f, "evil.example.shop", "<a href='https://go.evil.example.shop/'>www.eki-net.com</a>");
    mk_findings out = {0};
    mk_checks_links(&f, &fixture_cat, &out);
    assert_true(mk_findings_has(&out, "link_text_mismatch"));
    mk_findings_free(&out);
    free_facts(&f);
    /* ...but a shop's click server showing the shop's own site is fine. */
    make_facts(&f, "shop.example.com", "<a href='https://click.shop.example.com/'>www.partner.example.org</a>");
    mk_checks_links(&f, &fixture_cat, &out);
    assert_false(mk_findings_has(&out, "link_text_mismatch"));
    mk_findings_free(&out);
    free_facts(&f);
}

static void test_url_report(void **state)
{
    (void)state;
    json_t *r = mk_url_report(&fixture_cat, NULL, "hxxps://eki-net.audier.shop/login");
    assert_non_null(r);
    assert_string_equal(json_string_value(json_object_get(r, "host")), "eki-net.audier.shop");
    assert_string_equal(json_string_value(json_object_get(r, "registrable_domain")), "audier.shop");
    json_t *b = json_object_get(r, "imitated_brand");
    assert_string_equal(json_string_value(json_object_get(b, "id")), "ekinet");
    json_t *fs = json_object_get(r, "findings");
    assert_int_equal(json_array_size(fs), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(fs, 0), "id")), "brand_in_subdomain_or_path");
    json_decref(r);
    r = mk_url_report(&fixture_cat, NULL, "not a url \xff");
    assert_non_null(r);
    assert_true(json_is_null(json_object_get(r, "imitated_brand")));
    assert_string_equal(json_string_value(json_object_get(r, "host")), "");
    json_decref(r);
}

/* One organisation: equal, or two official domains of one brand. Related as
 * senders: also the same name of five letters or more under two suffixes,
 * unless a brand owns the name; never for authentication or replies. */
static void test_org_same(void **state)
{
    (void)state;
    assert_true(mk_org_same(&fixture_cat, "smbc.co.jp", "vpass.ne.jp"));         /* one brand's two domains */
    assert_false(mk_org_same(&fixture_cat, "imakenews.net", "imakenews.com"));
    assert_true(mk_org_related(&fixture_cat, "imakenews.net", "imakenews.com"));
    assert_true(mk_org_related(&fixture_cat, "harborbooks.co.uk", "harborbooks.com"));
    assert_true(mk_org_related(&fixture_cat, "smbc.co.jp", "vpass.ne.jp"));
    assert_false(mk_org_related(&fixture_cat, "mail.com", "mail.ru"));           /* short names are shared */
    assert_false(mk_org_related(&fixture_cat, "eki-net.com", "eki-net.shop"));   /* a brand's name elsewhere */
    assert_false(mk_org_related(&fixture_cat, "harborbooks.net", "harborbook.net"));
    assert_false(mk_org_related(&fixture_cat, "", "example.com"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phishing_links),
        cmocka_unit_test(test_genuine_newsletter),
        cmocka_unit_test(test_sender_own_redirect_showing_brand),
        cmocka_unit_test(test_url_report),
        cmocka_unit_test(test_org_same),
    };
    return cmocka_run_group_tests(tests, setup_catalog, teardown_catalog);
}
