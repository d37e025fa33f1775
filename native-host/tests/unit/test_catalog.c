/* Unit tests for catalog.c: the shipped data loads; broken data is refused with a useful message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "catalog.h"
#include "textnorm.h"

static void test_shipped_data_loads(void **state)
{
    (void)state;
    char *error = NULL;
    mk_catalog *cat = mk_catalog_load(mk_catalog_default_dir(), &error);
    if (!cat)
        fail_msg("catalog: %s", error);
    assert_true(cat->n_brands >= 50);
    const mk_brand *eki = mk_catalog_brand_by_id(cat, "ekinet");
    assert_non_null(eki);
    assert_true(mk_strlist_contains(&eki->domains, "eki-net.com"));
    /* names are stored folded: the katakana spelling becomes hiragana */
    char *folded = mk_text_fold("えきねっと", strlen("えきねっと"));
    assert_true(mk_strlist_contains(&eki->names, folded));
    free(folded);
    assert_ptr_equal(mk_catalog_brand_owning(cat, "eki-net.com"), eki);
    assert_null(mk_catalog_brand_owning(cat, "vecterdian.shop"));
    assert_true(mk_catalog_is_customer_host(cat, "os3-374-20475.vs.sakura.ne.jp"));
    assert_false(mk_catalog_is_customer_host(cat, "www.sakura.ad.jp"));
    assert_true(cat->phrases.spam_stamps.n > 0);
    assert_true(cat->shorteners.n > 0);
    assert_true(cat->n_hosting_asns > 0);
    assert_string_equal(mk_catalog_label(cat, "no_such_label", "ja"), "no_such_label");
    /* a documented reporting address where the brand has one, "" elsewhere */
    assert_string_equal(mk_catalog_brand_by_id(cat, "paypal")->report_address, "phishing@paypal.com");
    assert_string_equal(eki->report_address, "");
    mk_catalog_free(cat);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_broken_brand_is_refused(void **state)
{
    (void)state;
    char dir[] = "/tmp/mekiki-catalog-XXXXXX";
    assert_non_null(mkdtemp(dir));
    write_file(dir, "brands.json", "{\"brands\": [{\"id\": \"x\", \"name\": {\"en\": \"X\"}, \"domains\": []}]}");
    char *error = NULL;
    mk_catalog *cat = mk_catalog_load(dir, &error);
    assert_null(cat);
    assert_non_null(error);
    assert_non_null(strstr(error, "brands.json"));
    free(error);
    /* A public suffix or a host below the registrable domain can never be an official domain. */
    const char *unregistrable[] = {"myshopify.com", "i.softbank.jp"};
    for (size_t i = 0; i < 2; i++) {
        char text[256];
        snprintf(text, sizeof text, "{\"brands\": [{\"id\": \"x\", \"name\": {\"en\": \"X\"}, "
                 "\"domains\": [\"%s\"]}]}", unregistrable[i]);
        write_file(dir, "brands.json", text);
        cat = mk_catalog_load(dir, &error);
        assert_null(cat);
        assert_non_null(strstr(error, "not a registrable domain"));
        assert_non_null(strstr(error, unregistrable[i]));
        free(error);
    }
    write_file(dir, "brands.json", "{\"brands\": [");
    cat = mk_catalog_load(dir, &error);
    assert_null(cat);
    assert_non_null(strstr(error, "cannot load"));
    free(error);
    /* a report address must be one plain address the compose window can take as it is */
    const char *bad[] = {"phishing", "a@b", "x <a@b.example>", "a@b.example,c@d.example", "a b@c.example"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"brands\": [{\"id\": \"x\", \"name\": {\"en\": \"X\"}, \"domains\": [\"x.example\"], "
                 "\"report_address\": \"%s\"}]}",
                 bad[i]);
        write_file(dir, "brands.json", text);
        cat = mk_catalog_load(dir, &error);
        assert_null(cat);
        assert_non_null(strstr(error, "report_address"));
        free(error);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/brands.json", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_data_loads),
        cmocka_unit_test(test_broken_brand_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
