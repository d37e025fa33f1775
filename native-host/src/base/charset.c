/* charset.c - bytes of a declared, wrong or missing charset to valid UTF-8.
 *
 * The idea: decode with the declared charset first, and only when that result
 * is suspicious decode the same bytes as the Japanese candidates too and keep
 * the most plausible text. A decoding is suspicious when it produced errors,
 * when no charset was declared, or when the label belongs to the GB family
 * (gb2312/GBK/GB18030), which Japanese phishing mail is often sent under.
 * Plausibility is a score over the decoded code points: kana count strongly
 * for Japanese, kanji and CJK punctuation a little, while U+FFFD, controls,
 * private-use characters and half-width katakana (what EUC-JP bytes turn
 * into when read as Shift_JIS) count against. Ties keep the declared label,
 * so correctly labelled Chinese, Korean or Latin text is left alone.
 *
 * EUC-JP read as GB2312 is the hard case: both put kana at the same code
 * positions, so only the kanji differ. A Japanese text (one with kana) whose
 * GB decoding yields characters that Shift_JIS cannot represent (simplified
 * Chinese forms) is therefore penalised per such character.
 *
 * ISO-2022-JP is transcoded here to EUC-JP bytes (a fixed bit operation per
 * designated set) and then read with EUC-JP-MS, which also knows the NEC and
 * IBM extensions (①, ㈱) that Windows mailers put into "ISO-2022-JP" text and
 * strict converters reject.
 *
 * Converters are GLib's g_iconv: the C library's iconv on Linux and macOS,
 * GLib's own win_iconv on Windows. Where a converter lacks the EUC-JP-MS name
 * (macOS, Windows), plain EUC-JP stands in.
 *
 * Everything else goes through iconv with a replace-and-continue loop. Each
 * candidate costs one pass over the input, and the number of candidates is
 * fixed, so the whole conversion stays linear.
 */
#include "charset.h"

#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uchardet.h>

#define REPLACEMENT "\xEF\xBF\xBD"
#define SNIFF_WINDOW 4096
#define MAX_LABEL 64

typedef enum {
    CS_NONE,      /* undeclared or meaningless label: guess */
    CS_UTF8,
    CS_ISO2022JP,
    CS_SJIS,
    CS_EUCJP,
    CS_GB,        /* gb2312, GBK, GB18030: often a mislabel for Japanese */
    CS_ICONV,     /* any other label iconv may know, ASCII-compatible */
    CS_WIDE,      /* UTF-16/32/7: not ASCII-compatible, never fast-pathed */
} cs_kind;

typedef struct {
    cs_kind kind;
    const char *iconv_name;  /* for CS_GB, CS_ICONV and CS_WIDE */
} cs_choice;

/* ---- labels ------------------------------------------------------------- */

static bool label_in(const char *label, const char *const *names)
{
    for (size_t i = 0; names[i]; i++)
        if (strcasecmp(label, names[i]) == 0)
            return true;
    return false;
}

/* Maps a MIME charset label to how we decode it. Aliases follow what mailers
 * actually write; the Japanese and GB families are widened to the Microsoft
 * supersets because that is what the sending software really used. */
static cs_choice classify_label(const char *label, char *scratch)
{
    static const char *const none[] = {"us-ascii", "ascii", "ansi_x3.4-1968", "unknown-8bit",
        "x-unknown", "unknown", "default", "8bit", "binary", "x-user-defined", "none", NULL};
    static const char *const utf8[] = {"utf-8", "utf8", "unicode-1-1-utf-8", "x-utf-8", NULL};
    static const char *const jis[] = {"iso-2022-jp", "iso-2022-jp-1", "iso-2022-jp-2",
        "iso-2022-jp-3", "iso-2022-jp-ms", "csiso2022jp", "cp50220", "cp50221", "cp50222",
        "jis", "x-jis", NULL};
    static const char *const sjis[] = {"shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji",
        "csshiftjis", "windows-31j", "cp932", "ms932", "x-ms-cp932", "shift_jisx0213",
        "shift_jis-2004", "x-sjis-open", NULL};
    static const char *const eucjp[] = {"euc-jp", "x-euc-jp", "eucjp", "euc-jp-ms",
        "cseucpkdfmtjapanese", "euc-jisx0213", NULL};
    static const char *const gbk[] = {"gb2312", "gbk", "cp936", "x-gbk", "csgb2312", "euc-cn",
        "chinese", "gb_2312-80", "iso-ir-58", "windows-936", "x-euc-cn", NULL};
    static const char *const latin1[] = {"iso-8859-1", "latin1", "l1", "iso_8859-1",
        "cp819", "ibm819", "iso8859-1", NULL};

    if (!label || !*label || label_in(label, none))
        return (cs_choice){CS_NONE, NULL};
    if (label_in(label, utf8))
        return (cs_choice){CS_UTF8, NULL};
    if (label_in(label, jis))
        return (cs_choice){CS_ISO2022JP, NULL};
    if (label_in(label, sjis))
        return (cs_choice){CS_SJIS, NULL};
    if (label_in(label, eucjp))
        return (cs_choice){CS_EUCJP, NULL};
    if (label_in(label, gbk))
        return (cs_choice){CS_GB, "GBK"};
    if (strcasecmp(label, "gb18030") == 0)
        return (cs_choice){CS_GB, "GB18030"};
    if (label_in(label, latin1))   /* as browsers do: the superset mailers meant */
        return (cs_choice){CS_ICONV, "WINDOWS-1252"};
    if (strncasecmp(label, "utf-16", 6) == 0 || strncasecmp(label, "utf-32", 6) == 0 ||
        strncasecmp(label, "ucs-", 4) == 0 || strcasecmp(label, "utf-7") == 0 ||
        strcasecmp(label, "unicode") == 0)
        return (cs_choice){CS_WIDE, label};
    if (strcasecmp(label, "ks_c_5601-1987") == 0 || strcasecmp(label, "euc-kr") == 0)
        return (cs_choice){CS_ICONV, "CP949"};
    if (strncasecmp(label, "big5", 4) == 0 || strcasecmp(label, "x-big5") == 0)
        return (cs_choice){CS_ICONV, "BIG5-HKSCS"};
    /* iconv names must not carry MIME decorations like quotes. */
    size_t n = 0;
    for (const char *p = label; *p && n < MAX_LABEL - 1; p++)
        if (*p != '"' && *p != '\'' && *p != ' ')
            scratch[n++] = *p;
    scratch[n] = '\0';
    return (cs_choice){n ? CS_ICONV : CS_NONE, scratch};
}

/* ---- UTF-8 -------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid:
 * overlong forms, surrogates and code points above U+10FFFF are refused. */
static size_t utf8_seq_len(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    size_t need = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (avail < need)
        return 0;
    for (size_t i = 1; i < need; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if (c == 0xE0 && p[1] < 0xA0)
        return 0;
    if (c == 0xED && p[1] >= 0xA0)
        return 0;
    if (c == 0xF0 && p[1] < 0x90)
        return 0;
    if (c == 0xF4 && p[1] >= 0x90)
        return 0;
    return need;
}

static uint32_t utf8_code_point(const unsigned char *p, size_t n)
{
    if (n == 1)
        return p[0];
    if (n == 2)
        return ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    if (n == 3)
        return ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    return ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
           ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
}

/* Copies bytes as UTF-8, one U+FFFD per invalid byte and per NUL; returns
 * the number of invalid bytes. */
static size_t append_utf8_sanitized(mk_strbuf *out, const char *bytes, size_t len)
{
    const unsigned char *p = (const unsigned char *)bytes;
    size_t errors = 0, i = 0, run = 0;
    while (i < len) {
        size_t n = p[i] ? utf8_seq_len(p + i, len - i) : 0;
        if (n) {
            i += n;
            continue;
        }
        mk_strbuf_append(out, bytes + run, i - run);
        mk_strbuf_append(out, REPLACEMENT, 3);
        if (p[i])
            errors++;
        run = ++i;
    }
    mk_strbuf_append(out, bytes + run, i - run);
    return errors;
}

size_t mk_utf8_clip(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* Eight bytes at a time: none may have the high bit set, be NUL or be ESC
 * (a zero byte of w, or of w ^ ESC repeated, shows in the classic
 * (v - 0x01..01) & ~v & 0x80..80 test once no byte of w is over 0x7f). */
static bool is_plain_ascii(const char *bytes, size_t len)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, bytes + i, sizeof w);
        uint64_t esc = w ^ (0x1Bu * ones);
        if ((w | ((w - ones) & ~w) | ((esc - ones) & ~esc)) & highs)
            return false;
    }
    for (; i < len; i++) {
        unsigned char c = (unsigned char)bytes[i];
        if (c >= 0x80 || c == 0x1B || c == 0)
            return false;
    }
    return true;
}

static bool has_jis_escape(const char *bytes, size_t len)
{
    const char *p = bytes, *end = bytes + len;
    while ((p = memchr(p, 0x1B, (size_t)(end - p))) != NULL && end - p >= 3) {
        if ((p[1] == '$' && (p[2] == 'B' || p[2] == '@' || p[2] == '(')) ||
            (p[1] == '(' && p[2] == 'I'))
            return true;
        p++;
    }
    return false;
}

/* ---- iconv -------------------------------------------------------------- */

/* glibc loads a gconv module on iconv_open and may unload it on iconv_close,
 * which made a fresh descriptor per conversion cost more than the conversion
 * itself. Each thread therefore keeps its open descriptors (a handful of
 * charsets in practice, a few dozen under hostile labels: uchardet alone
 * names about forty) and resets one before reuse; a thread-exit
 * destructor closes them. When the cache is full the least recently used
 * descriptor goes, so the handful that every guess uses (CP932, EUC-JP-MS,
 * GBK, UTF-8) stay open however many rare labels pass through. */
#define ICONV_CACHE_SIZE 48

typedef struct {
    char from[MAX_LABEL];
    char to[16];
    GIConv cd;
    unsigned long used;   /* clock value of the last use */
} iconv_slot;

typedef struct {
    iconv_slot slots[ICONV_CACHE_SIZE];
    size_t n;
    unsigned long clock;
} iconv_cache;

static pthread_key_t iconv_key;
static pthread_once_t iconv_key_once = PTHREAD_ONCE_INIT;

static void close_iconv_cache(void *p)
{
    iconv_cache *c = p;
    for (size_t i = 0; i < c->n; i++)
        g_iconv_close(c->slots[i].cd);
    free(c);
}

static void make_iconv_key(void)
{
    pthread_key_create(&iconv_key, close_iconv_cache);
}

/* ---- the per-message budget (charset.h) ---------------------------------- */

/* Generous for real mail, which names a handful of charsets and guesses a
 * few kilobytes; each step is bounded, so the budget bounds the message. */
#define BUDGET_NEW_CONVERTERS 24
#define BUDGET_UCHARDET_CALLS 32
#define BUDGET_GUESS_BYTES (2u << 20)

typedef struct {
    bool armed;
    bool spent;            /* some step was refused */
    size_t converters;     /* converter opens left */
    size_t uchardet_calls; /* uchardet calls left */
    size_t guess_bytes;    /* bytes of guessing left */
} decode_budget;

static _Thread_local decode_budget budget;

void mk_charset_budget_begin(void)
{
    budget = (decode_budget){true, false, BUDGET_NEW_CONVERTERS, BUDGET_UCHARDET_CALLS, BUDGET_GUESS_BYTES};
}

bool mk_charset_budget_end(void)
{
    bool spent = budget.spent;
    budget = (decode_budget){0};
    return spent;
}

/* Takes `cost` from one of the budget's counters; false (and the budget
 * marked spent) when not enough is left. */
static bool budget_take(size_t *left, size_t cost)
{
    if (!budget.armed)
        return true;
    if (*left < cost) {
        *left = 0;
        budget.spent = true;
        return false;
    }
    *left -= cost;
    return true;
}

/* The converters every guess uses are never rationed. */
static bool core_charset(const char *name)
{
    static const char *const core[] = {"UTF-8", "CP932", "EUC-JP-MS", "GBK", "GB18030", "WINDOWS-1252", NULL};
    return label_in(name, core);
}

/* A reset descriptor for to<-from, or (GIConv)-1 when unsupported. Labels
 * iconv refuses are not cached: they are rare and cheap to refuse. */
static GIConv cached_iconv(const char *to, const char *from)
{
    pthread_once(&iconv_key_once, make_iconv_key);
    iconv_cache *c = pthread_getspecific(iconv_key);
    if (!c) {
        c = mk_xcalloc(1, sizeof *c);
        pthread_setspecific(iconv_key, c);
    }
    for (size_t i = 0; i < c->n; i++)
        if (strcasecmp(c->slots[i].from, from) == 0 && strcmp(c->slots[i].to, to) == 0) {
            g_iconv(c->slots[i].cd, NULL, NULL, NULL, NULL);
            c->slots[i].used = ++c->clock;
            return c->slots[i].cd;
        }
    if (strlen(from) >= MAX_LABEL || strlen(to) >= sizeof c->slots[0].to)
        return (GIConv)-1;
    if (!core_charset(from) && !budget_take(&budget.converters, 1))
        return (GIConv)-1;
    GIConv cd = g_iconv_open(to, from);
    if (cd == (GIConv)-1 && strcasecmp(from, "EUC-JP-MS") == 0)
        cd = g_iconv_open(to, "EUC-JP");
    if (cd == (GIConv)-1)
        return cd;
    iconv_slot *slot;
    if (c->n < ICONV_CACHE_SIZE) {
        slot = &c->slots[c->n++];
    } else {
        slot = &c->slots[0];
        for (size_t i = 1; i < ICONV_CACHE_SIZE; i++)
            if (c->slots[i].used < slot->used)
                slot = &c->slots[i];
        g_iconv_close(slot->cd);
    }
    strcpy(slot->from, from);
    strcpy(slot->to, to);
    slot->cd = cd;
    slot->used = ++c->clock;
    return cd;
}

/* Converts with iconv, replacing each undecodable byte by U+FFFD. Returns the
 * error count, or SIZE_MAX when iconv does not know the charset. */
static size_t append_iconv(mk_strbuf *out, const char *bytes, size_t len, const char *from)
{
    GIConv cd = cached_iconv("UTF-8", from);
    if (cd == (GIConv)-1)
        return SIZE_MAX;
    size_t errors = 0, start = out->len;
    char *in = (char *)bytes;
    size_t in_left = len;
    while (in_left > 0) {
        /* Room for what is left at 1.5 output bytes per input byte; when a
         * charset needs more, E2BIG leaves the buffer full and the next
         * reserve doubles it. Sized by what is left, not by the whole input,
         * so the replacement characters of a long run of errors do not cost
         * a reallocation each. */
        mk_strbuf_reserve(out, in_left + in_left / 2 + 16);
        char *o = out->data + out->len;
        size_t o_left = out->cap - out->len - 1;
        size_t r = g_iconv(cd, &in, &in_left, &o, &o_left);
        int why = r == (size_t)-1 ? errno : 0;
        out->len = (size_t)(o - out->data);
        out->data[out->len] = '\0';
        if (why == 0 || why == E2BIG)
            continue;
        mk_strbuf_append(out, REPLACEMENT, 3);
        errors++;
        if (why != EILSEQ)
            break;   /* EINVAL: the input ends inside a character */
        in++;
        in_left--;
    }
    /* iconv passes NUL through; callers need C strings. */
    if (out->len > start && memchr(out->data + start, '\0', out->len - start)) {
        mk_strbuf fixed = {0};
        append_utf8_sanitized(&fixed, out->data + start, out->len - start);
        out->len = start;
        mk_strbuf_append(out, fixed.data ? fixed.data : "", fixed.len);
        mk_strbuf_free(&fixed);
    }
    if (!out->data)
        mk_strbuf_append(out, "", 0);
    return errors;
}

/* ---- ISO-2022-JP ------------------------------------------------------- */

typedef enum { JIS_ASCII, JIS_KANA, JIS_X0208, JIS_X0212 } jis_mode;

/* Reads an escape sequence at p; returns its length and sets *mode, or 0
 * when it is not one we know (the ESC is then kept as a control byte). */
static size_t read_jis_escape(const unsigned char *p, size_t avail, jis_mode *mode)
{
    if (avail >= 3 && p[1] == '(' && (p[2] == 'B' || p[2] == 'J' || p[2] == 'H')) {
        *mode = JIS_ASCII;
        return 3;
    }
    if (avail >= 3 && p[1] == '(' && p[2] == 'I') {
        *mode = JIS_KANA;
        return 3;
    }
    if (avail >= 3 && p[1] == '$' && (p[2] == 'B' || p[2] == '@')) {
        *mode = JIS_X0208;
        return 3;
    }
    if (avail >= 4 && p[1] == '$' && p[2] == '(' && (p[3] == 'Q' || p[3] == 'O')) {
        *mode = JIS_X0208;   /* JIS X 0213 plane 1 shares the 0208 positions */
        return 4;
    }
    if (avail >= 4 && p[1] == '$' && p[2] == '(' && p[3] == 'D') {
        *mode = JIS_X0212;
        return 4;
    }
    if (avail >= 6 && p[1] == '&' && p[2] == '@' && p[3] == 0x1B && p[4] == '$' && p[5] == 'B') {
        *mode = JIS_X0208;
        return 6;
    }
    return 0;
}

/* Rewrites ISO-2022-JP as EUC-JP: the 7-bit code of each designated set maps
 * onto EUC-JP by setting the high bits (and a single-shift prefix for
 * half-width kana and JIS X 0212). Bytes that fit no rule are copied. */
static void transcode_jis_to_euc(mk_strbuf *out, const char *bytes, size_t len)
{
    const unsigned char *p = (const unsigned char *)bytes;
    jis_mode mode = JIS_ASCII, before_so = JIS_ASCII;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        size_t esc;
        if (c == 0x1B && (esc = read_jis_escape(p + i, len - i, &mode)) > 0) {
            i += esc;
            continue;
        }
        if (c == 0x0E || c == 0x0F) {   /* SO/SI: CP50222's kana shift */
            if (c == 0x0E) {
                before_so = mode;
                mode = JIS_KANA;
            } else {
                mode = before_so;
            }
            i++;
            continue;
        }
        if (c == '\n' || c == '\r')
            mode = JIS_ASCII;   /* a line never continues a double-byte run */
        bool in_range = c >= 0x21 && c <= 0x7E;
        if (mode == JIS_KANA && in_range && c <= 0x5F) {
            unsigned char two[2] = {0x8E, (unsigned char)(c | 0x80)};
            mk_strbuf_append(out, (const char *)two, 2);
            i++;
        } else if ((mode == JIS_X0208 || mode == JIS_X0212) && in_range && i + 1 < len &&
                   p[i + 1] >= 0x21 && p[i + 1] <= 0x7E) {
            if (mode == JIS_X0212)
                mk_strbuf_putc(out, (char)0x8F);
            unsigned char two[2] = {(unsigned char)(c | 0x80), (unsigned char)(p[i + 1] | 0x80)};
            mk_strbuf_append(out, (const char *)two, 2);
            i += 2;
        } else {
            mk_strbuf_putc(out, (char)c);
            i++;
        }
    }
}

/* ---- candidates and scoring --------------------------------------------- */

typedef struct {
    long kana, kanji, punct, bad, halfwidth;
} text_stats;

static text_stats measure_text(const char *s, size_t len)
{
    text_stats st = {0};
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (p[i] >= 0x20 && p[i] < 0x80) {   /* most of any mail text */
            i++;
            continue;
        }
        size_t n = utf8_seq_len(p + i, len - i);
        if (!n) {
            st.bad++;
            i++;
            continue;
        }
        uint32_t cp = utf8_code_point(p + i, n);
        i += n;
        if (cp >= 0x3041 && cp <= 0x30FF)
            st.kana++;
        else if (cp >= 0x4E00 && cp <= 0x9FFF)
            st.kanji++;
        else if ((cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF01 && cp <= 0xFF5E))
            st.punct++;
        else if (cp >= 0xFF61 && cp <= 0xFF9F)
            st.halfwidth++;
        else if (cp == 0xFFFD || (cp >= 0xE000 && cp <= 0xF8FF) ||
                 (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
                 (cp >= 0x80 && cp < 0xA0))
            st.bad++;
    }
    return st;
}

/* Characters of a UTF-8 text that Shift_JIS (CP932) cannot represent.
 * iconv stops at each such character, and glibc then converts its whole
 * intermediate buffer again to find the spot, so a text full of them cost
 * time quadratic in its length (140 ms for one 10 kB spam). The text is
 * therefore fed in slices of at most COUNT_SLICE bytes, cut between
 * characters; each slice's count is what the whole text would give there. */
#define COUNT_SLICE 64

static long count_slice_non_japanese(GIConv cd, const char *s, size_t len, bool *gave_up);

static long count_non_japanese(const char *s, size_t len)
{
    GIConv cd = cached_iconv("CP932", "UTF-8");
    if (cd == (GIConv)-1)
        return 0;
    long missing = 0;
    size_t at = 0;
    while (at < len) {
        size_t end = len - at > COUNT_SLICE ? at + COUNT_SLICE : len;
        while (end < len && end > at + 1 && ((unsigned char)s[end] & 0xC0) == 0x80)
            end--;   /* do not cut a UTF-8 sequence */
        bool gave_up = false;
        missing += count_slice_non_japanese(cd, s + at, end - at, &gave_up);
        if (gave_up)
            break;   /* a truncated sequence: the whole text would stop there too */
        at = end;
    }
    return missing;
}

/* Characters of the slice that cd cannot convert, up to where iconv gives up (*gave_up). */
static long count_slice_non_japanese(GIConv cd, const char *s, size_t len, bool *gave_up)
{
    char buf[1024];
    char *in = (char *)s;
    size_t in_left = len;
    long missing = 0;
    while (in_left > 0) {
        char *o = buf;
        size_t o_left = sizeof buf;
        if (g_iconv(cd, &in, &in_left, &o, &o_left) != (size_t)-1)
            break;
        if (errno == E2BIG)
            continue;
        if (errno != EILSEQ) {
            *gave_up = true;
            break;
        }
        size_t n = utf8_seq_len((const unsigned char *)in, in_left);
        n = n ? n : 1;
        in += n;
        in_left -= n;
        missing++;
    }
    return missing;
}

static long score_text(const char *s, size_t len, size_t errors, bool gb)
{
    text_stats st = measure_text(s, len);
    long score = 3 * st.kana + st.kanji + st.punct - st.halfwidth - 5 * st.bad - 20 * (long)errors;
    if (gb && st.kana > 0)
        score -= 3 * count_non_japanese(s, len);
    return score;
}

/* Decodes as one candidate; returns errors or SIZE_MAX when unsupported. */
static size_t decode_as(mk_strbuf *out, const char *bytes, size_t len, cs_choice cs)
{
    switch (cs.kind) {
    case CS_NONE:
    case CS_UTF8:
        return append_utf8_sanitized(out, bytes, len);
    case CS_ISO2022JP: {
        mk_strbuf euc = {0};
        transcode_jis_to_euc(&euc, bytes, len);
        size_t errors = append_iconv(out, euc.data ? euc.data : "", euc.len, "EUC-JP-MS");
        mk_strbuf_free(&euc);
        return errors;
    }
    case CS_SJIS:
        return append_iconv(out, bytes, len, "CP932");
    case CS_EUCJP:
        return append_iconv(out, bytes, len, "EUC-JP-MS");
    default:
        return append_iconv(out, bytes, len, cs.iconv_name);
    }
}

/* The bytes a guess is judged on: the lines holding non-ASCII bytes (or
 * ISO-2022-JP escapes), up to SAMPLE_MAX. Lines keep multi-byte characters
 * whole in every candidate charset, and ASCII lines tell no charset apart, so
 * the verdict on the sample is the verdict on the text at a bounded cost. */
#define SAMPLE_MAX 8192

static void build_sample(mk_strbuf *sample, const char *bytes, size_t len)
{
    const char *p = bytes, *end = bytes + len;
    while (p < end && sample->len < SAMPLE_MAX) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl + 1 : end;
        if (!is_plain_ascii(p, (size_t)(stop - p))) {
            size_t n = (size_t)(stop - p);
            if (n > SAMPLE_MAX - sample->len)
                n = SAMPLE_MAX - sample->len;
            mk_strbuf_append(sample, p, n);
        }
        p = stop;
    }
}

/* The best candidate so far, with its decoding kept: when the guess was made
 * on the whole text, the winner's decoding is the answer and is not redone. */
typedef struct {
    cs_choice choice;
    long score;
    bool set;
    mk_strbuf text;
} best_choice;

static void consider(best_choice *best, const char *bytes, size_t len, cs_choice cs, bool gb)
{
    mk_strbuf t = {0};
    size_t errors = decode_as(&t, bytes, len, cs);
    if (errors != SIZE_MAX) {
        long score = score_text(t.data ? t.data : "", t.len, errors, gb);
        if (!best->set || score > best->score) {
            mk_strbuf_free(&best->text);
            *best = (best_choice){cs, score, true, t};
            return;
        }
    }
    mk_strbuf_free(&t);
}

/* uchardet's opinion, asked only about long undeclared text that none of the
 * Japanese candidates explains; accepted when it decodes without error, and
 * then its decoding is left in *text. */
static bool ask_uchardet(const char *bytes, size_t len, char *name_out, mk_strbuf *text)
{
    if (len < 64 || !budget_take(&budget.uchardet_calls, 1))
        return false;
    uchardet_t ud = uchardet_new();
    bool found = false;
    if (uchardet_handle_data(ud, bytes, len) == 0) {
        uchardet_data_end(ud);
        const char *name = uchardet_get_charset(ud);
        if (name && *name && strlen(name) < MAX_LABEL && strcasecmp(name, "ASCII") != 0) {
            found = append_iconv(text, bytes, len, name) == 0;
            if (found)
                strcpy(name_out, name);
            else
                mk_strbuf_free(text);
        }
    }
    uchardet_delete(ud);
    return found;
}

/* The winning candidate for the bytes, with its decoding; the caller frees
 * winner.text. */
static best_choice choose_charset(const char *bytes, size_t len, cs_choice declared, char *name_buf)
{
    bool gb = declared.kind == CS_GB;
    best_choice best = {0};
    if (declared.kind != CS_NONE)
        consider(&best, bytes, len, declared, gb);
    if (declared.kind != CS_UTF8)
        consider(&best, bytes, len, (cs_choice){CS_UTF8, NULL}, false);
    if (declared.kind != CS_ISO2022JP && has_jis_escape(bytes, len))
        consider(&best, bytes, len, (cs_choice){CS_ISO2022JP, NULL}, false);
    if (declared.kind != CS_SJIS)
        consider(&best, bytes, len, (cs_choice){CS_SJIS, NULL}, false);
    if (declared.kind != CS_EUCJP)
        consider(&best, bytes, len, (cs_choice){CS_EUCJP, NULL}, false);
    if (declared.kind != CS_GB)   /* last: ties go to the Japanese charsets */
        consider(&best, bytes, len, (cs_choice){CS_GB, "GBK"}, true);
    if (declared.kind != CS_NONE || best.score > 0)
        return best;
    mk_strbuf detected = {0};
    if (ask_uchardet(bytes, len, name_buf, &detected)) {
        mk_strbuf_free(&best.text);
        return (best_choice){{CS_ICONV, name_buf}, 0, true, detected};
    }
    best_choice latin = {0};
    consider(&latin, bytes, len, (cs_choice){CS_ICONV, "WINDOWS-1252"}, false);
    if (latin.set && latin.score >= best.score) {
        mk_strbuf_free(&best.text);
        return latin;
    }
    mk_strbuf_free(&latin.text);
    return best;
}

/* Guesses on a sample when the text is long (then decodes the whole text as
 * the winner), else on the text itself (then the winner's decoding is it). */
static void append_chosen(mk_strbuf *out, const char *bytes, size_t len, cs_choice declared)
{
    char name_buf[MAX_LABEL];
    best_choice winner;
    if (len > SAMPLE_MAX) {
        mk_strbuf sample = {0};
        build_sample(&sample, bytes, len);
        winner = choose_charset(sample.data ? sample.data : "", sample.len, declared, name_buf);
        mk_strbuf_free(&sample);
        mk_strbuf_free(&winner.text);
        if (!winner.set || decode_as(out, bytes, len, winner.choice) == SIZE_MAX)
            append_utf8_sanitized(out, bytes, len);
        return;
    }
    winner = choose_charset(bytes, len, declared, name_buf);
    if (winner.set)
        mk_strbuf_append(out, winner.text.data ? winner.text.data : "", winner.text.len);
    else
        append_utf8_sanitized(out, bytes, len);
    mk_strbuf_free(&winner.text);
}

/* Text that software has already half-converted: valid UTF-8 characters of
 * three or four bytes (CJK) kept, the stretches between them guessed one by
 * one. Shorter sequences are left to the guess because legacy double-byte
 * pairs often happen to form valid two-byte UTF-8; and a byte in odd position
 * within a run of legacy high bytes is the second half of a pair, so it never
 * starts a UTF-8 character however valid the bytes after it look. */
static void append_mixed(mk_strbuf *out, const char *bytes, size_t len)
{
    const unsigned char *p = (const unsigned char *)bytes;
    size_t i = 0, run = 0, high = 0;
    while (i < len) {
        size_t n = p[i] >= 0xE0 && high % 2 == 0 ? utf8_seq_len(p + i, len - i) : 0;
        if (n < 3) {
            high = p[i] >= 0x80 ? high + 1 : 0;
            i++;
            continue;
        }
        if (i > run)
            append_chosen(out, bytes + run, i - run, (cs_choice){CS_NONE, NULL});
        mk_strbuf_append(out, bytes + i, n);
        run = i += n;
        high = 0;
    }
    if (i > run)
        append_chosen(out, bytes + run, i - run, (cs_choice){CS_NONE, NULL});
}

static bool has_long_utf8_sequence(const char *bytes, size_t len)
{
    const unsigned char *p = (const unsigned char *)bytes;
    for (size_t i = 0; i < len; i++)
        if (p[i] >= 0xE0 && utf8_seq_len(p + i, len - i) >= 3)
            return true;
    return false;
}

static void append_guessed(mk_strbuf *out, const char *bytes, size_t len, cs_choice declared)
{
    if (!budget_take(&budget.guess_bytes, len < SAMPLE_MAX ? len : SAMPLE_MAX)) {
        append_utf8_sanitized(out, bytes, len);
        return;
    }
    size_t mark = out->len;
    append_chosen(out, bytes, len, declared);
    /* Even a decoding without errors can be the wrong one (windows-1252
     * accepts almost anything), so half-converted text always competes. */
    if (declared.kind != CS_NONE || len > SAMPLE_MAX || !has_long_utf8_sequence(bytes, len))
        return;
    mk_strbuf mixed = {0};
    append_mixed(&mixed, bytes, len);
    long whole = score_text(out->data + mark, out->len - mark, 0, false);
    if (score_text(mixed.data ? mixed.data : "", mixed.len, 0, false) > whole) {
        out->len = mark;
        mk_strbuf_append(out, mixed.data ? mixed.data : "", mixed.len);
    }
    mk_strbuf_free(&mixed);
}

void mk_charset_append_utf8(mk_strbuf *out, const char *bytes, size_t len, const char *label)
{
    if (len == 0)
        return;   /* an empty part may come with no buffer at all (bytes == NULL) */
    char scratch[MAX_LABEL];
    cs_choice cs = classify_label(label, scratch);
    if (cs.kind != CS_WIDE && is_plain_ascii(bytes, len)) {
        mk_strbuf_append(out, bytes, len);
        return;
    }
    bool escaped = has_jis_escape(bytes, len);
    if (cs.kind != CS_NONE && cs.kind != CS_GB && !(escaped && cs.kind != CS_ISO2022JP)) {
        size_t mark = out->len;
        size_t errors = decode_as(out, bytes, len, cs);
        if (errors == 0 || cs.kind == CS_WIDE)
            return;
        if (errors != SIZE_MAX)
            out->len = mark;   /* looks wrong: drop it and guess */
        if (out->data)
            out->data[out->len] = '\0';
        if (errors == SIZE_MAX)
            cs = (cs_choice){CS_NONE, NULL};
    }
    if (cs.kind == CS_NONE && !escaped) {
        /* Valid UTF-8 with non-ASCII bytes is practically never an accident. */
        size_t mark = out->len;
        if (append_utf8_sanitized(out, bytes, len) == 0)
            return;
        out->len = mark;
        if (out->data)
            out->data[out->len] = '\0';
    }
    append_guessed(out, bytes, len, cs);
}

char *mk_charset_to_utf8(const char *bytes, size_t len, const char *label)
{
    mk_strbuf out = {0};
    mk_charset_append_utf8(&out, bytes, len, label);
    return mk_strbuf_steal(&out);
}

/* ---- RFC 2047 ----------------------------------------------------------- */

/* A memoised forward search: the first match at or after `from` stays valid
 * for every later `from` up to it, so repeated searches over one string cost
 * O(n) in total even when most candidates turn out to be invalid. */
typedef struct {
    const char *end;
    const char *from;  /* where the last search started */
    const char *hit;   /* its result, NULL when there was none */
    bool searched;
} memo_search;

static const char *memo_find(memo_search *m, const char *from, const char *needle, size_t nlen)
{
    if (m->searched && from >= m->from && (!m->hit || m->hit >= from))
        return m->hit;
    m->searched = true;
    m->from = from;
    m->hit = mk_memmem(from, (size_t)(m->end - from), needle, nlen);
    return m->hit;
}

static bool is_charset_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '*' || c == '(' ||
           c == ')';
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int base64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Lenient base64: skips anything outside the alphabet, stops at padding. */
static void decode_b(mk_strbuf *out, const char *s, size_t len)
{
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len && s[i] != '='; i++) {
        int v = base64_value((unsigned char)s[i]);
        if (v < 0)
            continue;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            mk_strbuf_putc(out, (char)((acc >> bits) & 0xFF));
        }
    }
}

static void decode_q(mk_strbuf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '_') {
            mk_strbuf_putc(out, ' ');
        } else if (s[i] == '=' && i + 2 < len && (hi = hex_value((unsigned char)s[i + 1])) >= 0 &&
                   (lo = hex_value((unsigned char)s[i + 2])) >= 0) {
            mk_strbuf_putc(out, (char)(hi * 16 + lo));
            i += 2;
        } else {
            mk_strbuf_putc(out, s[i]);
        }
    }
}

typedef struct {
    const char *start, *end;            /* the whole "=?...?=" */
    const char *charset; size_t charset_len;
    char enc;
    const char *text; size_t text_len;
} encoded_word;

/* Recognises an encoded word starting at p ("=?"), using the memoised
 * searches for its closing "?=" and for the first '?' after its text. */
static bool parse_encoded_word(const char *p, const char *end, memo_search *close_s,
                               memo_search *q_s, encoded_word *w)
{
    const char *c = p + 2, *cs = c;
    while (c < end && c - cs < MAX_LABEL && is_charset_char((unsigned char)*c))
        c++;
    if (c == cs || c + 3 > end || *c != '?')
        return false;
    char enc = (char)(c[1] | 0x20);
    if ((enc != 'b' && enc != 'q') || c[2] != '?')
        return false;
    const char *text = c + 3;
    const char *close = memo_find(close_s, text, "?=", 2);
    if (!close || memo_find(q_s, text, "?", 1) != close)
        return false;
    const char *star = memchr(cs, '*', (size_t)(c - cs));   /* RFC 2231 language */
    *w = (encoded_word){p, close + 2, cs, (size_t)((star ? star : c) - cs), enc, text,
                        (size_t)(close - text)};
    return true;
}

static bool is_blank_run(const char *s, const char *e)
{
    for (; s < e; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
}

typedef struct {
    mk_strbuf *out;
    mk_strbuf bytes;          /* decoded bytes of the pending run of words */
    char label[MAX_LABEL];
} word_run;

static void flush_run(word_run *run)
{
    if (run->bytes.len)
        mk_charset_append_utf8(run->out, run->bytes.data, run->bytes.len, run->label);
    run->bytes.len = 0;
    run->label[0] = '\0';
}

static void add_word(word_run *run, const encoded_word *w)
{
    /* An over-long charset label is no charset anyone knows: keep a prefix,
     * which iconv will refuse, and let the guesser decide. */
    char label[MAX_LABEL];
    size_t n = w->charset_len < MAX_LABEL - 1 ? w->charset_len : MAX_LABEL - 1;
    memcpy(label, w->charset, n);
    label[n] = '\0';
    if (run->bytes.len && strcasecmp(label, run->label) != 0)
        flush_run(run);
    memcpy(run->label, label, n + 1);
    if (w->enc == 'b')
        decode_b(&run->bytes, w->text, w->text_len);
    else
        decode_q(&run->bytes, w->text, w->text_len);
}

char *mk_charset_decode_header(const char *raw, size_t len)
{
    mk_strbuf out = {0};
    const char *end = raw + len;
    if (!mk_memmem(raw, len, "=?", 2)) {
        mk_charset_append_utf8(&out, raw, len, NULL);
        return mk_strbuf_steal(&out);
    }
    memo_search close_s = {.end = end}, q_s = {.end = end}, open_s = {.end = end};
    word_run run = {.out = &out};
    const char *pos = raw;     /* start of text not yet emitted */
    const char *scan = raw;
    bool after_word = false;
    const char *p;
    while ((p = memo_find(&open_s, scan, "=?", 2)) != NULL) {
        encoded_word w;
        if (!parse_encoded_word(p, end, &close_s, &q_s, &w)) {
            scan = p + 1;
            continue;
        }
        if (!(after_word && is_blank_run(pos, p))) {
            flush_run(&run);
            mk_charset_append_utf8(&out, pos, (size_t)(p - pos), NULL);
        }
        add_word(&run, &w);
        after_word = true;
        pos = scan = w.end;
    }
    flush_run(&run);
    mk_charset_append_utf8(&out, pos, (size_t)(end - pos), NULL);
    mk_strbuf_free(&run.bytes);
    return mk_strbuf_steal(&out);
}

/* ---- HTML ---------------------------------------------------------------- */

char *mk_charset_sniff_html(const char *html, size_t len)
{
    if (!html || len == 0)
        return NULL;   /* an empty part: GMime may hand over no buffer at all */
    size_t window = len < SNIFF_WINDOW ? len : SNIFF_WINDOW;
    const char *end = html + window, *p = html;
    while (p < end) {
        const char *hit = NULL;
        for (const char *q = p; q + 7 <= end; q++)
            if ((q[0] | 0x20) == 'c' && strncasecmp(q, "charset", 7) == 0) {
                hit = q;
                break;
            }
        if (!hit)
            return NULL;
        const char *v = hit + 7;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        if (v < end && *v == '=') {
            v++;
            while (v < end && (*v == ' ' || *v == '\t' || *v == '"' || *v == '\''))
                v++;
            const char *s = v;
            while (v < end && v - s < MAX_LABEL - 1 && is_charset_char((unsigned char)*v))
                v++;
            if (v > s)
                return mk_xstrndup(s, (size_t)(v - s));
        }
        p = hit + 7;
    }
    return NULL;
}
