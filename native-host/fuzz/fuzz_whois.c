/* fuzz_whois.c - libFuzzer target: reading a WHOIS answer.
 *
 * A WHOIS server is a stranger on port 43: its answer is free text of any
 * bytes, any line length, any encoding (JPRS's ISO-2022-JP is decoded first).
 * The parser must return an object whose "status" is one of its three words
 * and whose fields are strings, whatever it is given. Seeded with the recorded
 * answers of tests/online/fixtures/whois/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "whois.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *r = mk_whois_parse((const char *)data, size);
    const char *status = json_string_value(json_object_get(r, "status"));
    if (!status || (strcmp(status, "registered") && strcmp(status, "unregistered") && strcmp(status, "error")))
        abort();
    const char *fields[] = {"created", "registrar", "registrant_name", "registrant_org", "registrant_country",
                            "registry_status", "refer"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        json_t *v = json_object_get(r, fields[i]);
        if (v && !json_is_string(v))
            abort();
    }
    json_decref(r);
    return 0;
}
