/* Unit tests for findings.c and score.c: merging repeats, noisy-OR scoring, thresholds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "catalog.h"
#include "findings.h"
#include "score.h"
#include "shipped_catalog.h"

static void test_repeats_merge(void **state)
{
    (void)state;
    mk_findings f = {0};
    mk_findings_add(&f, "link_text_mismatch", json_pack("{s:i}", "link", 0));
    mk_findings_add(&f, "link_text_mismatch", json_pack("{s:i}", "link", 3));
    mk_findings_add(&f, "spam_stamp", NULL);
    assert_int_equal(f.n, 2);
    const mk_finding *lt = mk_findings_get(&f, "link_text_mismatch");
    assert_int_equal(json_array_size(json_object_get(lt->evidence, "more")), 1);
    assert_true(mk_findings_has(&f, "spam_stamp"));
    assert_false(mk_findings_has(&f, "html_form"));
    mk_findings_free(&f);
}

static void test_noisy_or(void **state)
{
    (void)state;
    mk_findings f = {0};
    assert_int_equal(mk_score_compute(&f, cat), 0);
    assert_string_equal(mk_score_verdict(0), "safe");
    mk_findings_add(&f, "return_path_mismatch", NULL);
    int one_weak = mk_score_compute(&f, cat);
    assert_int_equal(one_weak, mk_catalog_points(cat, "return_path_mismatch"));
    mk_findings_add(&f, "message_id_mismatch", NULL);
    int two_weak = mk_score_compute(&f, cat);
    assert_true(two_weak > one_weak);
    assert_true(two_weak <= one_weak + mk_catalog_points(cat, "message_id_mismatch"));
    assert_string_equal(mk_score_verdict(two_weak), "safe");
    mk_findings_free(&f);
}

static void test_strong_signs_reach_phishing(void **state)
{
    (void)state;
    mk_findings f = {0};
    mk_findings_add(&f, "link_text_mismatch", NULL);
    mk_findings_add(&f, "lookalike_domain", NULL);
    int s = mk_score_compute(&f, cat);
    assert_true(s >= MK_SCORE_PHISHING);
    assert_true(s <= 100);
    assert_string_equal(mk_score_verdict(s), "phishing");
    assert_string_equal(mk_score_verdict(MK_SCORE_SUSPICIOUS), "suspicious");
    mk_findings_free(&f);
}

static void test_every_contract_id_has_texts(void **state)
{
    (void)state;
    static const char *ids[] = {
        "spam_stamp", "upstream_spam_verdict", "display_name_brand_mismatch", "display_name_impersonates_admin",
        "from_domain_unresolvable", "reply_to_mismatch", "reply_to_unresolvable", "return_path_mismatch",
        "message_id_mismatch", "auth_failure", "received_origin_mismatch", "received_no_rdns",
        "received_rdns_mismatch", "helo_mismatch", "origin_hosting_provider", "origin_country_mismatch",
        "link_text_mismatch", "link_brand_mismatch", "lookalike_domain", "brand_in_subdomain_or_path",
        "link_ip_host", "link_shortener", "html_form", "html_attachment", "hidden_text", "no_salutation",
        "urgency_language", "credential_request", "domain_newly_registered", "domain_privacy_proxy",
        "domain_unregistered", "link_on_blocklist"};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        json_t *def = json_object_get(cat->findings, ids[i]);
        assert_non_null(def);
        assert_true(mk_catalog_points(cat, ids[i]) > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repeats_merge),
        cmocka_unit_test(test_noisy_or),
        cmocka_unit_test(test_strong_signs_reach_phishing),
        cmocka_unit_test(test_every_contract_id_has_texts),
    };
    return cmocka_run_group_tests(tests, load_shipped_catalog, unload_shipped_catalog);
}
