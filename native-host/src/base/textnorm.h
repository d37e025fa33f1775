/* textnorm.h - folding text so that a phrase matches however it is typed.
 *
 * Phishing text writes the same word in full-width or half-width forms, in
 * katakana or hiragana, in any case. mk_text_fold() applies NFKC case folding
 * (ICU), maps katakana to hiragana, collapses runs of white space (including
 * U+3000) to one ASCII space, and drops combining marks stacked on Latin
 * letters ("D͓̽H͓̽L͓̽" reads as "dhl"). mk_text_skeleton() gives the UTS #39 confusable
 * skeleton (ICU uspoof) so that "pаypal" with a Cyrillic a compares equal to
 * "paypal". Both return allocated UTF-8 and accept invalid UTF-8 (replaced).
 */
#ifndef MK_TEXTNORM_H
#define MK_TEXTNORM_H

#include <stdbool.h>
#include <stddef.h>

char *mk_text_fold(const char *utf8, size_t len);
char *mk_text_skeleton(const char *utf8);

/* True when folded text contains folded needle. ASCII-alphanumeric needles
 * must sit on word boundaries ("apple" does not match "pineapple"). */
bool mk_text_contains(const char *folded_text, const char *folded_needle);
/* The same test for one place: true when the n bytes at start of text (where
 * a folded needle was found) stand on word boundaries as mk_text_contains requires. */
bool mk_text_word_at(const char *folded_text, size_t start, size_t n);

/* Letters written to slip past word filters while a reader still reads them:
 * Mathematical Alphanumeric Symbols ("𝐔𝐦𝐟𝐫𝐚𝐠𝐞") and Latin letters loaded with
 * combining marks ("P͓̽l͓̽e͓̽a͓̽s͓̽e͓̽"). Counts such letters in UTF-8 text (invalid
 * bytes are skipped); Japanese text, full-width letters and emoji count zero. */
size_t mk_text_disguised_letters(const char *utf8);

#endif
