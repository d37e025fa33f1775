/* urltext.h - where URLs begin and end in running text.
 *
 * Mail text glues URLs to Japanese words ("こちらhttps://x.jp/aから"), wraps
 * them in full-width brackets, defangs them ("hxxps://", "h**ps://",
 * "www[.]evil[.]com") or drops the scheme ("www.x.com/login"). This module
 * only finds the span of each URL; url.c takes the span apart. Both page.c
 * (plain-text bodies) and mk_url_host_in_text() (link captions) use it so that
 * they agree on what counts as a URL.
 */
#ifndef MK_URLTEXT_H
#define MK_URLTEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest span reported; longer URLs are cut here (the host comes first). */
#define MK_URLTEXT_MAX_SPAN 8192

/* Finds the first URL starting at or after text[from] (text has len bytes).
 * On success sets [*start, *end) and returns true. Each call is linear in the
 * bytes it looks at, so scanning a whole text is linear. */
bool mk_urltext_find(const char *text, size_t len, size_t from, size_t *start, size_t *end);

/* Length of an obfuscated or plain web scheme prefix at s ("https://",
 * "hxxp://", "h**ps[:]//", "ttps://"), 0 when there is none. */
size_t mk_urltext_scheme_len(const char *s, size_t len);

#endif
