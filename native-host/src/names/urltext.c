/* urltext.c - finding the extent of URLs in running text.
 *
 * A URL in text starts at a web scheme (plain or defanged: "https://",
 * "hxxps://", "h**ps://", "ttps://", "https[:]//") or at "www." on a word
 * boundary. It runs over the printable ASCII characters that may appear in a
 * URL and stops at the first one that cannot: white space, quotes, angle
 * brackets, and every non-ASCII byte. Stopping at non-ASCII is the choice that
 * matters for Japanese mail, where URLs are written straight after or before
 * kana and kanji and inside full-width brackets (「」【】（）) with no space; the
 * cost is that an IDN host typed in Unicode in plain text is cut short, which
 * is rare next to the glued case. Trailing punctuation that belongs to the
 * sentence (".", ",", ")" without its "(") is trimmed afterwards.
 *
 * Every loop moves forward only, so scanning is linear in the text length.
 */
#include "urltext.h"

#include <string.h>

/* ---- character classes ---- */

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Characters that can be part of a URL written in text. */
static bool is_url_char(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7f)
        return false;
    return strchr("<>\"'`{}|^\\", c) == NULL;
}

/* Characters that end a sentence rather than a URL when they come last. */
static bool is_trailing_punct(unsigned char c)
{
    return strchr(".,;:!?)]}*", c) != NULL;
}

/* ---- scheme recognition ---- */

static bool is_obfuscated_t(char c)
{
    c = lower(c);
    return c == 't' || c == 'x' || c == '*';
}

size_t mk_urltext_scheme_len(const char *s, size_t len)
{
    size_t i = 0;
    if (i < len && lower(s[i]) == 'h')
        i++;
    if (i + 3 > len || !is_obfuscated_t(s[i]) || !is_obfuscated_t(s[i + 1]) || lower(s[i + 2]) != 'p')
        return 0;
    i += 3;
    if (i < len && lower(s[i]) == 's')
        i++;
    if (i + 3 <= len && memcmp(s + i, "://", 3) == 0)
        return i + 3;
    if (i + 5 <= len && memcmp(s + i, "[:]//", 5) == 0)
        return i + 5;
    return 0;
}

static bool starts_www(const char *s, size_t len)
{
    return len >= 5 && lower(s[0]) == 'w' && lower(s[1]) == 'w' && lower(s[2]) == 'w' && s[3] == '.' &&
           is_alnum((unsigned char)s[4]);
}

/* A URL may start at i when the previous byte does not continue a word. */
static bool at_boundary(const char *text, size_t i)
{
    if (i == 0)
        return true;
    unsigned char p = (unsigned char)text[i - 1];
    return !is_alnum(p) && p != '.' && p != '-' && p != '_' && p != '@';
}

/* ---- extent ---- */

static size_t count_char(const char *s, size_t n, char c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == c;
    return k;
}

/* Drops sentence punctuation from the end, keeping balanced brackets. The
 * bracket counts are taken once and updated, so trimming stays linear. */
static size_t trim_end(const char *s, size_t start, size_t end)
{
    size_t n = end - start;
    size_t open_paren = count_char(s + start, n, '('), close_paren = count_char(s + start, n, ')');
    size_t open_sq = count_char(s + start, n, '['), close_sq = count_char(s + start, n, ']');
    while (end > start && is_trailing_punct((unsigned char)s[end - 1])) {
        char c = s[end - 1];
        if (c == ')') {
            if (open_paren >= close_paren)
                break;
            close_paren--;
        } else if (c == ']') {
            if (open_sq >= close_sq)
                break;
            close_sq--;
        }
        end--;
    }
    return end;
}

static size_t scan_extent(const char *text, size_t len, size_t start)
{
    size_t end = start;
    while (end < len && end - start < MK_URLTEXT_MAX_SPAN && is_url_char((unsigned char)text[end]))
        end++;
    return trim_end(text, start, end);
}

bool mk_urltext_find(const char *text, size_t len, size_t from, size_t *start, size_t *end)
{
    for (size_t i = from; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x80 || !at_boundary(text, i))
            continue;
        size_t prefix = mk_urltext_scheme_len(text + i, len - i);
        if (prefix == 0 && !starts_www(text + i, len - i))
            continue;
        size_t e = scan_extent(text, len, i);
        if (e > i + prefix) {
            *start = i;
            *end = e;
            return true;
        }
        if (prefix > 0)
            i += prefix - 1;   /* a bare scheme: carry on after it */
    }
    return false;
}
