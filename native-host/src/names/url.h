/* url.h - one URL taken apart and normalised the way a careful reader would.
 *
 * mk_url_parse() accepts what appears in mail: absolute http(s)/ftp URLs,
 * scheme-less "www.example.com/path", obfuscated "h**ps://" and "hxxp://",
 * percent-encoded and IDN hosts, userinfo tricks ("https://eki-net.com@evil.cn/")
 * and backslashes. The host is lower-cased, percent-decoded, trailing dot
 * removed and converted to punycode; host_unicode is its Unicode form. The
 * path, query and fragment are percent-decoded for inspection only.
 */
#ifndef MK_URL_H
#define MK_URL_H

#include <stdbool.h>

typedef struct mk_url {
    bool valid;          /* a host could be found */
    char *scheme;        /* lower-case, "" when absent */
    char *userinfo;      /* decoded, "" when absent */
    char *host;          /* lower-case ASCII/punycode, no brackets; "" when invalid */
    char *host_unicode;  /* UTF-8 form of host */
    char *regdom;        /* registrable domain, "" for IPs and junk */
    bool host_is_ip;
    int port;            /* 0 when absent */
    char *path;          /* decoded, "" when absent */
    char *query;         /* decoded, "" when absent */
    char *fragment;      /* decoded, "" when absent */
} mk_url;

/* Always fills *out (strings never NULL); returns out->valid. */
bool mk_url_parse(const char *s, mk_url *out);
void mk_url_free(mk_url *u);

/* If text looks like a URL or a bare domain a reader would take as a link
 * target ("www.eki-net.com", "https://x.jp/…", "eki-net.com"), returns its
 * lower-case ASCII host; else NULL. Used to compare link text with href. */
char *mk_url_host_in_text(const char *text);

#endif
