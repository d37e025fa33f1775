/* charset.h - turning mail bytes of any (or a wrong, or no) charset into UTF-8.
 *
 * Mail declares its charset per part and per encoded word, and phishing mail
 * often declares the wrong one: Japanese text labelled gb2312, raw Shift_JIS
 * in headers, encoded words split in the middle of a character. These
 * functions always return valid UTF-8 (invalid input becomes U+FFFD, NUL
 * becomes U+FFFD) and run in time linear in their input.
 *
 * Ownership: every returned string is malloc'd and owned by the caller.
 */
#ifndef MK_CHARSET_H
#define MK_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* The decoding budget of one message (per thread). Between begin and end,
 * the steps whose cost does not depend on the length of the text alone are
 * rationed: opening a converter for a charset not yet open (glibc loads a
 * module; a header naming a new charset at every word would reload one per
 * word), asking uchardet (a fresh detector per call), and guessing among the
 * candidate charsets (several decodings per byte). Past the budget a label
 * not yet open is treated as unknown and guessing falls back to reading the
 * bytes as UTF-8 with U+FFFD for what is not; the output stays valid UTF-8.
 * end() returns true when the budget ran out. Without begin(), nothing is
 * rationed. */
void mk_charset_budget_begin(void);
bool mk_charset_budget_end(void);

/* Converts `len` bytes declared as `label` (NULL or "" when undeclared) to
 * UTF-8, second-guessing the label when its decoding looks wrong. */
char *mk_charset_to_utf8(const char *bytes, size_t len, const char *label);

/* Same, appending to `out`. */
void mk_charset_append_utf8(mk_strbuf *out, const char *bytes, size_t len, const char *label);

/* Decodes an unfolded header value: RFC 2047 encoded words in any charset
 * (adjacent words of one charset are joined before conversion, so a character
 * split across words survives), words glued to text, and raw 8-bit bytes. */
char *mk_charset_decode_header(const char *raw, size_t len);

/* The charset an HTML document declares in a <meta> tag within its first
 * few kilobytes, or NULL. */
char *mk_charset_sniff_html(const char *html, size_t len);

/* Length of the longest prefix of the UTF-8 string `s` (of length len) that
 * is at most `max` bytes and does not end inside a character. */
size_t mk_utf8_clip(const char *s, size_t len, size_t max);

#endif
