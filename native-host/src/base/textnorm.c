/* textnorm.c - folding and confusable skeletons with ICU.
 *
 * Folding works in UTF-16 because that is ICU's native form: the input is
 * converted with invalid bytes replaced by U+FFFD, normalised with the
 * NFKC_Casefold normaliser (which also maps full-width ASCII and half-width
 * katakana to their ordinary forms), then katakana is shifted to hiragana so
 * that "エキネット" and "えきねっと" compare equal, and white space runs become a
 * single ASCII space. The result is converted back to UTF-8.
 *
 * Most mail is plain ASCII, and for ASCII all of that reduces to lower-casing
 * A-Z and collapsing the white space ICU knows in that range (TAB..CR and
 * space): NFKC_Casefold changes no other ASCII character, and no ASCII
 * character is katakana or a mark. So a text without a byte >= 0x80 is
 * folded in one pass without ICU; the unit test checks that this pass and
 * the ICU path agree on every ASCII character.
 *
 * Skeletons use one process-wide USpoofChecker created on first use; ICU
 * documents skeleton computation on a shared checker as thread-safe.
 */
#include "textnorm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

#include "util.h"

/* ---- UTF-8 <-> UTF-16 ---------------------------------------------------- */

static UChar *utf16_from_utf8(const char *s, size_t len, int32_t *out_len)
{
    UErrorCode err = U_ZERO_ERROR;
    int32_t need = 0;
    if (len > (size_t)INT32_MAX / 2)
        len = (size_t)INT32_MAX / 2;
    u_strFromUTF8WithSub(NULL, 0, &need, s, (int32_t)len, 0xFFFD, NULL, &err);
    err = U_ZERO_ERROR;
    UChar *u = mk_xmalloc(((size_t)need + 1) * sizeof(UChar));
    u_strFromUTF8WithSub(u, need + 1, out_len, s, (int32_t)len, 0xFFFD, NULL, &err);
    if (U_FAILURE(err))
        *out_len = 0;
    u[*out_len] = 0;
    return u;
}

static char *utf8_from_utf16(const UChar *u, int32_t len)
{
    UErrorCode err = U_ZERO_ERROR;
    int32_t need = 0;
    u_strToUTF8WithSub(NULL, 0, &need, u, len, 0xFFFD, NULL, &err);
    err = U_ZERO_ERROR;
    char *s = mk_xmalloc((size_t)need + 1);
    int32_t got = 0;
    u_strToUTF8WithSub(s, need + 1, &got, u, len, 0xFFFD, NULL, &err);
    if (U_FAILURE(err))
        got = 0;
    s[got] = '\0';
    return s;
}

/* ---- folding ------------------------------------------------------------- */

static UChar *normalise_casefold(const UChar *u, int32_t len, int32_t *out_len)
{
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCCasefoldInstance(&err);
    if (U_FAILURE(err)) {
        *out_len = 0;
        return mk_xcalloc(1, sizeof(UChar));
    }
    /* NFKC can expand (e.g. U+3300 -> 4 chars; ligatures); allow room and retry. */
    int32_t cap = len * 3 + 16;
    UChar *out = mk_xmalloc((size_t)cap * sizeof(UChar));
    int32_t n = unorm2_normalize(nfkc, u, len, out, cap, &err);
    if (err == U_BUFFER_OVERFLOW_ERROR) {
        err = U_ZERO_ERROR;
        cap = n + 1;
        out = mk_xrealloc(out, (size_t)cap * sizeof(UChar));
        n = unorm2_normalize(nfkc, u, len, out, cap, &err);
    }
    *out_len = U_FAILURE(err) ? 0 : n;
    return out;
}

/* Katakana (U+30A1..U+30F6) to hiragana, and white space runs to one space. */
static int32_t fold_kana_and_space(UChar *u, int32_t len)
{
    int32_t w = 0;
    bool in_space = true;   /* also trims leading space */
    for (int32_t r = 0; r < len; r++) {
        UChar c = u[r];
        if (c >= 0x30A1 && c <= 0x30F6)
            c = (UChar)(c - 0x60);
        if (u_isUWhiteSpace(c) || c == 0x3000 || c == 0x200B || c == 0xFEFF) {
            if (!in_space)
                u[w++] = ' ';
            in_space = true;
            continue;
        }
        /* Marks stacked on Latin letters ("D͓̽H͓̽L͓̽") are decoration meant to
         * break words for filters; a reader sees the letters, so do we. */
        int8_t type = u_charType(c);
        if ((type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK) && w > 0 && u[w - 1] < 0x80 &&
            u_isalpha(u[w - 1]))
            continue;
        in_space = false;
        u[w++] = c;
    }
    if (w > 0 && u[w - 1] == ' ')
        w--;
    return w;
}

static bool is_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

/* fold_kana_and_space(NFKC_Casefold(s)) for ASCII s, without ICU. A NUL ends
 * the text, as it ends the UTF-8 string ICU would be given. */
static char *fold_ascii(const char *s, size_t len)
{
    char *out = mk_xmalloc(len + 1);
    size_t w = 0;
    bool in_space = true;   /* also trims leading space */
    for (size_t r = 0; r < len && s[r]; r++) {
        char c = s[r];
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            if (!in_space)
                out[w++] = ' ';
            in_space = true;
            continue;
        }
        in_space = false;
        out[w++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    if (w > 0 && out[w - 1] == ' ')
        w--;
    out[w] = '\0';
    return out;
}

char *mk_text_fold(const char *utf8, size_t len)
{
    if (!utf8 || len == 0)
        return mk_xstrdup("");
    if (is_ascii(utf8, len))
        return fold_ascii(utf8, len);
    int32_t ulen = 0, nlen = 0;
    UChar *u = utf16_from_utf8(utf8, len, &ulen);
    UChar *n = normalise_casefold(u, ulen, &nlen);
    free(u);
    nlen = fold_kana_and_space(n, nlen);
    char *out = utf8_from_utf16(n, nlen);
    free(n);
    return out;
}

/* ---- skeletons ----------------------------------------------------------- */

static USpoofChecker *spoof_checker;
static pthread_once_t spoof_once = PTHREAD_ONCE_INIT;

static void spoof_open(void)
{
    UErrorCode err = U_ZERO_ERROR;
    spoof_checker = uspoof_open(&err);
    if (U_FAILURE(err))
        spoof_checker = NULL;
}

char *mk_text_skeleton(const char *utf8)
{
    if (!utf8)
        return mk_xstrdup("");
    pthread_once(&spoof_once, spoof_open);
    if (!spoof_checker)
        return mk_xstrdup(utf8);
    UErrorCode err = U_ZERO_ERROR;
    int32_t need = uspoof_getSkeletonUTF8(spoof_checker, 0, utf8, -1, NULL, 0, &err);
    if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
        return mk_xstrdup(utf8);
    err = U_ZERO_ERROR;
    char *out = mk_xmalloc((size_t)need + 1);
    uspoof_getSkeletonUTF8(spoof_checker, 0, utf8, -1, out, need + 1, &err);
    if (U_FAILURE(err)) {
        free(out);
        return mk_xstrdup(utf8);
    }
    out[need] = '\0';
    return out;
}

/* ---- matching ------------------------------------------------------------ */

static bool is_ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool mk_text_word_at(const char *text, size_t start, size_t n)
{
    if (n == 0)
        return false;
    const unsigned char *p = (const unsigned char *)text + start;
    if (is_ascii_alnum(p[0]) && start > 0 && is_ascii_alnum(p[-1]))
        return false;
    return !(is_ascii_alnum(p[n - 1]) && is_ascii_alnum(p[n]));
}

bool mk_text_contains(const char *text, const char *needle)
{
    if (!text || !needle || !*needle)
        return false;
    size_t n = strlen(needle);
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        if (mk_text_word_at(text, (size_t)(p - text), n))
            return true;
    return false;
}

size_t mk_text_disguised_letters(const char *utf8)
{
    if (!utf8)
        return 0;
    const uint8_t *s = (const uint8_t *)utf8;
    int32_t len = (int32_t)strnlen(utf8, INT32_MAX), i = 0;
    size_t count = 0;
    UChar32 prev = 0;
    bool prev_marked = false;   /* the letter before has already been counted */
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&err);
    if (U_FAILURE(err))
        nfc = NULL;
    while (i < len) {
        UChar32 c;
        U8_NEXT(s, i, len, c);
        if (c < 0) {
            prev = 0;
            continue;
        }
        if (c >= 0x1D400 && c <= 0x1D7FF && u_isalnum(c)) {
            count++;
            prev_marked = false;
        } else if (u_charType(c) == U_NON_SPACING_MARK || u_charType(c) == U_ENCLOSING_MARK) {
            /* An accent that composes with its letter (e + U+0301 = é, text in
             * NFD form) is spelling; a mark that composes with nothing is not. */
            if (prev < 0x80 && u_isalpha(prev) && !prev_marked && (!nfc || unorm2_composePair(nfc, prev, c) < 0)) {
                count++;
                prev_marked = true;
            }
            continue;   /* marks do not replace the letter they sit on */
        } else {
            prev_marked = false;
        }
        prev = c;
    }
    return count;
}
