/* mime_prescan.h - bounding the MIME structure GMime will build, before it parses.
 *
 * GMime builds every part and checks every line against every open boundary,
 * so the structure itself is an attack: a million tiny parts cost gigabytes
 * before any walk could stop at a part cap, and thousands of nested
 * multiparts make the parse (nesting x lines). mk_mime_prescan() reads the
 * bytes GMime is about to parse, in one linear pass, and rewrites in place
 * (never moving a byte) what GMime must not see:
 *
 *   - boundary parameters past the MK_PRESCAN_MAX_BOUNDARIES-th: the parts
 *     they would open stay text inside their parent;
 *   - delimiter lines ("--" and a declared boundary) past the part budget:
 *     the parts they would open stay text inside the last part; and other
 *     "--" lines once GMime would have compared MK_PRESCAN_MAX_DASH_WORK of
 *     them with open boundaries;
 *   - attached messages (message/rfc822, message/global, message/news, and
 *     multipart/digest, whose untyped parts are messages): their type is
 *     renamed so that GMime keeps each as one leaf part, which the message
 *     reader then parses itself with the same bounds as the outer message,
 *     instead of GMime decoding every header of it;
 *   - header blocks of parts past MK_PRESCAN_MAX_BLOCK_LINES lines (or
 *     MK_PRESCAN_MAX_HEADER_LINES in all): GMime keeps every header line of
 *     every part, so a part with millions of them cost gigabytes; the block
 *     is ended there and its rest is read as the part's content;
 *   - RFC 2047 encoded words in MIME fields (file names, descriptions) past
 *     the first MK_PRESCAN_MAX_ENCODED_WORDS: GMime opens a converter for
 *     each one it decodes, so they are left as plain text.
 *
 * Content-Type fields are read as GMime reads them (RFC 2045 with comments,
 * folds and RFC 2231 parameter sections, and GMime's loose recovery), so no
 * spelling of "boundary" that GMime accepts escapes the count.
 */
#ifndef MK_MIME_PRESCAN_H
#define MK_MIME_PRESCAN_H

#include <stddef.h>

#define MK_PRESCAN_MAX_BOUNDARIES 128
#define MK_PRESCAN_MAX_ENCODED_WORDS 1024
#define MK_PRESCAN_MAX_BLOCK_LINES 1000      /* lines of one part's header block */
#define MK_PRESCAN_MAX_HEADER_LINES 100000   /* lines of all header blocks together */
#define MK_PRESCAN_MAX_FIELD (64 * 1024)     /* bytes of one MIME field */
#define MK_PRESCAN_MAX_DASH_WORK 4000000     /* boundary comparisons for "--" lines that are text */

/* The renamed types, as GMime then reports them (lower-cased). */
#define MK_PRESCAN_MESSAGE_TYPE "xessage"      /* was "message" (rfc822, global, news) */
#define MK_PRESCAN_DIGEST_SUBTYPE "xigest"     /* was multipart/"digest" */

/* Rewrites buf as described above; `parts` is how many delimiter lines may
 * stay. Returns the mk_unread reasons for what was defused (0 when none). */
unsigned mk_mime_prescan(char *buf, size_t len, size_t parts);

#endif
