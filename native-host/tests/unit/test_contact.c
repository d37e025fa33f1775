/* test_contact.c - the one rule for what the look-ups may reach, as a table.
 *
 * Each row is a target a hostile message or a hostile server could hand the
 * host - a name from a link, a Received address, a redirect's host - with
 * the decision and, for addresses, the scope. Internal IPv4 addresses are
 * tried in every IPv6 disguise (mapped, compatible, SIIT, NAT64, 6to4), and
 * special-use names in the spellings mail uses (upper case, final dot,
 * subdomains). The list is the real data/special_use_names.json.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "contact.h"
#include "domain.h"

typedef struct row {
    const char *target;
    mk_contact want;
    mk_address_scope scope;   /* for IP literals; MK_SCOPE_NOT_ADDRESS for names */
} row;

static const row ROWS[] = {
    /* public addresses and names: allowed */
    {"93.184.216.34", MK_CONTACT_ALLOWED, MK_SCOPE_PUBLIC},
    {"[8.8.8.8]", MK_CONTACT_ALLOWED, MK_SCOPE_PUBLIC},
    {"2606:4700::6810:84e5", MK_CONTACT_ALLOWED, MK_SCOPE_PUBLIC},
    {"IPv6:2a00:1450:4001:82b::200e", MK_CONTACT_ALLOWED, MK_SCOPE_PUBLIC},
    {"::ffff:8.8.8.8", MK_CONTACT_ALLOWED, MK_SCOPE_PUBLIC},
    {"64:ff9b::808:808", MK_CONTACT_ALLOWED, MK_SCOPE_PUBLIC},          /* NAT64 of 8.8.8.8 */
    {"2002:808:808::1", MK_CONTACT_ALLOWED, MK_SCOPE_PUBLIC},           /* 6to4 of 8.8.8.8 */
    {"eki-net.com", MK_CONTACT_ALLOWED, MK_SCOPE_NOT_ADDRESS},
    {"WWW.Example-Shop.CO.JP.", MK_CONTACT_ALLOWED, MK_SCOPE_NOT_ADDRESS},
    {"xn--eckwd4c7c.xn--zckzah", MK_CONTACT_ALLOWED, MK_SCOPE_NOT_ADDRESS},
    {"localhost.evil.com", MK_CONTACT_ALLOWED, MK_SCOPE_NOT_ADDRESS},  /* only the suffix counts */
    {"mylocal.com", MK_CONTACT_ALLOWED, MK_SCOPE_NOT_ADDRESS},         /* label-aligned */
    /* IPv4 special-purpose ranges */
    {"127.0.0.2", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_LOOPBACK},
    {"0.0.0.0", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_UNSPECIFIED},
    {"10.1.2.3", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_PRIVATE},
    {"172.31.255.255", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_PRIVATE},
    {"192.168.1.1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_PRIVATE},
    {"100.64.0.1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_SHARED},
    {"169.254.169.254", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_LINK_LOCAL},   /* cloud metadata */
    {"224.0.0.251", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_MULTICAST},
    {"255.255.255.255", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_RESERVED},
    {"198.18.0.1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_RESERVED},
    {"192.0.0.8", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_RESERVED},
    {"192.88.99.1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_RESERVED},
    {"203.0.113.5", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_DOCUMENTATION},
    /* IPv6 */
    {"::1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_LOOPBACK},
    {"[IPv6:::1]", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_LOOPBACK},
    {"::", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_UNSPECIFIED},
    {"fe80::1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_LINK_LOCAL},
    {"fd12:3456:789a::1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_PRIVATE},
    {"fec0::1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_PRIVATE},              /* site-local */
    {"ff02::1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_MULTICAST},
    {"ff05::1:3", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_MULTICAST},
    {"100::1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_RESERVED},              /* discard-only */
    {"2001:db8::1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_DOCUMENTATION},
    {"3fff::1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_DOCUMENTATION},
    {"2001:0:4136:e378:8000:63bf:3fff:fdd2", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_RESERVED},   /* Teredo */
    {"64:ff9b:1::1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_PRIVATE},         /* local-use NAT64 */
    {"4000::1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_RESERVED},             /* outside 2000::/3 */
    /* internal IPv4 in IPv6 disguise */
    {"::ffff:127.0.0.2", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_LOOPBACK},    /* mapped */
    {"[::ffff:7f00:2]", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_LOOPBACK},
    {"::127.0.0.1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_LOOPBACK},         /* IPv4-compatible */
    {"::8.8.8.8", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_RESERVED},           /* deprecated form, even public */
    {"::ffff:0:10.0.0.1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_RESERVED},   /* SIIT */
    {"::ffff:0:127.0.0.1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_RESERVED},
    {"64:ff9b::10.0.0.1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_PRIVATE},    /* NAT64 */
    {"64:ff9b::7f00:1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_LOOPBACK},
    {"2002:c0a8:0101::1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_PRIVATE},    /* 6to4 of 192.168.1.1 */
    {"2002:7f00:1::1", MK_CONTACT_INTERNAL_ADDRESS, MK_SCOPE_LOOPBACK},
    /* special-use and private-use names */
    {"printer.local", MK_CONTACT_SPECIAL_NAME, MK_SCOPE_NOT_ADDRESS},
    {"PRINTER.LOCAL.", MK_CONTACT_SPECIAL_NAME, MK_SCOPE_NOT_ADDRESS},
    {"a.b.localhost", MK_CONTACT_SPECIAL_NAME, MK_SCOPE_NOT_ADDRESS},
    {"vault.internal", MK_CONTACT_SPECIAL_NAME, MK_SCOPE_NOT_ADDRESS},
    {"hr.example.corp", MK_CONTACT_SPECIAL_NAME, MK_SCOPE_NOT_ADDRESS},
    {"nas.lan", MK_CONTACT_SPECIAL_NAME, MK_SCOPE_NOT_ADDRESS},
    {"router.home.arpa", MK_CONTACT_SPECIAL_NAME, MK_SCOPE_NOT_ADDRESS},
    {"app.test", MK_CONTACT_SPECIAL_NAME, MK_SCOPE_NOT_ADDRESS},
    {"x.invalid", MK_CONTACT_SPECIAL_NAME, MK_SCOPE_NOT_ADDRESS},
    {"shop.example", MK_CONTACT_SPECIAL_NAME, MK_SCOPE_NOT_ADDRESS},
    {"www.example.com", MK_CONTACT_SPECIAL_NAME, MK_SCOPE_NOT_ADDRESS},
    {"duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion", MK_CONTACT_SPECIAL_NAME, MK_SCOPE_NOT_ADDRESS},
    {"wallet.alt", MK_CONTACT_SPECIAL_NAME, MK_SCOPE_NOT_ADDRESS},
    {"host.intranet", MK_CONTACT_SPECIAL_NAME, MK_SCOPE_NOT_ADDRESS},
    {"1.0.0.127.in-addr.arpa", MK_CONTACT_SPECIAL_NAME, MK_SCOPE_NOT_ADDRESS},
    /* not names at all */
    {"intranet", MK_CONTACT_NOT_A_NAME, MK_SCOPE_NOT_ADDRESS},
    {"2130706434", MK_CONTACT_NOT_A_NAME, MK_SCOPE_NOT_ADDRESS},            /* 127.0.0.2 as a number */
    {"0x7f000002", MK_CONTACT_NOT_A_NAME, MK_SCOPE_NOT_ADDRESS},
    {"127.1", MK_CONTACT_NOT_A_NAME, MK_SCOPE_NOT_ADDRESS},
    {"0x7f.0.0.1", MK_CONTACT_NOT_A_NAME, MK_SCOPE_NOT_ADDRESS},
    {"fe80::1%eth0", MK_CONTACT_NOT_A_NAME, MK_SCOPE_NOT_ADDRESS},
    {"bad name.com", MK_CONTACT_NOT_A_NAME, MK_SCOPE_NOT_ADDRESS},
    {"", MK_CONTACT_NOT_A_NAME, MK_SCOPE_NOT_ADDRESS},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++) {
        const row *r = &ROWS[i];
        mk_contact got = mk_contact_check(r->target);
        if (got != r->want)
            fail_msg("%s: expected %s, got %s", r->target, mk_contact_name(r->want), mk_contact_name(got));
        mk_address_scope scope = mk_address_scope_of(r->target);
        if (scope != r->scope)
            fail_msg("%s: expected scope %s, got %s", r->target, mk_address_scope_name(r->scope),
                     mk_address_scope_name(scope));
        assert_int_equal(mk_contact_allowed(r->target), r->want == MK_CONTACT_ALLOWED);
        /* mk_ip_is_private() is the same rule */
        assert_int_equal(mk_ip_is_private(r->target), r->want == MK_CONTACT_INTERNAL_ADDRESS);
    }
    assert_int_equal(mk_contact_check(NULL), MK_CONTACT_NOT_A_NAME);
}

static void test_bytes_match_text(void **state)
{
    (void)state;
    /* What the open-socket callback sees: binary addresses, IPv4 as mapped. */
    unsigned char v4[16] = {[10] = 0xff, [11] = 0xff, [12] = 127, [13] = 0, [14] = 0, [15] = 2};
    assert_int_equal(mk_address_scope_of_bytes(v4), MK_SCOPE_LOOPBACK);
    unsigned char pub[16] = {[10] = 0xff, [11] = 0xff, [12] = 93, [13] = 184, [14] = 216, [15] = 34};
    assert_int_equal(mk_address_scope_of_bytes(pub), MK_SCOPE_PUBLIC);
    unsigned char mc[16] = {0xff, 0x02, [15] = 1};
    assert_int_equal(mk_address_scope_of_bytes(mc), MK_SCOPE_MULTICAST);
}

static void test_names_refused_until_loaded(void **state)
{
    (void)state;
    /* Before the list is loaded no name may be asked about; addresses need no list. */
    assert_int_equal(mk_contact_check("eki-net.com"), MK_CONTACT_NO_LIST);
    assert_int_equal(mk_contact_check("93.184.216.34"), MK_CONTACT_ALLOWED);
    /* The first load wins for the process; a broken list stopping the host is tested
     * through the command line (tests/online/test_forbidden_contact.py). */
    char *error = NULL;
    assert_true(mk_contact_load(getenv("MEKIKI_DATA_DIR"), &error));   /* set by ctest */
    assert_null(error);
    assert_int_equal(mk_contact_check("eki-net.com"), MK_CONTACT_ALLOWED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_refused_until_loaded),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_bytes_match_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
