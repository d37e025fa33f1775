/* unread.h - what part of a message the analysis did not read, and why.
 *
 * Every bound that stops reading hostile input (a header count, a part
 * count, a byte budget, a link cap) records here which bound it was, so the
 * report can say so: a phishing link placed after megabytes of padding must
 * not vanish silently. A message's record is a set of these reasons, ORed
 * together by the parser (mk_message.unread) and the page reader
 * (mk_page.unread); the check analysis_incomplete turns the set into a
 * finding that the reader sees.
 */
#ifndef MK_UNREAD_H
#define MK_UNREAD_H

typedef enum mk_unread {
    MK_UNREAD_HEADERS = 1u << 0,          /* header fields past the 1,000th (those the checks read are kept) */
    MK_UNREAD_HEADER_DECODING = 1u << 1,  /* header text past the decoding budget kept as raw UTF-8 */
    MK_UNREAD_PARTS = 1u << 2,            /* MIME parts past the 10,000th */
    MK_UNREAD_NESTING = 1u << 3,          /* multiparts or attached messages nested past the bound */
    MK_UNREAD_BODY = 1u << 4,             /* body text past 8 MiB */
    MK_UNREAD_ATTACHMENT_PAGES = 1u << 5, /* HTML/SVG attachments past 2 MiB each, 8 MiB in all */
    MK_UNREAD_HTML = 1u << 6,             /* HTML past 4 MiB or 12,000 tags */
    MK_UNREAD_TEXT = 1u << 7,             /* plain text past 4 MiB not scanned for links */
    MK_UNREAD_LINKS = 1u << 8,            /* links past the 2,000th */
    MK_UNREAD_VISIBLE = 1u << 9,          /* visible text past 1 MiB not read by the wording checks */
    MK_UNREAD_PART_HEADERS = 1u << 10,    /* a part's header past 1,000 lines (100,000 in all) or a MIME field past 64 KiB */
} mk_unread;

/* The JSON name of one reason, e.g. "links_past_2000"; "" for a set of several. */
const char *mk_unread_name(mk_unread reason);

#endif
