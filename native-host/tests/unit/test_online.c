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
#include "domain.h"
#include "lookups.h"
#include "online_report.h"
#include "findings.h"
#include "rdap.h"
#include "resolver_check.h"
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

/* Recorded answers of the registries phishing uses, in their own formats
 * (tests/online/fixtures/whois/): what an investigator reads off each. */
typedef struct whois_case {
    const char *file;
    const char *status;
    long long created;   /* 0: the registry gives no creation date */
    const char *registrar, *org, *name, *country, *registry_status;
} whois_case;

static const whois_case WHOIS_CASES[] = {
    {"jprs-en.txt", "registered", 1561939200, NULL, NULL, "Xserver Inc.", NULL, "Active"},
    {"jprs-ja.txt", "registered", 1713398400, NULL, NULL, "お名前.com whois代行サービス", NULL, "Active"},
    {"jprs-cojp-ja.txt", "registered", 1109635200, NULL, "株式会社キードッグ", NULL, NULL, "Connected"},
    {"denic-connect.txt", "registered", 0, NULL, NULL, NULL, NULL, "connect"},
    {"denic-free.txt", "unregistered", 0, NULL, NULL, NULL, NULL, "free"},
    {"cnnic.txt", "registered", 1712672551, "阿里云计算有限公司（万网）", NULL, "王建国", NULL, "ok"},
    {"cnnic-miss.txt", "unregistered", 0, NULL, NULL, NULL, NULL, NULL},
    {"verisign-thin.txt", "registered", 1712816504, "NameCheap, Inc.", NULL, NULL, NULL, "clientTransferProhibited"},
    {"verisign-miss.txt", "unregistered", 0, NULL, NULL, NULL, NULL, NULL},
    {"registrar-thick.txt", "registered", 1712816504, "NAMECHEAP INC",
     "Privacy service provided by Withheld for Privacy ehf", "Redacted for Privacy", "IS", "clientTransferProhibited"},
    {"nominet.txt", "registered", 1712102400, "Tucows Inc t/a Tucows [Tag = TUCOWS-CA]", NULL, NULL, NULL, "Registered"},
    {"registrobr.txt", "registered", 1711670400, NULL, "Marcos Vinicius Pereira", "Marcos Vinicius Pereira", NULL,
     "published"},
    {"tci-ru.txt", "registered", 1713777271, "REGRU-RU", NULL, "Private Person", NULL, "REGISTERED"},
    {"tci-ru-miss.txt", "unregistered", 0, NULL, NULL, NULL, NULL, NULL},
    {"auda.txt", "registered", 0, "VentraIP Australia Pty Ltd", NULL, "Daniel Nguyen", NULL, "serverRenewProhibited"},
    {"auda-miss.txt", "unregistered", 0, NULL, NULL, NULL, NULL, NULL},
};

static char *read_fixture(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = mk_xcalloc(1, MK_WHOIS_MAX_ANSWER + 1);
    *len = fread(buf, 1, MK_WHOIS_MAX_ANSWER, f);
    fclose(f);
    return buf;
}

static void assert_field(const json_t *r, const char *key, const char *want, const char *file)
{
    const char *got = json_string_value(json_object_get(r, key));
    if (!want && got)
        fail_msg("%s: %s should be absent, is \"%s\"", file, key, got);
    if (want && (!got || strcmp(got, want) != 0))
        fail_msg("%s: %s is \"%s\", expected \"%s\"", file, key, got ? got : "(absent)", want);
}

static void test_whois_registry_formats(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof WHOIS_CASES / sizeof *WHOIS_CASES; i++) {
        const whois_case *c = &WHOIS_CASES[i];
        char *path = mk_xasprintf("tests/online/fixtures/whois/%s", c->file);
        size_t len = 0;
        char *text = read_fixture(path, &len);
        if (!text)
            fail_msg("cannot read %s", path);
        json_t *r = mk_whois_parse(text, len);
        assert_field(r, "status", c->status, c->file);
        if (json_integer_value(json_object_get(r, "created_epoch")) != c->created)
            fail_msg("%s: created_epoch %lld, expected %lld", c->file,
                     (long long)json_integer_value(json_object_get(r, "created_epoch")), c->created);
        assert_field(r, "registrar", c->registrar, c->file);
        if (c->org)
            assert_field(r, "registrant_org", c->org, c->file);
        if (c->name)
            assert_field(r, "registrant_name", c->name, c->file);
        assert_field(r, "registrant_country", c->country, c->file);
        if (c->registry_status)
            assert_field(r, "registry_status", c->registry_status, c->file);
        json_decref(r);
        free(text);
        free(path);
    }
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
    /* How long the engine may take is a benchmark's and online.test_budget's
     * question (with slack per build); here: it gave up on every question. */
    mk_online_facts *online = mk_enrich(&f, NULL, &o);
    assert_true(online->n_lookups >= 8);
    for (size_t i = 0; i < online->n_lookups; i++)
        assert_int_equal(online->lookups[i].status, MK_LOOKUP_TIMEOUT);
    assert_true(online->budget_exhausted);
    assert_int_equal(online->origin.ptr, MK_EXIST_UNKNOWN);
    assert_false(online->summary.resolver_unreliable);   /* silence is not a lie */

    f.online = online;
    mk_findings out = {0};
    mk_checks_online(&f, NULL, &out);
    assert_int_equal(out.n, 0);   /* silence is never evidence */
    mk_findings_free(&out);

    json_t *report = json_pack("{s:[], s:{}}", "links", "origin");
    mk_online_annotate_report(online, NULL, "en", report);
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
    o->received_at = o->now;
    assert_int_equal(mk_online_host_find(o, "campaign-vps.com")->dns, MK_EXIST_NXDOMAIN);
    assert_int_equal(mk_online_host_find(o, "aq.xyz")->dns, MK_EXIST_UNKNOWN);
    assert_int_equal(o->origin.ptr_forward, MK_FORWARD_UNRESOLVABLE);

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

/* The clock ages are read on: the trust boundary's Received date, else Date, never after now. */
static void test_received_at(void **state)
{
    (void)state;
    mk_hop hops[2] = {{.date = 1717377302, .trusted = false}, {.date = 1717377303, .trusted = true}};
    mk_message msg;
    memset(&msg, 0, sizeof msg);
    msg.date = 1717377298;
    mk_facts f;
    memset(&f, 0, sizeof f);
    f.msg = &msg;
    f.hops.v = hops;
    f.hops.n = 2;
    f.hops.origin = 0;
    mk_clock clock;
    assert_int_equal(mk_received_at(&f, 1800000000, &clock), 1717377302);
    assert_int_equal(clock, MK_CLOCK_RECEIVED);
    f.hops.origin = -1;   /* no origin: the topmost trusted hop */
    assert_int_equal(mk_received_at(&f, 1800000000, &clock), 1717377303);
    f.hops.n = 0;
    assert_int_equal(mk_received_at(&f, 1800000000, &clock), 1717377298);
    assert_int_equal(clock, MK_CLOCK_DATE);
    assert_int_equal(mk_received_at(&f, 1700000000, &clock), 1700000000);   /* a Date in the future */
    msg.date = 0;
    assert_int_equal(mk_received_at(&f, 1800000000, &clock), 1800000000);
    assert_int_equal(clock, MK_CLOCK_ANALYSIS);
    assert_string_equal(mk_clock_name(clock), "analysis");
}

/* A resolver is convicted by a definitive wrong answer, never by silence. */
static void test_resolver_check(void **state)
{
    (void)state;
    mk_resolver_check c;
    assert_true(mk_resolver_check_load(MK_SOURCE_DATA_DIR, &c));
    json_t *r = json_object();
    assert_int_equal(mk_resolver_check_judge(&c, r), MK_RESOLVER_UNTESTED);
    for (size_t i = 0; i < c.must_exist.n; i++) {
        char *key = mk_xasprintf("dns:A:%s", c.must_exist.v[i]);
        json_object_set_new(r, key, json_pack("{s:s}", "status", "ok"));
        free(key);
    }
    for (size_t i = 0; i < c.must_not_exist.n; i++) {
        char *key = mk_xasprintf("dns:A:%s", c.must_not_exist.v[i]);
        json_object_set_new(r, key, json_pack("{s:s}", "status", "nxdomain"));
        free(key);
    }
    assert_int_equal(mk_resolver_check_judge(&c, r), MK_RESOLVER_TRUSTED);
    char *key = mk_xasprintf("dns:A:%s", c.must_exist.v[0]);
    json_object_set_new(r, key, json_pack("{s:s}", "status", "timeout"));
    assert_int_equal(mk_resolver_check_judge(&c, r), MK_RESOLVER_UNTESTED);
    json_object_set_new(r, key, json_pack("{s:s}", "status", "nxdomain"));
    assert_int_equal(mk_resolver_check_judge(&c, r), MK_RESOLVER_UNRELIABLE);
    assert_string_equal(mk_resolver_verdict_name(MK_RESOLVER_UNRELIABLE), "unreliable");
    free(key);
    json_decref(r);
    mk_resolver_check_free(&c);
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
        cmocka_unit_test(test_whois_registry_formats),
        cmocka_unit_test(test_spf),
        cmocka_unit_test(test_cache_roundtrip),
        cmocka_unit_test(test_engine_budget_with_silent_servers),
        cmocka_unit_test(test_build_and_checks),
        cmocka_unit_test(test_received_at),
        cmocka_unit_test(test_resolver_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
