/* checks_coverage.c - analysis_incomplete: say so when part of the message went unread.
 *
 * Every bound on hostile input (header count, part count, nesting, body and
 * HTML bytes, link count, the header decoding budget) stops reading at some
 * point, and a phishing link placed after that point would never reach a
 * check. Reading on would hand the attacker time and memory; staying silent
 * would hand them the verdict. So the parser and the page reader record each
 * bound they reached (unread.h), and this check turns the record into a
 * finding the reader sees. Its "reason" is the most telling bound reached
 * (links and text first: that is where a hidden lure would be), which
 * picks the sentence shown; "unread" lists them all. The points are low:
 * padding a message past the bounds is itself what evasive mail does, but
 * the finding says first that the verdict rests on part of the message.
 */
#include "checks.h"

#include "unread.h"

void mk_checks_coverage(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    (void)cat;
    static const mk_unread order[] = {MK_UNREAD_LINKS, MK_UNREAD_HTML, MK_UNREAD_TEXT, MK_UNREAD_BODY, MK_UNREAD_VISIBLE,
                                      MK_UNREAD_PARTS, MK_UNREAD_NESTING, MK_UNREAD_PART_HEADERS,
                                      MK_UNREAD_ATTACHMENT_PAGES,
                                      MK_UNREAD_HEADERS, MK_UNREAD_HEADER_DECODING};
    unsigned unread = f->page.unread | (f->msg ? f->msg->unread : 0);
    if (!unread)
        return;
    json_t *names = json_array();
    const char *reason = NULL;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        if (!(unread & order[i]))
            continue;
        json_array_append_new(names, json_string(mk_unread_name(order[i])));
        if (!reason)
            reason = mk_unread_name(order[i]);
    }
    mk_findings_add(out, "analysis_incomplete", json_pack("{s:s, s:o}", "reason", reason, "unread", names));
}
