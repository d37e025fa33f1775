/* test_links.c - pairing link captions with targets, forms, hidden text,
 * URLs in plain text, and staying bounded on hostile HTML.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "page.h"
#include "util.h"

static void add_html(mk_page *p, const char *html)
{
    mk_page_add_html(p, html, strlen(html), MK_LINK_HTML);
}

static void test_caption_and_target(void **state)
{
    (void)state;
    mk_page p = {0};
    add_html(&p, "<html><head><title>えきねっと</title><style>a{}</style></head><body>"
                 "<p>ご確認ください</p><a href=\"https://ekl-net.evil.shop/update/?a=1&amp;b=2\">"
                 "<b>https://www.eki-net.com/</b>...</a>"
                 "<a href='https://x.example.com/'><img src=a.png alt='ログイン'></a>"
                 "<map><area href='http://3232235777/' alt=x></map><script>var a='<a href=z>';</script></body></html>");
    assert_int_equal(p.n_links, 3);
    assert_string_equal(p.links[0].href, "https://ekl-net.evil.shop/update/?a=1&b=2");
    assert_string_equal(p.links[0].text, "https://www.eki-net.com/...");
    assert_string_equal(p.links[0].url.host, "ekl-net.evil.shop");
    assert_int_equal(p.links[0].source, MK_LINK_HTML);
    assert_string_equal(p.links[1].text, "ログイン");
    assert_true(p.links[2].url.host_is_ip);
    assert_non_null(strstr(p.visible_text, "ご確認ください"));
    assert_null(strstr(p.visible_text, "var a"));
    assert_null(strstr(p.visible_text, "えきねっと"));   /* the title is not shown */
    assert_int_equal(p.forms, 0);
    assert_null(p.hidden_text);
    mk_page_free(&p);
}

static void test_forms(void **state)
{
    (void)state;
    mk_page p = {0};
    add_html(&p, "<form action='https://collect.example.net/p.php' method=post>"
                 "<input name=u><input type=password name=p></form>"
                 "<form><input type=text name=q></form><form><input type=submit></form>");
    assert_int_equal(p.forms, 2);
    assert_true(p.password_input);
    assert_int_equal(p.n_links, 1);
    assert_int_equal(p.links[0].source, MK_LINK_FORM);
    assert_string_equal(p.links[0].url.host, "collect.example.net");
    mk_page_free(&p);
}

static void test_hidden_text(void **state)
{
    (void)state;
    mk_page p = {0};
    add_html(&p, "<body bgcolor='#FFF'><div style='display: none'>AAAA</div>"
                 "<span style='font-size:0px'>BBBB</span><p style='visibility:hidden'>CC</p>"
                 "<font color=white>DD</font><div style='height:0;overflow:hidden'>EE</div>"
                 "<span style='font-size:12px;color:#333'>shown</span></body>");
    assert_int_equal(p.hidden_chars, 14);
    assert_non_null(p.hidden_text);
    assert_non_null(strstr(p.hidden_text, "AAAA"));
    assert_non_null(strstr(p.hidden_text, "EE"));
    assert_string_equal(p.visible_text, "shown");
    mk_page_free(&p);
}

static void test_plain_text_urls(void **state)
{
    (void)state;
    mk_page p = {0};
    const char *t = "お客様\nこちらhttps://eki-net.example.shop/login から【www.example.jp】確認。"
                    "(hxxps://evil.example.org/x). mail: a@b.example.com";
    mk_page_add_text(&p, t, strlen(t));
    assert_int_equal(p.n_links, 3);
    assert_string_equal(p.links[0].href, "https://eki-net.example.shop/login");
    assert_string_equal(p.links[0].url.host, "eki-net.example.shop");
    assert_int_equal(p.links[0].source, MK_LINK_TEXT);
    assert_string_equal(p.links[1].url.host, "www.example.jp");
    assert_string_equal(p.links[2].url.host, "evil.example.org");
    assert_non_null(strstr(p.visible_text, "お客様 こちら"));
    mk_page_add_html(&p, "<p>second part</p>", 18, MK_LINK_ATTACHMENT);
    assert_non_null(strstr(p.visible_text, "second part"));
    mk_page_free(&p);
}

static char *repeat(const char *unit, size_t times, const char *tail)
{
    size_t ul = strlen(unit), tl = strlen(tail);
    char *s = mk_xmalloc(ul * times + tl + 1);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * ul, unit, ul);
    memcpy(s + ul * times, tail, tl + 1);
    return s;
}

static void test_deep_nesting(void **state)
{
    (void)state;
    char *html = repeat("<div>", 1000, "<a href='https://deep.example.com/'>deep</a>");
    mk_page p = {0};
    add_html(&p, html);
    assert_int_equal(p.n_links, 1);
    assert_string_equal(p.links[0].text, "deep");
    mk_page_free(&p);
    free(html);

    /* Far deeper than any parser stack: returns (its time is tests/hostile's to bound). */
    html = repeat("<div>", 200000, "");
    add_html(&p, html);
    mk_page_free(&p);
    free(html);
    html = repeat("<table><tr><td><b><a href=x>", 50000, "");
    add_html(&p, html);
    mk_page_free(&p);
    free(html);
}

static void test_link_cap(void **state)
{
    (void)state;
    char *html = repeat("<a href='https://a.example.com/'>x</a>", MK_LINKS_MAX + 10, "");
    mk_page p = {0};
    add_html(&p, html);
    assert_true(p.n_links + p.links_dropped >= MK_LINKS_MAX);
    assert_int_equal(p.n_links, MK_LINKS_MAX);
    mk_page_free(&p);
    free(html);
    mk_page_add_html(&p, NULL, 0, MK_LINK_HTML);
    mk_page_add_text(&p, NULL, 0);
    mk_page_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caption_and_target), cmocka_unit_test(test_forms),
        cmocka_unit_test(test_hidden_text),        cmocka_unit_test(test_plain_text_urls),
        cmocka_unit_test(test_deep_nesting),       cmocka_unit_test(test_link_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
