/* Unit tests for rewriters.c: every rule kind of data/rewriters.json gives back the destination,
 * and links that only look like a rewriter's are left alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "catalog.h"
#include "rewriters.h"
#include "shipped_catalog.h"
#include "url.h"

/* The destination of href, or NULL; *service names the rewriter. */
static char *unwrap(const char *href, const char **service)
{
    mk_url u;
    mk_url_parse(href, &u);
    const mk_rewriter *rule = NULL;
    char *dest = mk_rewriters_unwrap(&cat->rewriters, &u, href, &rule);
    *service = rule ? rule->name : NULL;
    mk_url_free(&u);
    return dest;
}

static void expect(const char *href, const char *want, const char *service)
{
    const char *got_service;
    char *got = unwrap(href, &got_service);
    if (!got)
        fail_msg("%s: not unwrapped", href);
    assert_string_equal(got, want);
    assert_string_equal(got_service, service);
    free(got);
}

static void test_gateways(void **state)
{
    (void)state;
    expect("https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fevil.example%2Flogin%3Fa%3D1&data=05%7C01",
           "https://evil.example/login?a=1", "Microsoft Safe Links");
    expect("https://urldefense.proofpoint.com/v1/url?u=http://evil.example/x&k=abc",
           "http://evil.example/x", "Proofpoint URL Defense v1");
    expect("https://urldefense.proofpoint.com/v2/url?u=https-3A__www.evil-2Dsite.example_login&d=DwMFaQ",
           "https://www.evil-site.example/login", "Proofpoint URL Defense v2");
    expect("https://urldefense.com/v3/__https://evil.example/path__;!!Ab$",
           "https://evil.example/path", "Proofpoint URL Defense v3");
    expect("https://protect-eu.mimecast.com/s/AbCdE?domain=evil.example.co.uk",
           "https://evil.example.co.uk/", "Mimecast URL Protect");
    expect("https://linkprotect.cudasvc.com/url?a=https%3a%2f%2fevil.example%2f&c=E,1,x",
           "https://evil.example/", "Barracuda Link Protection");
    expect("https://secure-web.cisco.com/1xYz-token/https%3A%2F%2Fevil.example%2Fpay",
           "https://evil.example/pay", "Cisco Secure Email");
    expect("https://imsva91-ctp.trendmicro.com/wis/clicktime/v1/query?url=https%3a%2f%2fevil.example&umid=1",
           "https://evil.example", "Trend Micro Time-of-Click");
}

static void test_site_redirects(void **state)
{
    (void)state;
    expect("https://www.google.com/url?q=https://evil.example/&sa=D", "https://evil.example/", "Google redirect");
    expect("https://www.google.co.jp/url?sa=t&url=https%3A%2F%2Fevil.example%2F", "https://evil.example/",
           "Google redirect");
    expect("https://google.jo/amp/s/rb.gy/dy6npe", "https://rb.gy/dy6npe", "Google AMP viewer");
    expect("https://l.facebook.com/l.php?u=https%3A%2F%2Fevil.example%2F&h=AT0", "https://evil.example/",
           "Facebook link shim");
    expect("https://www.linkedin.com/redir/redirect?url=https%3A%2F%2Fevil.example&urlhash=x",
           "https://evil.example", "LinkedIn redirect");
    expect("https://slack-redir.net/link?url=https%3A%2F%2Fevil.example%2F", "https://evil.example/",
           "Slack redirect");
}

static void test_lookalikes_left_alone(void **state)
{
    (void)state;
    const char *service;
    const char *plain[] = {
        "https://www.google.com/search?q=mekiki",              /* not /url */
        "https://safelinks.protection.outlook.com.evil.example/?url=https%3A%2F%2Fx.example",
        "https://googleusercontent.com/url?q=https://x.example", /* label is not google */
        "https://www.google.com/url?sa=D",                     /* no destination */
        "https://urldefense.com/v3/no-markers",
    };
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
        char *got = unwrap(plain[i], &service);
        if (got)
            fail_msg("%s unwrapped to %s", plain[i], got);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gateways),
        cmocka_unit_test(test_site_redirects),
        cmocka_unit_test(test_lookalikes_left_alone),
    };
    return cmocka_run_group_tests(tests, load_shipped_catalog, unload_shipped_catalog);
}
