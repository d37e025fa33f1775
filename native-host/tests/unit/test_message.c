/* test_message.c - the message model against realistic and hostile mail.
 *
 * The realistic cases are .eml files in messages/ (written by
 * messages/make_fixtures.py, which encodes them with Python's codecs); the
 * hostile ones are built in memory here because they are large or random.
 * Every test also checks that every string the model hands out is valid
 * UTF-8, which is the model's main promise to the rest of the host.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "message.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------ */

static char *read_fixture(const char *name, size_t *len)
{
    const char *slash = strrchr(__FILE__, '/');
    int dir_len = slash ? (int)(slash - __FILE__) : 1;
    char *path = mk_xasprintf("%.*s/messages/%s", dir_len, slash ? __FILE__ : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open fixture %s", path);
    mk_strbuf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        mk_strbuf_append(&b, buf, n);
    fclose(f);
    free(path);
    *len = b.len;
    return mk_strbuf_steal(&b);
}

static void assert_utf8(const char *s)
{
    assert_non_null(s);
    if (!g_utf8_validate(s, -1, NULL))
        fail_msg("invalid UTF-8: %s", s);
}

static void assert_address_ok(const mk_address *a)
{
    assert_utf8(a->name);
    assert_utf8(a->address);
    assert_utf8(a->domain);
}

/* The model's promise: nothing NULL that should not be, all of it UTF-8. */
static void assert_well_formed(const mk_message *m)
{
    for (size_t i = 0; i < m->n_headers; i++) {
        assert_utf8(m->headers[i].name);
        assert_utf8(m->headers[i].value);
    }
    assert_utf8(m->subject);
    assert_utf8(m->date_raw);
    assert_utf8(m->date_rfc3339);
    assert_utf8(m->message_id);
    assert_utf8(m->message_id_domain);
    assert_address_ok(&m->from);
    assert_address_ok(&m->sender);
    assert_address_ok(&m->reply_to);
    assert_address_ok(&m->return_path);
    for (size_t i = 0; i < m->n_to; i++)
        assert_address_ok(&m->to[i]);
    for (size_t i = 0; i < m->n_texts; i++)
        assert_utf8(m->texts[i]);
    for (size_t i = 0; i < m->n_htmls; i++)
        assert_utf8(m->htmls[i]);
    for (size_t i = 0; i < m->n_attachments; i++) {
        assert_utf8(m->attachments[i].filename);
        assert_utf8(m->attachments[i].content_type);
        if (m->attachments[i].html)
            assert_utf8(m->attachments[i].html);
    }
}

static mk_message *parse_fixture(const char *name)
{
    size_t len;
    char *raw = read_fixture(name, &len);
    mk_message *m = mk_message_parse(raw, len);
    free(raw);
    assert_well_formed(m);
    return m;
}

static mk_message *parse_string(const char *s, size_t len)
{
    mk_message *m = mk_message_parse(s, len);
    assert_well_formed(m);
    return m;
}

/* ---- realistic messages -------------------------------------------------- */

static void test_iso2022jp_headers(void **state)
{
    (void)state;
    mk_message *m = parse_fixture("iso2022jp.eml");
    assert_null(m->error);
    assert_string_equal(m->subject, "【重要】えきねっとアカウント確認のお願い");
    assert_string_equal(m->from.name, "えきねっと");
    assert_string_equal(m->from.address, "info@Eki-Net.Example-Login.XYZ");
    assert_string_equal(m->from.domain, "eki-net.example-login.xyz");
    assert_string_equal(m->reply_to.name, "Support");
    assert_string_equal(m->reply_to.domain, "reply.example");
    assert_string_equal(m->return_path.address, "bounce@mailer.example-login.xyz");
    assert_string_equal(m->return_path.name, "");
    assert_string_equal(m->sender.address, "");
    assert_int_equal(m->n_to, 3);
    assert_string_equal(m->to[0].address, "user@example.jp");
    assert_string_equal(m->to[1].name, "Taro, Yamada");
    assert_string_equal(m->to[1].address, "taro@example.jp");
    assert_string_equal(m->to[2].name, "Hanako");
    assert_string_equal(m->message_id, "20250126190000.1234@Mailer.Example-Login.XYZ");
    assert_string_equal(m->message_id_domain, "mailer.example-login.xyz");
    assert_int_equal(m->date, 1737885600);
    assert_string_equal(m->date_rfc3339, "2025-01-26T10:00:00Z");
    assert_string_equal(m->date_raw, "Sun, 26 Jan 2025 19:00:00 +0900");
    mk_message_free(m);
}

static void test_header_order_and_lookup(void **state)
{
    (void)state;
    mk_message *m = parse_fixture("iso2022jp.eml");
    assert_int_equal(m->n_headers, 13);
    assert_string_equal(m->headers[0].name, "Return-Path");
    assert_string_equal(m->headers[1].name, "Received");
    assert_string_equal(m->headers[1].value,
                        "from mailer.example-login.xyz (unknown [203.0.113.7]) by mx.example.jp "
                        "with ESMTP id 1A2B3C for <user@example.jp>; Sun, 26 Jan 2025 19:00:00 +0900");
    assert_int_equal(mk_message_header_index(m, "cc", 0), 6);
    assert_int_equal(mk_message_header_index(m, "CC", 7), 7);
    assert_int_equal(mk_message_header_index(m, "Cc", 8), -1);
    assert_int_equal(mk_message_header_index(m, "X-Missing", 0), -1);
    assert_null(mk_message_header(m, "X-Missing"));
    assert_string_equal(mk_message_header(m, "content-transfer-encoding"), "7bit");
    mk_message_free(m);
}

static void test_iso2022jp_body_with_nec_characters(void **state)
{
    (void)state;
    mk_message *m = parse_fixture("iso2022jp.eml");
    assert_int_equal(m->n_texts, 1);
    assert_int_equal(m->n_htmls, 0);
    assert_non_null(strstr(m->texts[0], "えきねっとをご利用いただき"));
    assert_non_null(strstr(m->texts[0], "https://eki-net.example-login.xyz/"));
    assert_non_null(strstr(m->texts[0], "①②③"));
    mk_message_free(m);
}

static void test_utf8_b_and_q_words(void **state)
{
    (void)state;
    mk_message *m = parse_fixture("utf8_bq.eml");
    /* the subject's two B words split one character between them */
    assert_string_equal(m->subject, "【重要】Amazonプライム会員情報の更新");
    assert_string_equal(m->from.name, "アマゾン Support");
    assert_string_equal(m->from.domain, "amaz0n.example");
    assert_int_equal(m->n_to, 1);
    assert_string_equal(m->to[0].address, "victim@example.jp");
    assert_int_equal(m->n_htmls, 1);
    assert_non_null(strstr(m->htmls[0], "お客様のアカウントは停止されました。"));
    assert_non_null(strstr(m->htmls[0], "href=\"https://amaz0n.example/\""));
    assert_string_equal(m->date_rfc3339, "2025-01-27T08:15:30Z");
    mk_message_free(m);
}

static void test_gb2312_label_on_japanese(void **state)
{
    (void)state;
    mk_message *m = parse_fixture("gbk_japanese.eml");
    /* Shift_JIS bytes labelled gb2312 (subject, body), EUC-JP labelled gb2312 (name) */
    assert_string_equal(m->subject, "【三井住友カード】ご利用確認のお願い");
    assert_string_equal(m->from.name, "三井住友カード");
    assert_int_equal(m->n_texts, 1);
    assert_string_equal(m->texts[0], "三井住友カードをご利用いただきありがとうございます。\r\n");
    assert_string_equal(m->date_rfc3339, "2025-01-28T02:00:00Z");
    mk_message_free(m);
}

static void test_raw_8bit_headers_and_groups(void **state)
{
    (void)state;
    mk_message *m = parse_fixture("raw8bit.eml");
    assert_string_equal(m->from.name, "楽天カード");   /* raw Shift_JIS */
    assert_string_equal(m->subject, "【楽天カード】お支払い方法の確認");   /* raw UTF-8 */
    assert_int_equal(m->n_to, 3);
    assert_string_equal(m->to[0].address, "a@example.jp");
    assert_string_equal(m->to[1].address, "b@example.jp");
    assert_string_equal(m->to[2].address, "c@example.jp");
    assert_string_equal(m->message_id, "no-brackets@Rakuten-Card.Example");
    assert_string_equal(m->message_id_domain, "rakuten-card.example");
    assert_int_equal(m->n_texts, 1);
    assert_non_null(strstr(m->texts[0], "本文です。"));
    mk_message_free(m);
}

static void test_alternative_base64_and_sjis_qp(void **state)
{
    (void)state;
    mk_message *m = parse_fixture("alternative_sjis.eml");
    assert_string_equal(m->subject, "三菱UFJ銀行");
    assert_string_equal(m->from.name, "MUFG");
    assert_int_equal(m->n_texts, 1);
    assert_int_equal(m->n_htmls, 1);
    assert_string_equal(m->texts[0], "ご利用のアカウントが一時停止されました。\r\n");
    assert_non_null(strstr(m->htmls[0], "<p>ご利用のアカウントが一時停止されました。</p><p>①確認</p>"));
    assert_int_equal(m->n_attachments, 0);
    assert_string_equal(m->date_rfc3339, "2025-01-29T06:02:03Z");
    mk_message_free(m);
}

static void test_attachments_that_render_pages(void **state)
{
    (void)state;
    mk_message *m = parse_fixture("html_attachment.eml");
    assert_int_equal(m->n_texts, 1);
    assert_int_equal(m->n_htmls, 0);
    assert_int_equal(m->n_attachments, 4);
    mk_attachment *a = m->attachments;
    assert_string_equal(a[0].filename, "請求書.html");   /* RFC 2231 */
    assert_string_equal(a[0].content_type, "application/octet-stream");
    assert_non_null(a[0].html);
    assert_non_null(strstr(a[0].html, "<form action=\"https://evil.example/p\""));
    assert_non_null(strstr(a[0].html, "請求書"));
    assert_string_equal(a[1].content_type, "image/svg+xml");
    assert_string_equal(a[1].filename, "");
    assert_non_null(a[1].html);
    assert_non_null(strstr(a[1].html, "<script>"));
    assert_string_equal(a[2].filename, "logo.png");
    assert_string_equal(a[2].content_type, "image/png");
    assert_int_equal(a[2].size, 1024);
    assert_null(a[2].html);
    assert_string_equal(a[3].filename, "明細.htm");   /* RFC 2047 inside a quoted parameter */
    assert_string_equal(a[3].content_type, "text/html");
    assert_non_null(a[3].html);
    assert_non_null(strstr(a[3].html, "<p>明細</p>"));
    mk_message_free(m);
}

static void test_nested_multiparts_and_meta_charset(void **state)
{
    (void)state;
    mk_message *m = parse_fixture("nested.eml");
    assert_int_equal(m->n_texts, 1);
    assert_string_equal(m->texts[0], "ヤマト運輸です。");
    assert_int_equal(m->n_htmls, 1);
    assert_non_null(strstr(m->htmls[0], "<body>ヤマト運輸</body>"));   /* Shift_JIS by <meta> */
    assert_int_equal(m->n_attachments, 1);
    assert_string_equal(m->attachments[0].content_type, "image/gif");
    assert_int_equal(m->attachments[0].size, 14);
    mk_message_free(m);
}

static void test_message_rfc822_inner_bodies(void **state)
{
    (void)state;
    mk_message *m = parse_fixture("rfc822.eml");
    assert_int_equal(m->n_texts, 1);
    assert_string_equal(m->texts[0], "See attached.");
    assert_int_equal(m->n_htmls, 1);
    assert_non_null(strstr(m->htmls[0], "イオン銀行にログイン"));
    assert_int_equal(m->n_attachments, 1);
    assert_string_equal(m->attachments[0].content_type, "message/rfc822");
    assert_string_equal(m->attachments[0].filename, "original.eml");
    assert_true(m->attachments[0].size > 100);
    /* the outer message's headers only */
    assert_string_equal(m->from.address, "forwarder@example.jp");
    mk_message_free(m);
}

static void test_fold_inside_japanese_text(void **state)
{
    (void)state;
    /* a list tag, an encoded word, then the rest re-folded as raw UTF-8 */
    static const char raw[] =
        "From: a@example.jp\r\n"
        "Subject: [SPAM] =?UTF-8?B?44CM44GI44GN44Gt44Gj44Go44CN44Ki44Kr44Km44Oz44OI44Gu6Ieq5YuV6YCA5Lya5Yem55CG44Gr?=\r\n"
        "\t\xE3\x81\xA4\xE3\x81\x84\xE3\x81\xA6\r\n"
        "X-Note: English\r\n text stays spaced\r\n"
        "\r\n";
    mk_message *m = parse_string(raw, sizeof raw - 1);
    assert_string_equal(m->subject, "[SPAM] 「えきねっと」アカウントの自動退会処理について");
    assert_string_equal(mk_message_header(m, "X-Note"), "English text stays spaced");
    mk_message_free(m);
}

/* ---- broken messages ---------------------------------------------------- */

static void test_empty_input(void **state)
{
    (void)state;
    mk_message *m = parse_string("", 0);
    assert_non_null(m->error);
    assert_int_equal(m->n_headers, 0);
    assert_string_equal(m->subject, "");
    assert_string_equal(m->from.address, "");
    assert_int_equal(m->n_texts + m->n_htmls + m->n_attachments + m->n_to, 0);
    mk_message_free(m);
    m = parse_string(NULL, 0);
    assert_non_null(m->error);
    mk_message_free(m);
}

static void test_binary_garbage(void **state)
{
    (void)state;
    char buf[65536];
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < sizeof buf; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;   /* xorshift: reproducible noise */
        buf[i] = (char)(x >> 24);
    }
    buf[0] = (char)0xFF;
    mk_message *m = parse_string(buf, sizeof buf);
    assert_non_null(m->error);
    assert_int_equal(m->n_headers, 0);
    assert_int_equal(m->raw_size, sizeof buf);
    mk_message_free(m);
    /* the same noise after one good header is a message with a garbage body */
    memcpy(buf, "Subject: x\n", 11);
    m = parse_string(buf, sizeof buf);
    assert_null(m->error);
    assert_string_equal(m->subject, "x");
    mk_message_free(m);
}

static void test_no_blank_line(void **state)
{
    (void)state;
    mk_message *m = parse_fixture("no_blank_line.eml");
    assert_null(m->error);
    assert_int_equal(m->n_headers, 2);
    assert_string_equal(m->subject, "no separator");
    assert_string_equal(m->from.address, "a@example.jp");
    mk_message_free(m);
}

static void test_truncated_boundary(void **state)
{
    (void)state;
    mk_message *m = parse_fixture("truncated_boundary.eml");
    assert_null(m->error);
    assert_true(m->n_texts >= 1);
    assert_string_equal(m->texts[0], "first part");  /* the CRLF belongs to the boundary */
    mk_message_free(m);
}

static void test_nul_bytes(void **state)
{
    (void)state;
    static const char raw[] = "From: a@example.jp\r\nSubject: a\0b\r\n\r\nbody\0text\r\n";
    mk_message *m = parse_string(raw, sizeof raw - 1);
    assert_null(m->error);
    assert_string_equal(m->subject, "a\xEF\xBF\xBD" "b");
    assert_int_equal(m->n_texts, 1);
    assert_non_null(strstr(m->texts[0], "text"));
    mk_message_free(m);
}

static char *deep_multipart(int levels, size_t *len)
{
    mk_strbuf b = {0};
    mk_strbuf_puts(&b, "From: a@example.jp\r\nSubject: deep\r\n");
    for (int i = 0; i < levels; i++)
        mk_strbuf_printf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i);
    mk_strbuf_puts(&b, "Content-Type: text/plain\r\n\r\nbottom\r\n");
    for (int i = levels - 1; i >= 0; i--)
        mk_strbuf_printf(&b, "--b%d--\r\n", i);
    *len = b.len;
    return mk_strbuf_steal(&b);
}

static void test_deep_multipart_nesting(void **state)
{
    (void)state;
    int depths[] = {1000, 20000};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        char *raw = deep_multipart(depths[i], &len);
        mk_message *m = parse_string(raw, len);   /* bounded time: scripts/bench, not asserted here */
        assert_null(m->error);
        assert_int_equal(m->n_texts, 0);   /* far below the walk limit */
        mk_message_free(m);
        free(raw);
    }
    size_t len;
    char *raw = deep_multipart(10, &len);   /* shallow nesting still reaches the bottom */
    mk_message *m = parse_string(raw, len);
    assert_int_equal(m->n_texts, 1);
    assert_string_equal(m->texts[0], "bottom");
    mk_message_free(m);
    free(raw);
}

static void test_deep_rfc822_nesting(void **state)
{
    (void)state;
    mk_strbuf b = {0};
    mk_strbuf_puts(&b, "From: a@example.jp\r\n");
    for (int i = 0; i < 5000; i++)
        mk_strbuf_puts(&b, "Content-Type: message/rfc822\r\n\r\n");
    mk_strbuf_puts(&b, "Subject: in\r\n\r\nbottom\r\n");
    mk_message *m = parse_string(b.data, b.len);
    assert_null(m->error);
    assert_int_equal(m->n_texts, 0);
    mk_message_free(m);
    mk_strbuf_free(&b);
}

/* ---- caps and linear time ----------------------------------------------- */

static void test_header_caps(void **state)
{
    (void)state;
    mk_strbuf b = {0};
    mk_strbuf_puts(&b, "Subject: ");
    for (int i = 0; i < 30000; i++)
        mk_strbuf_puts(&b, "あいう");   /* 270 KB, cut on a character boundary */
    mk_strbuf_puts(&b, "\r\n");
    for (int i = 0; i < 1500; i++)
        mk_strbuf_printf(&b, "X-Filler-%d: %d\r\n", i, i);
    mk_strbuf_puts(&b, "\r\nbody\r\n");
    mk_message *m = parse_string(b.data, b.len);
    assert_int_equal(m->n_headers, 1000);
    assert_true(strlen(m->subject) <= 64 * 1024);
    assert_true(strlen(m->subject) > 60 * 1024);
    assert_int_equal(m->n_texts, 1);
    assert_string_equal(m->texts[0], "body\r\n");
    mk_message_free(m);
    mk_strbuf_free(&b);
}

static void test_hostile_encoded_words_stay_linear(void **state)
{
    (void)state;
    const char *patterns[] = {"=?a?b?", "=?utf-8?B?", "=?utf-8?Q?=?", "=?" };
    for (size_t i = 0; i < 4; i++) {
        mk_strbuf b = {0};
        mk_strbuf_puts(&b, "From: =?x?q?\r\nSubject: ");
        while (b.len < 200 * 1024)
            mk_strbuf_puts(&b, patterns[i]);
        mk_strbuf_puts(&b, "\r\n\r\n");
        mk_message *m = parse_string(b.data, b.len);
        assert_int_equal(m->n_headers, 2);
        mk_message_free(m);
        mk_strbuf_free(&b);
    }
}

static void test_hostile_addresses(void **state)
{
    (void)state;
    static const char raw[] =
        "From: \"support@amazon.co.jp\" <evil@phish.example>\r\n"
        "Reply-To: ((((((unbalanced comment <x@y>\r\n"
        "Sender: \"Amazon <support@amazon.co.jp>\" <s@phish.example>\r\n"
        "To: , ,, <>, \"unterminated <a@b.example>\r\n"
        "Return-Path: <>\r\n"
        "\r\n";
    mk_message *m = parse_string(raw, sizeof raw - 1);
    assert_string_equal(m->from.name, "support@amazon.co.jp");
    assert_string_equal(m->from.address, "evil@phish.example");
    assert_string_equal(m->from.domain, "phish.example");
    assert_string_equal(m->sender.name, "Amazon <support@amazon.co.jp>");
    assert_string_equal(m->sender.domain, "phish.example");
    assert_string_equal(m->return_path.address, "");
    mk_message_free(m);
}

static void test_unparsable_date(void **state)
{
    (void)state;
    static const char raw[] = "From: a@example.jp\r\nDate: yesterday-ish\r\n\r\n";
    mk_message *m = parse_string(raw, sizeof raw - 1);
    assert_int_equal(m->date, 0);
    assert_string_equal(m->date_rfc3339, "");
    assert_string_equal(m->date_raw, "yesterday-ish");
    mk_message_free(m);
}

int main(void)
{
    mk_message_library_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso2022jp_headers),
        cmocka_unit_test(test_header_order_and_lookup),
        cmocka_unit_test(test_iso2022jp_body_with_nec_characters),
        cmocka_unit_test(test_utf8_b_and_q_words),
        cmocka_unit_test(test_gb2312_label_on_japanese),
        cmocka_unit_test(test_raw_8bit_headers_and_groups),
        cmocka_unit_test(test_alternative_base64_and_sjis_qp),
        cmocka_unit_test(test_attachments_that_render_pages),
        cmocka_unit_test(test_nested_multiparts_and_meta_charset),
        cmocka_unit_test(test_message_rfc822_inner_bodies),
        cmocka_unit_test(test_fold_inside_japanese_text),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_binary_garbage),
        cmocka_unit_test(test_no_blank_line),
        cmocka_unit_test(test_truncated_boundary),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_deep_multipart_nesting),
        cmocka_unit_test(test_deep_rfc822_nesting),
        cmocka_unit_test(test_header_caps),
        cmocka_unit_test(test_hostile_encoded_words_stay_linear),
        cmocka_unit_test(test_hostile_addresses),
        cmocka_unit_test(test_unparsable_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
