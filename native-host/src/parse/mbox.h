/* mbox.h - splitting an mbox file into messages, one at a time.
 *
 * An mbox is a concatenation of messages, each introduced by a "From " line
 * (the envelope line, not part of the message). Body lines that begin with
 * "From " were quoted by the writer as ">From "; mboxrd quotes ">From " again
 * as ">>From ". Reading undoes one level of quoting on every such line.
 *
 * The reader streams: it holds at most one message in memory, and a message
 * larger than the limit is skipped (reported as MK_MBOX_TOO_LARGE with its
 * size so far) without buffering the rest of it. Lines are read in bounded
 * pieces, so a file without a single newline costs no more than the limit.
 */
#ifndef MK_MBOX_H
#define MK_MBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct mk_mbox mk_mbox;

typedef enum mk_mbox_status {
    MK_MBOX_MESSAGE,    /* a message is available through mk_mbox_data() */
    MK_MBOX_TOO_LARGE,  /* the message exceeded the limit and was skipped */
    MK_MBOX_END,        /* no more messages */
    MK_MBOX_IO_ERROR    /* the file could not be read further */
} mk_mbox_status;

/* True when the stream's first line starts with "From " (reads and rewinds). */
bool mk_mbox_detect(FILE *f);

/* Reads messages from f (not owned; read from its current position), each at most
 * max_message bytes. */
mk_mbox *mk_mbox_open(FILE *f, size_t max_message);
void mk_mbox_close(mk_mbox *m);

/* Advances to the next message. *index is its 1-based position in the file
 * (counting skipped messages too). */
mk_mbox_status mk_mbox_next(mk_mbox *m, size_t *index);

/* True when another message follows the current one: a file holding a single
 * message (an .eml saved with its envelope line) can then be named as a plain file. */
bool mk_mbox_has_more(const mk_mbox *m);

/* The current message's bytes (borrowed; valid until the next mk_mbox_next).
 * After MK_MBOX_TOO_LARGE, data is NULL and *len is the size reached when it
 * was abandoned (at least the limit). */
const char *mk_mbox_data(const mk_mbox *m, size_t *len);

#endif
