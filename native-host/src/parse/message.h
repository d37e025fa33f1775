/* message.h - the parsed form of one raw RFC 5322 message.
 *
 * mk_message_parse() turns raw bytes (as received, any charset, possibly
 * broken) into plain UTF-8 data that the rest of the host reads: every header
 * in original order with its value decoded (RFC 2047 in any charset, raw 8-bit
 * guessed), the sender-side addresses, the Message-ID, the date, the decoded
 * text and HTML bodies and the list of attachments. It never fails on bad
 * input: a message that cannot be parsed at all still yields a mk_message with
 * `error` set and whatever could be recovered.
 *
 * Ownership: everything inside a mk_message belongs to it and is released by
 * mk_message_free(). Strings are UTF-8 and never NULL unless documented.
 */
#ifndef MK_MESSAGE_H
#define MK_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef struct mk_header {
    char *name;   /* as written, e.g. "Received" */
    char *value;  /* unfolded and decoded to UTF-8, leading space trimmed */
} mk_header;

typedef struct mk_address {
    char *name;     /* decoded display name, "" when absent */
    char *address;  /* addr-spec "local@domain", "" when absent */
    char *domain;   /* lower-case domain part (IDN kept as written in UTF-8), "" when absent */
} mk_address;

typedef struct mk_attachment {
    char *filename;      /* decoded, "" when absent */
    char *content_type;  /* lower-case "type/subtype" */
    size_t size;         /* decoded size in bytes (an attached message: its bytes as sent) */
    char *html;          /* decoded UTF-8 content when the attachment can render as a page
                            (text/html, .htm/.html/.shtml/.xhtml, image/svg+xml, .svg); else NULL */
} mk_attachment;

typedef struct mk_message {
    mk_header *headers;   /* top to bottom, as in the raw message */
    size_t n_headers;

    char *subject;        /* decoded, "" when absent */
    char *date_raw;       /* the Date header as written, "" when absent */
    time_t date;          /* 0 when absent or unparsable */
    char *date_rfc3339;   /* "" when date == 0 */

    mk_address from;      /* first mailbox of From */
    mk_address sender;
    mk_address reply_to;  /* first mailbox of Reply-To */
    mk_address return_path;
    mk_address *to;       /* all mailboxes of To and Cc */
    size_t n_to;

    char *message_id;         /* without angle brackets, "" when absent */
    char *message_id_domain;  /* lower-case right-hand side, "" when none */

    char **texts;         /* decoded text/plain parts (not attachments), UTF-8 */
    size_t n_texts;
    char **htmls;         /* decoded text/html parts (not attachments), UTF-8 */
    size_t n_htmls;
    mk_attachment *attachments;
    size_t n_attachments;

    size_t raw_size;
    unsigned unread;      /* mk_unread reasons (unread.h): what the bounds kept from being read */
    char *error;          /* NULL when parsed; else why nothing useful could be read */
} mk_message;

/* One-time library setup (GMime); safe to call more than once. */
void mk_message_library_init(void);

/* Parses raw bytes; never returns NULL. */
mk_message *mk_message_parse(const char *raw, size_t len);
void mk_message_free(mk_message *msg);

/* First header named `name` (case-insensitive), or NULL. */
const char *mk_message_header(const mk_message *msg, const char *name);
/* Index of the first header named `name` at or after `from`, or -1. */
long mk_message_header_index(const mk_message *msg, const char *name, size_t from);

#endif
