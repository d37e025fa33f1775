/* test_online.c - the online engine's parsers, cache and budget, without outside network.
 *
 * Parsers get recorded registry answers; the cache a temporary directory; the
 * engine a facts struct built by hand whose DNS, RDAP and WHOIS servers are one
 * loopback port that accepts and never answers, which must end in "timeout"
 * within the budget and produce no online finding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cache.h"
#include "checks.h"
#include "contact.h"
#include "enrich.h"
#include "findings.h"
#include "rdap.h"
#include "spf.h"
#include "whois.h"

static void test_rdap_privacy_registrant(void **state)
{
    (void)state;
    const char *body =
        "{\"objectClassName\":\"domain\",\"events\":[{\"eventAction\":\"registration\",\"eventDate\":\"2024-04-11T06:21:44.0Z\"}],"
        "\"entities\":[{\"roles\":[\"registrar\"],\"vcardArray\":[\"vcard\",[[\"fn\",{},\"text\",\"NameCheap, Inc.\"]]]},"
        "{\"roles\":[\"registrant\"],\"vcardArray\":[\"vcard\",[[\"org\",{},\"text\",\"See PrivacyGuardian.org\"],"
        "[\"adr\",{\"cc\":\"US\"},\"text\",[\"\",\"\",\"\",\"Phoenix\",\"AZ\",\"\",\"US\"]]]]}]}";
    json_t *r = mk_rdap_parse_domain(200, body, strlen(body));
    assert_string_equal(json_string_value(json_object_get(r, "status")), "registered");
    assert_string_equal(json_string_value(json_object_get(r, "registrar")), "NameCheap, Inc.");
    assert_string_equal(json_string_value(json_object_get(r, "registrant_org")), "See PrivacyGuardian.org");
    assert_string_equal(json_string_value(json_object_get(r, "registrant_country")), "US");
    assert_int_equal(json_integer_value(json_object_get(r, "created_epoch")), 1712816504);
    json_decref(r);
    r = mk_rdap_parse_domain(404, "", 0);
    assert_string_equal(json_string_value(json_object_get(r, "status")), "unregistered");
    json_decref(r);
    r = mk_rdap_parse_domain(200, "[[[[", 4);
    assert_string_equal(json_string_value(json_object_get(r, "status")), "error");
    json_decref(r);
}

static void test_rdap_bootstrap(void **state)
{
    (void)state;
    json_t *b = json_loads("{\"services\":[[[\"shop\",\"xyz\"],[\"http://a/\",\"https://rdap.example/\"]]]}", 0, NULL);
    char *base = mk_rdap_bootstrap_base(b, "xyz");
    assert_string_equal(base, "https://rdap.example/");
    char *url = mk_rdap_domain_url(base, "aq.xyz");
    assert_string_equal(url, "https://rdap.example/domain/aq.xyz");
    assert_null(mk_rdap_bootstrap_base(b, "jp"));
    free(base);
    free(url);
    json_decref(b);
    assert_int_equal(mk_rdap_parse_time("2024-01-01T09:00:00+09:00"), 1704067200);
    assert_int_equal(mk_rdap_parse_time("garbage"), 0);
}

static void test_whois_jprs_and_miss(void **state)
{
    (void)state;
    const char *jprs = "Domain Information:\n[Domain Name]                   COLONISTA.JP\n"
                       "[Registrant]                    Xserver Inc.\n[Created on]                    2019/07/01\n";
    json_t *r = mk_whois_parse(jprs, strlen(jprs));
    assert_string_equal(json_string_value(json_object_get(r, "status")), "registered");
    assert_string_equal(json_string_value(json_object_get(r, "registrant_name")), "Xserver Inc.");
    assert_int_equal(json_integer_value(json_object_get(r, "created_epoch")), 1561939200);
    json_decref(r);
    const char *cojp = "a. [Domain Name]                KEYDOG.CO.JP\ng. [Organization]               Keydog Co.\n"
                       "[Registered Date]               2005/03/01\n";
    r = mk_whois_parse(cojp, strlen(cojp));
    assert_string_equal(json_string_value(json_object_get(r, "registrant_org")), "Keydog Co.");
    json_decref(r);
    r = mk_whois_parse("No match!!\n", 11);
    assert_string_equal(json_string_value(json_object_get(r, "status")), "unregistered");
    json_decref(r);
    r = mk_whois_parse("refer:        whois.nic.xyz\n", 28);
    assert_string_equal(json_string_value(json_object_get(r, "refer")), "whois.nic.xyz");
    json_decref(r);
    char *host;
    int port;
    assert_true(mk_whois_split_server("127.0.0.1:4343", &host, &port));
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 4343);
    free(host);
    assert_false(mk_whois_split_server("x:99999", &host, &port));
}

static void test_spf(void **state)
{
    (void)state;
    mk_spf spf;
    assert_true(mk_spf_parse("v=spf1 ip4:203.0.113.0/24 -ip4:198.51.100.1 include:_spf.Example.com mx ~all", &spf));
    assert_non_null(mk_spf_match_ip(&spf, "203.0.113.77"));
    assert_null(mk_spf_match_ip(&spf, "198.51.100.1"));
    assert_int_equal(spf.includes.n, 1);
    assert_string_equal(spf.includes.v[0], "_spf.example.com");
    assert_true(spf.uses_mx);
    mk_spf_free(&spf);
    assert_false(mk_spf_parse("google-site-verification=x", &spf));
    assert_true(mk_ip_in_network("2001:db8::1", "2001:db8::/32"));
    assert_false(mk_ip_in_network("2001:db9::1", "2001:db8::/32"));
    assert_false(mk_ip_in_network("1.2.3.4", "1.2.3.0/99"));
}

static void test_cache_roundtrip(void **state)
{
    (void)state;
    char dir[] = "/tmp/mk-cache-XXXXXX";
    assert_non_null(mkdtemp(dir));
    mk_cache *c = mk_cache_open(dir, NULL);
    assert_non_null(c);
    json_t *v = json_pack("{s:s}", "status", "nxdomain");
    mk_cache_put(c, "dns:A", "campaign-vps.com", v, 1000, MK_TTL_DNS_NEGATIVE);
    json_t *got = mk_cache_get(c, "dns:A", "campaign-vps.com", 1000 + 60);
    assert_non_null(got);
    assert_true(json_equal(got, v));
    json_decref(got);
    assert_null(mk_cache_get(c, "dns:A", "campaign-vps.com", 1000 + MK_TTL_DNS_NEGATIVE + 1));
    assert_null(mk_cache_get(c, "dns:MX", "campaign-vps.com", 1000));
    json_decref(v);
    mk_cache_close(c);
    char *cmd = mk_xasprintf("rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

/* A loopback TCP listener and UDP socket on the same port that never answer. */
static int silent_port(int *tcp, int *udp)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    *tcp = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(bind(*tcp, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(*tcp, (struct sockaddr *)&a, &len);
    listen(*tcp, 16);
    *udp = socket(AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(bind(*udp, (struct sockaddr *)&a, sizeof a), 0);
    return ntohs(a.sin_port);
}

static void test_engine_budget_with_silent_servers(void **state)
{
    (void)state;
    int tcp, udp;
    int port = silent_port(&tcp, &udp);
    char server[64], base[80];
    snprintf(server, sizeof server, "127.0.0.1:%d", port);
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);

    mk_address from = {.name = "", .address = "info@campaign-vps.com", .domain = "campaign-vps.com"};
    mk_address reply = {.name = "", .address = "postmaster@aq.xyz", .domain = "aq.xyz"};
    mk_address jp = {.name = "", .address = "a@colonista.jp", .domain = "colonista.jp"};
    mk_hop hop = {.helo = "x", .rdns = "unknown", .ip = "163.43.158.180", .by = "", .with = "", .id = "",
                  .for_addr = "", .date_rfc3339 = "", .raw = ""};
    mk_facts f;
    memset(&f, 0, sizeof f);
    f.from.addr = &from;
    f.reply_to.addr = &reply;
    f.return_path.addr = &jp;
    f.hops.v = &hop;
    f.hops.n = 1;
    f.hops.origin = 0;

    mk_enrich_options o = {.dns_server = server, .rdap_base = base, .whois_server = server,
                           .budget_ms = 400, .no_cache = true, .data_dir = MK_SOURCE_DATA_DIR};
    double t0 = mk_now_ms();
    mk_online_facts *online = mk_enrich(&f, NULL, &o);
    double took = mk_now_ms() - t0;
    assert_true(took < 400 + 200);
    assert_true(online->n_lookups >= 8);
    for (size_t i = 0; i < online->n_lookups; i++)
        assert_string_equal(online->lookups[i].status, "timeout");
    assert_true(online->budget_exhausted);
    assert_string_equal(online->origin.ptr, "unknown");

    f.online = online;
    mk_findings out = {0};
    mk_checks_online(&f, NULL, &out);
    assert_int_equal(out.n, 0);   /* silence is never evidence */
    mk_findings_free(&out);

    json_t *report = json_pack("{s:[], s:{}}", "links", "origin");
    mk_online_annotate_report(online, &f, report);
    assert_int_equal(json_array_size(json_object_get(report, "lookups")), online->n_lookups);
    json_decref(report);
    mk_online_facts_free(online);
    close(tcp);
    close(udp);
}

/* The facts reading half: answers as the engine stores them, checks on top. */
static void test_build_and_checks(void **state)
{
    (void)state;
    json_t *plan = json_loads("{\"hosts\":{\"campaign-vps.com\":1,\"aq.xyz\":2},"
                              "\"regs\":{\"campaign-vps.com\":1,\"aq.xyz\":2,\"vecterdian.shop\":8},"
                              "\"from_host\":\"campaign-vps.com\",\"origin_ip\":\"23.94.183.109\"}", 0, NULL);
    json_t *res = json_loads(
        "{\"dns:A:campaign-vps.com\":{\"status\":\"nxdomain\",\"answers\":[]},"
        "\"dns:AAAA:campaign-vps.com\":{\"status\":\"nxdomain\",\"answers\":[]},"
        "\"dns:MX:campaign-vps.com\":{\"status\":\"nxdomain\",\"answers\":[]},"
        "\"dns:A:aq.xyz\":{\"status\":\"timeout\"},"
        "\"dns:PTR:23.94.183.109\":{\"status\":\"ok\",\"answers\":[\"h.colocrossing.com\"]},"
        "\"dns:A:h.colocrossing.com\":{\"status\":\"nxdomain\",\"answers\":[]},"
        "\"dns:AAAA:h.colocrossing.com\":{\"status\":\"nxdomain\",\"answers\":[]},"
        "\"rdap:domain:campaign-vps.com\":{\"status\":\"unregistered\"},"
        "\"rdap:domain:aq.xyz\":{\"status\":\"timeout\"},"
        "\"rdap:domain:vecterdian.shop\":{\"status\":\"registered\",\"created\":\"x\",\"created_epoch\":1000000,"
        "\"remarks\":[\"REDACTED FOR PRIVACY\"]}}", 0, NULL);
    mk_online_facts *o = mk_xcalloc(1, sizeof *o);
    o->now = 1000000 + 10 * 86400;
    mk_online_build(o, plan, res, NULL, NULL);
    assert_string_equal(mk_online_host_find(o, "campaign-vps.com")->dns, "nxdomain");
    assert_string_equal(mk_online_host_find(o, "aq.xyz")->dns, "unknown");
    assert_string_equal(o->origin.ptr_forward, "unresolvable");

    mk_address from = {.name = "", .address = "i@campaign-vps.com", .domain = "campaign-vps.com"};
    mk_address reply = {.name = "", .address = "p@aq.xyz", .domain = "aq.xyz"};
    mk_facts f;
    memset(&f, 0, sizeof f);
    f.from.addr = &from;
    f.reply_to.addr = &reply;
    f.online = o;
    mk_findings out = {0};
    mk_checks_online(&f, NULL, &out);
    assert_true(mk_findings_has(&out, "from_domain_unresolvable"));
    assert_false(mk_findings_has(&out, "reply_to_unresolvable"));   /* timeout is not evidence */
    assert_true(mk_findings_has(&out, "domain_unregistered"));
    assert_true(mk_findings_has(&out, "domain_newly_registered"));
    assert_true(mk_findings_has(&out, "received_rdns_mismatch"));
    assert_false(mk_findings_has(&out, "received_origin_mismatch"));  /* From does not even exist */
    mk_findings_free(&out);
    mk_online_facts_free(o);
    json_decref(plan);
    json_decref(res);
}

int main(void)
{
    if (!mk_contact_load(getenv("MEKIKI_DATA_DIR"), NULL)) {   /* which names the planner may ask about */
        fprintf(stderr, "test_online: MEKIKI_DATA_DIR must name data/ with special_use_names.json\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rdap_privacy_registrant),
        cmocka_unit_test(test_rdap_bootstrap),
        cmocka_unit_test(test_whois_jprs_and_miss),
        cmocka_unit_test(test_spf),
        cmocka_unit_test(test_cache_roundtrip),
        cmocka_unit_test(test_engine_budget_with_silent_servers),
        cmocka_unit_test(test_build_and_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
