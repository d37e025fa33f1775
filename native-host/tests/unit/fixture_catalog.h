/* fixture_catalog.h - a small brand catalog built in memory for the link tests,
 * so they do not depend on the contents of data/brands.json. Include once per
 * test program; use setup_catalog/teardown_catalog as group fixtures. */
#ifndef MK_FIXTURE_CATALOG_H
#define MK_FIXTURE_CATALOG_H
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "domain.h"
#include "util.h"

/* A small catalog built in memory, so the test does not depend on data/. */
static mk_brand fixture_brands[4];
static mk_catalog fixture_cat;

static void fill_list(mk_strlist *l, const char *const *items)
{
    for (; *items; items++)
        mk_strlist_push(l, *items);
}

static void make_brand(mk_brand *b, const char *id, const char *name, const char *const *names,
                       const char *const *domains, const char *const *tokens, const char *const *zones)
{
    memset(b, 0, sizeof *b);
    b->id = mk_xstrdup(id);
    b->name_ja = mk_xstrdup(name);
    b->name_en = mk_xstrdup(id);
    b->country = mk_xstrdup("JP");
    b->kind = mk_xstrdup("other");
    fill_list(&b->names, names);
    fill_list(&b->domains, domains);
    fill_list(&b->tokens, tokens);
    fill_list(&b->customer_zones, zones);
}

static int setup_catalog(void **state)
{
    (void)state;
    static const char *const none[] = {NULL};
    static const char *const ek_names[] = {"えきねっと", "eki-net", NULL};
    static const char *const ek_dom[] = {"eki-net.com", "jreast.co.jp", NULL};
    static const char *const ek_tok[] = {"eki-net", "ekinet", NULL};
    static const char *const sm_names[] = {"三井住友かーど", NULL};
    static const char *const sm_dom[] = {"smbc-card.com", "smbc.co.jp", "vpass.ne.jp", NULL};
    static const char *const sm_tok[] = {"smbc", "vpass", "smbc-card", NULL};
    static const char *const ae_names[] = {"いおん", NULL};
    static const char *const ae_dom[] = {"aeon.co.jp", NULL};
    static const char *const ae_tok[] = {"aeon", NULL};
    static const char *const sk_dom[] = {"sakura.ne.jp", NULL};
    static const char *const sk_zone[] = {"vs.sakura.ne.jp", NULL};
    make_brand(&fixture_brands[0], "ekinet", "えきねっと", ek_names, ek_dom, ek_tok, none);
    make_brand(&fixture_brands[1], "smbc_card", "三井住友カード", sm_names, sm_dom, sm_tok, none);
    make_brand(&fixture_brands[2], "aeon", "イオン", ae_names, ae_dom, ae_tok, none);
    make_brand(&fixture_brands[3], "sakura", "さくらインターネット", none, sk_dom, none, sk_zone);
    memset(&fixture_cat, 0, sizeof fixture_cat);
    fixture_cat.brands = fixture_brands;
    fixture_cat.n_brands = 4;
    mk_strlist_push(&fixture_cat.shorteners, "bit.ly");
    mk_strlist_push(&fixture_cat.tracking_hosts, "list-manage.com");
    return 0;
}

static int teardown_catalog(void **state)
{
    (void)state;
    for (size_t i = 0; i < fixture_cat.n_brands; i++)
        mk_brand_free(&fixture_brands[i]);
    mk_strlist_free(&fixture_cat.shorteners);
    mk_strlist_free(&fixture_cat.tracking_hosts);
    return 0;
}
#endif
