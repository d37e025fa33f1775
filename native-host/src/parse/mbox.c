/* mbox.c - a streaming mbox splitter.
 *
 * The file is read in pieces of at most one line and at most MK_MBOX_PIECE
 * bytes, so a line of any length is handled in bounded memory and NUL bytes
 * pass through untouched. A piece that starts a line is inspected for the two
 * things that matter:
 *
 *   - a separator: "From " at the start of a line that follows a blank line
 *     (or opens the file). Requiring the blank line is what mutt and Python's
 *     mailbox do in spirit: writers always leave one, and it keeps a stray
 *     unquoted "From " in a body from cutting a message in two. The blank line
 *     belongs to the mbox format, so it is removed from the message's end.
 *   - a quoted line: ">From ", ">>From ", ... loses one '>' (mboxrd rule; for
 *     mboxo files this is the same as removing the single quote).
 *
 * The message buffer grows by doubling but never beyond the limit; once a
 * message would exceed it, the buffer is released and the rest of the message
 * is only counted, never stored.
 */
#include "mbox.h"

#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "util.h"

#define MK_MBOX_PIECE 8192

struct mk_mbox {
    FILE *f;
    size_t max;
    char *buf;          /* current message; NULL while skipping an oversized one */
    size_t len;
    size_t cap;
    size_t skipped_len; /* size reached by an oversized message */
    char piece[MK_MBOX_PIECE];
    size_t piece_len;
    bool at_line_start; /* the next piece begins a line */
    bool prev_blank;    /* the last complete line was empty */
    bool started;       /* the first piece of the file has been looked at */
    bool in_message;    /* an envelope line was consumed; its message is being read */
    bool eof;
    bool error;
    size_t index;
};

/* ---- detection ----------------------------------------------------------- */

bool mk_mbox_detect(FILE *f)
{
    char head[5];
    size_t got = fread(head, 1, sizeof head, f);
    bool is_mbox = got == sizeof head && memcmp(head, "From ", 5) == 0;
    rewind(f);
    return is_mbox;
}

/* ---- life cycle ---------------------------------------------------------- */

mk_mbox *mk_mbox_open(FILE *f, size_t max_message)
{
    mk_mbox *m = mk_xcalloc(1, sizeof *m);
    m->f = f;
    m->max = max_message;
    m->at_line_start = true;
    m->prev_blank = true;
    return m;
}

void mk_mbox_close(mk_mbox *m)
{
    if (!m)
        return;
    free(m->buf);
    free(m);
}

/* ---- reading pieces ------------------------------------------------------ */

/* Reads up to one line (or MK_MBOX_PIECE bytes of it); false at end of input. */
static bool read_piece(mk_mbox *m)
{
    size_t n = 0;
    int c = EOF;
    while (n < MK_MBOX_PIECE && (c = mk_getc_unlocked(m->f)) != EOF) {
        m->piece[n++] = (char)c;
        if (c == '\n')
            break;
    }
    m->piece_len = n;
    if (c == EOF) {
        m->eof = true;
        m->error = ferror(m->f) != 0;
    }
    return n > 0;
}

static bool piece_is_blank_line(const mk_mbox *m)
{
    return (m->piece_len == 1 && m->piece[0] == '\n') ||
           (m->piece_len == 2 && m->piece[0] == '\r' && m->piece[1] == '\n');
}

static bool piece_is_separator(const mk_mbox *m)
{
    return m->at_line_start && m->prev_blank && m->piece_len >= 5 &&
           memcmp(m->piece, "From ", 5) == 0;
}

/* Length of the quoting '>' run when the piece is a quoted "From " line, else 0. */
static size_t quoted_from_prefix(const mk_mbox *m)
{
    if (!m->at_line_start)
        return 0;
    size_t i = 0;
    while (i < m->piece_len && m->piece[i] == '>')
        i++;
    if (i == 0 || m->piece_len - i < 5 || memcmp(m->piece + i, "From ", 5) != 0)
        return 0;
    return i;
}

/* Updates line-position state after a piece has been dealt with. */
static void finish_piece(mk_mbox *m)
{
    bool ends_line = m->piece_len > 0 && m->piece[m->piece_len - 1] == '\n';
    if (ends_line)
        m->prev_blank = m->at_line_start && piece_is_blank_line(m);
    else
        m->prev_blank = false;
    m->at_line_start = ends_line;
}

/* Consumes the rest of an envelope line whose first piece was already read. */
static void skip_rest_of_line(mk_mbox *m)
{
    while (m->piece_len > 0 && m->piece[m->piece_len - 1] != '\n') {
        m->at_line_start = false;
        if (!read_piece(m))
            break;
    }
    m->at_line_start = true;
    m->prev_blank = false;
}

/* ---- the message buffer -------------------------------------------------- */

static void append(mk_mbox *m, const char *p, size_t n)
{
    if (!m->buf && m->skipped_len) {
        m->skipped_len += n;
        return;
    }
    if (m->len + n > m->max) {
        m->skipped_len = m->len + n;
        free(m->buf);
        m->buf = NULL;
        m->len = m->cap = 0;
        return;
    }
    if (m->len + n > m->cap) {
        size_t cap = m->cap ? m->cap : MK_MBOX_PIECE;
        while (cap < m->len + n)
            cap *= 2;
        if (cap > m->max)
            cap = m->max;
        m->buf = mk_xrealloc(m->buf, cap + 1);
        m->cap = cap;
    }
    memcpy(m->buf + m->len, p, n);
    m->len += n;
}

/* The blank line before a separator (or at the end of the file) is mbox framing. */
static void drop_framing_blank_line(mk_mbox *m)
{
    if (!m->buf)
        return;
    if (m->len >= 2 && m->buf[m->len - 1] == '\n' && m->buf[m->len - 2] == '\n')
        m->len -= 1;
    else if (m->len >= 4 && memcmp(m->buf + m->len - 4, "\r\n\r\n", 4) == 0)
        m->len -= 2;
}

static void reset_message(mk_mbox *m)
{
    m->len = 0;
    m->skipped_len = 0;
}

/* ---- splitting ----------------------------------------------------------- */

/* Reads the first piece of the file; an envelope line there is consumed. */
static void start_file(mk_mbox *m)
{
    m->started = true;
    if (!read_piece(m))
        return;
    if (piece_is_separator(m)) {
        skip_rest_of_line(m);
        m->in_message = true;
        return;
    }
    /* No envelope: whatever precedes the first separator is taken as a message. */
    m->in_message = true;
    append(m, m->piece, m->piece_len);
    finish_piece(m);
}

mk_mbox_status mk_mbox_next(mk_mbox *m, size_t *index)
{
    reset_message(m);
    if (!m->started)
        start_file(m);
    if (!m->in_message)
        return m->error ? MK_MBOX_IO_ERROR : MK_MBOX_END;
    bool next_envelope = false;
    while (!m->eof && read_piece(m)) {
        if (piece_is_separator(m)) {
            skip_rest_of_line(m);
            next_envelope = true;
            break;
        }
        size_t q = quoted_from_prefix(m);
        append(m, m->piece + (q ? 1 : 0), m->piece_len - (q ? 1 : 0));
        finish_piece(m);
    }
    m->in_message = next_envelope;
    if (m->error && !next_envelope)
        return MK_MBOX_IO_ERROR;
    *index = ++m->index;
    if (!m->buf && m->skipped_len)
        return MK_MBOX_TOO_LARGE;
    drop_framing_blank_line(m);
    return MK_MBOX_MESSAGE;
}

bool mk_mbox_has_more(const mk_mbox *m)
{
    return m->in_message;
}

const char *mk_mbox_data(const mk_mbox *m, size_t *len)
{
    if (!m->buf && m->skipped_len) {
        *len = m->skipped_len;
        return NULL;
    }
    *len = m->len;
    if (m->buf) {
        m->buf[m->len] = '\0';
        return m->buf;
    }
    return "";
}
