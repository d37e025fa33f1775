/* unread.c - the names of the reasons why part of a message went unread.
 *
 * The names say which bound was reached, with its size, so the evidence of
 * analysis_incomplete reads on its own ("html_past_4_mib_or_12000_tags").
 */
#include "unread.h"

const char *mk_unread_name(mk_unread reason)
{
    switch (reason) {
    case MK_UNREAD_HEADERS: return "header_fields_past_1000";
    case MK_UNREAD_HEADER_DECODING: return "header_decoding_budget";
    case MK_UNREAD_PARTS: return "mime_parts_past_10000";
    case MK_UNREAD_NESTING: return "nesting_too_deep";
    case MK_UNREAD_BODY: return "body_text_past_8_mib";
    case MK_UNREAD_ATTACHMENT_PAGES: return "attachment_pages_past_8_mib";
    case MK_UNREAD_HTML: return "html_past_4_mib_or_12000_tags";
    case MK_UNREAD_TEXT: return "text_past_4_mib";
    case MK_UNREAD_LINKS: return "links_past_2000";
    case MK_UNREAD_VISIBLE: return "visible_text_past_1_mib";
    case MK_UNREAD_PART_HEADERS: return "part_header_too_long";
    }
    return "";
}
