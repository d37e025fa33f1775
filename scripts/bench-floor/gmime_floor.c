/* gmime_floor.c - the floor under Mekiki's analysis: GMime alone, no checks.
 *
 * For each file named on the command line (or one path per line on stdin
 * when there are none) it does what any GMime-based analyser must do before
 * it can judge anything: read the file into memory, parse it into a
 * message, walk every header of the message and every MIME part, and decode
 * each text part (transfer encoding and charset) to UTF-8. Nothing is
 * judged and nothing is printed but a count, so the CPU this program uses
 * per message is the cost of the parse that Mekiki's whole analysis is
 * compared with (scripts/bench-vs-rspamd). It is a measuring tool beside
 * the benchmark, not part of the product.
 */
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct floor_totals {
    size_t messages;
    size_t parts;
    size_t headers;
    size_t text_bytes;
} floor_totals;

static void count_headers(GMimeObject *object, floor_totals *totals)
{
    GMimeHeaderList *headers = g_mime_object_get_header_list(object);
    int n = g_mime_header_list_get_count(headers);
    for (int i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(headers, i);
        const char *value = g_mime_header_get_value(h);
        totals->headers++;
        if (value)
            totals->text_bytes += strlen(value);
    }
}

static void visit_part(GMimeObject *parent, GMimeObject *part, gpointer data)
{
    floor_totals *totals = data;
    (void)parent;
    totals->parts++;
    count_headers(part, totals);
    if (GMIME_IS_TEXT_PART(part)) {
        char *text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
        if (text) {
            totals->text_bytes += strlen(text);
            g_free(text);
        }
    }
}

static void parse_one(const char *path, floor_totals *totals)
{
    gchar *raw = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &raw, &len, NULL))
        return;
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(raw, len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeMessage *message = g_mime_parser_construct_message(parser, NULL);
    if (message) {
        totals->messages++;
        count_headers(GMIME_OBJECT(message), totals);
        g_mime_message_foreach(message, visit_part, totals);
        g_object_unref(message);
    }
    g_object_unref(parser);
    g_object_unref(stream);
    g_free(raw);
}

int main(int argc, char **argv)
{
    floor_totals totals = {0};
    g_mime_init();
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            parse_one(argv[i], &totals);
    } else {
        char line[4096];
        while (fgets(line, sizeof line, stdin)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (line[0])
                parse_one(line, &totals);
        }
    }
    g_mime_shutdown();
    printf("%zu messages, %zu parts, %zu headers, %zu bytes of text\n", totals.messages, totals.parts,
           totals.headers, totals.text_bytes);
    return 0;
}
