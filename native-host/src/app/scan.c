/* scan.c - `mekiki scan`: every message under some paths, one JSON line each.
 *
 * Walking. Paths are visited in a fixed order: command-line order, then each
 * directory's entries sorted bytewise, depth first. Hidden entries are
 * skipped, symbolic links to files are followed but links to directories are
 * not (that is how loops are avoided), and anything that is not a regular
 * file (FIFOs, devices) is ignored inside directories. A file whose first
 * line starts with "From " is an mbox and is split by mk_mbox as it is read;
 * any other file is one message. Messages of an mbox are named "FILE#N",
 * except when the file holds a single one (an .eml saved with its envelope
 * line, common in corpora): it keeps its plain path, so results still join
 * with lists keyed by file name. Memory holds one message at a time.
 *
 * Parallelism. Every message gets an ordinal in that fixed order. With N
 * jobs, N worker processes (mk_worker_start: fork() on POSIX, the program
 * started again on Windows) each walk the same tree and analyse the messages
 * whose ordinal modulo N is their slot: no work queue, no list of paths in
 * memory, and a large mbox is shared between workers too. Each worker has
 * its own context (SQLite and resolver handles must not cross fork()) and
 * writes its lines into its own pipe; one parent thread per pipe moves only
 * complete lines to the output (so lines never interleave, whatever their
 * length) and counts verdicts from the lines themselves. With one job
 * everything runs in the calling process. The order relies on the tree not
 * changing during the scan; it is a snapshot tool.
 */
#include "scan.h"

#include <dirent.h>
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbox.h"
#include "platform.h"
#include "util.h"

/* A message larger than this is skipped with an error line: the same limit
 * the native host applies, and what keeps one scan process under 64 MiB. */
#define MK_SCAN_MAX_MESSAGE (32u * 1024u * 1024u)
#define MK_SCAN_MAX_DEPTH 64
#define MK_SCAN_MAX_JOBS 256
#define MK_SCAN_MAX_IDS 64

typedef struct mk_scan_stats {
    size_t messages;
    size_t errors;
    size_t safe, suspicious, phishing, other;
} mk_scan_stats;

/* How often a worker hands mapped GeoIP pages back (see mk_geo_release_pages). */
#define MK_SCAN_GEO_RELEASE_EVERY 256

typedef struct mk_scan_worker {
    mk_context *ctx;
    int jobs;
    int slot;
    size_t ordinal;        /* messages met so far in walk order */
    size_t analysed;       /* messages this worker analysed */
    FILE *out;
    mk_scan_stats *stats;  /* counted here when running in-process, else by the parent */
} mk_scan_worker;

/* ---- counting ------------------------------------------------------------ */

static void tally(mk_scan_stats *st, const char *verdict, bool error)
{
    st->messages++;
    if (error)
        st->errors++;
    else if (!verdict)
        st->other++;
    else if (strcmp(verdict, "safe") == 0)
        st->safe++;
    else if (strcmp(verdict, "suspicious") == 0)
        st->suspicious++;
    else if (strcmp(verdict, "phishing") == 0)
        st->phishing++;
    else
        st->other++;
}

static void tally_line(mk_scan_stats *st, const char *line, size_t len)
{
    json_t *j = json_loadb(line, len, 0, NULL);
    tally(st, json_string_value(json_object_get(j, "verdict")), !j || json_object_get(j, "error"));
    json_decref(j);
}

/* ---- one line per message ------------------------------------------------ */

/* Ownership: returns true when this worker handles the next message. */
static bool claim_next(mk_scan_worker *w)
{
    return (int)(w->ordinal++ % (size_t)w->jobs) == w->slot;
}

static void emit(mk_scan_worker *w, json_t *line)
{
    char *s = json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(6));
    if (!s)
        return;
    fputs(s, w->out);
    fputc('\n', w->out);
    if (w->stats)
        tally(w->stats, json_string_value(json_object_get(line, "verdict")), json_object_get(line, "error"));
    free(s);
}

/* File names are bytes; JSON wants UTF-8, so invalid bytes become U+FFFD. */
static json_t *line_new(const char *path)
{
    char *valid = g_utf8_make_valid(path, -1);
    json_t *line = json_pack("{s:s}", "path", valid);
    g_free(valid);
    return line;
}

static void emit_error(mk_scan_worker *w, const char *path, const char *fmt, ...)
    MK_PRINTF(3, 4);

static void emit_error(mk_scan_worker *w, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char *valid = g_utf8_make_valid(msg, -1);
    json_t *line = line_new(path);
    json_object_set_new(line, "verdict", json_null());
    json_object_set_new(line, "score", json_null());
    json_object_set_new(line, "findings", json_array());
    json_object_set_new(line, "ms", json_integer(0));
    json_object_set_new(line, "error", json_string(valid));
    emit(w, line);
    json_decref(line);
    g_free(valid);
    g_free(msg);
}

static json_t *finding_ids(const mk_analysis *a)
{
    const char *ids[MK_SCAN_MAX_IDS];
    size_t n = mk_analysis_finding_ids(a, ids, MK_SCAN_MAX_IDS);
    json_t *arr = json_array();
    for (size_t i = 0; i < n && i < MK_SCAN_MAX_IDS; i++)
        json_array_append_new(arr, json_string(ids[i]));
    return arr;
}

/* The report's own "error" text for a message that could not be read at all. */
static json_t *failure_text(const mk_analysis *a, const char *locale)
{
    json_t *report = mk_analysis_report(a, locale);
    json_t *err = json_object_get(report, "error");
    json_t *text = json_is_string(err) ? json_incref(err) : json_string("the input is not a message");
    json_decref(report);
    return text;
}

static void analyse_message(mk_scan_worker *w, const char *path, const char *data, size_t len)
{
    double t0 = mk_now_ms();
    mk_analysis *a = mk_analysis_offline(w->ctx, data, len);
    if (!a) {
        emit_error(w, path, "the analysis could not be started");
        return;
    }
    mk_analysis_enrich(a);
    double ms = mk_now_ms() - t0;
    json_t *line = line_new(path);
    json_object_set_new(line, "verdict", json_string(mk_analysis_verdict(a)));
    json_object_set_new(line, "score", json_integer(mk_analysis_score(a)));
    json_object_set_new(line, "findings", finding_ids(a));
    json_object_set_new(line, "ms", json_real((double)(long long)(ms * 100.0 + 0.5) / 100.0));
    if (mk_analysis_failed(a))
        json_object_set_new(line, "error", failure_text(a, w->ctx->opt.locale ? w->ctx->opt.locale : "en"));
    emit(w, line);
    json_decref(line);
    mk_analysis_free(a);
    /* Keep the mapped GeoIP pages from piling up over a long scan (see geo.h). */
    if (++w->analysed % MK_SCAN_GEO_RELEASE_EVERY == 0)
        mk_geo_release_pages(w->ctx->geo);
}

/* ---- message sources ----------------------------------------------------- */

static void scan_mbox(mk_scan_worker *w, const char *path, FILE *f)
{
    mk_mbox *m = mk_mbox_open(f, MK_SCAN_MAX_MESSAGE);
    size_t index = 0;
    for (;;) {
        mk_mbox_status st = mk_mbox_next(m, &index);
        if (st == MK_MBOX_END)
            break;
        if (!claim_next(w)) {
            if (st == MK_MBOX_IO_ERROR)
                break;
            continue;
        }
        bool alone = index == 1 && st != MK_MBOX_IO_ERROR && !mk_mbox_has_more(m);
        char *name = alone ? mk_xstrdup(path) : mk_xasprintf("%s#%zu", path, index + (st == MK_MBOX_IO_ERROR));
        size_t len = 0;
        const char *data = mk_mbox_data(m, &len);
        if (st == MK_MBOX_MESSAGE)
            analyse_message(w, name, data, len);
        else if (st == MK_MBOX_TOO_LARGE)
            emit_error(w, name, "message larger than %u bytes, skipped", MK_SCAN_MAX_MESSAGE);
        else
            emit_error(w, name, "read error: %s", strerror(errno));
        free(name);
        if (st == MK_MBOX_IO_ERROR)
            break;
    }
    mk_mbox_close(m);
}

/* Reads a whole (bounded) file; NULL with errno-derived *error otherwise. */
static char *read_bounded(FILE *f, size_t *len, const char **error)
{
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && sb.st_size > (off_t)MK_SCAN_MAX_MESSAGE) {
        *error = "message larger than the limit, skipped";
        return NULL;
    }
    size_t cap = 64 * 1024, n = 0;
    char *buf = mk_xmalloc(cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap > MK_SCAN_MAX_MESSAGE) {
                free(buf);
                *error = "message larger than the limit, skipped";
                return NULL;
            }
            cap *= 2;
            buf = mk_xrealloc(buf, cap + 1);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        *error = strerror(errno);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void scan_file(mk_scan_worker *w, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        if (claim_next(w))
            emit_error(w, path, "cannot open: %s", strerror(e));
        return;
    }
    if (mk_mbox_detect(f)) {
        scan_mbox(w, path, f);
    } else if (claim_next(w)) {
        size_t len = 0;
        const char *error = NULL;
        char *data = read_bounded(f, &len, &error);
        if (data)
            analyse_message(w, path, data, len);
        else
            emit_error(w, path, "%s", error);
        free(data);
    }
    fclose(f);
}

/* ---- walking ------------------------------------------------------------- */

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan_dir(mk_scan_worker *w, const char *dir, int depth);

/* An entry found inside a directory: files and real subdirectories only. */
static void scan_entry(mk_scan_worker *w, const char *path, int depth)
{
    switch (mk_platform_entry_kind(path)) {
    case MK_ENTRY_DIR: scan_dir(w, path, depth + 1); break;
    case MK_ENTRY_FILE: scan_file(w, path); break;
    default: break;   /* dangling links, links to directories, devices: not messages */
    }
}

static void scan_dir(mk_scan_worker *w, const char *dir, int depth)
{
    if (depth > MK_SCAN_MAX_DEPTH) {
        if (claim_next(w))
            emit_error(w, dir, "directory nested too deeply, skipped");
        return;
    }
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        if (claim_next(w))
            emit_error(w, dir, "cannot read directory: %s", strerror(e));
        return;
    }
    mk_strlist names = {0};
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            mk_strlist_push(&names, de->d_name);
    closedir(d);
    if (names.n)
        qsort(names.v, names.n, sizeof names.v[0], compare_names);
    size_t dlen = strlen(dir);
    bool slash = dlen > 0 && dir[dlen - 1] == '/';
    for (size_t i = 0; i < names.n; i++) {
        char *path = mk_xasprintf("%s%s%s", dir, slash ? "" : "/", names.v[i]);
        scan_entry(w, path, depth);
        free(path);
    }
    mk_strlist_free(&names);
}

/* A path named on the command line: links are followed, and a missing or
 * special file is an error (the user asked for it explicitly). */
static void scan_path(mk_scan_worker *w, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        int e = errno;
        if (claim_next(w))
            emit_error(w, path, "cannot open: %s", strerror(e));
    } else if (S_ISDIR(sb.st_mode)) {
        scan_dir(w, path, 0);
    } else if (S_ISREG(sb.st_mode)) {
        scan_file(w, path);
    } else if (claim_next(w)) {
        emit_error(w, path, "not a regular file or directory");
    }
}

static void scan_all(mk_scan_worker *w, char **paths, size_t n_paths)
{
    for (size_t i = 0; i < n_paths; i++)
        scan_path(w, paths[i]);
}

/* ---- worker processes ---------------------------------------------------- */

/* What the parent shares between the threads that read its workers' pipes:
 * one output and one tally, guarded together. */
typedef struct mk_scan_sink {
    pthread_mutex_t lock;
    FILE *out;
    mk_scan_stats *st;
} mk_scan_sink;

typedef struct mk_scan_child {
    mk_worker proc;
    pthread_t reader;
    bool reading;
    mk_strbuf pending; /* an incomplete line */
    mk_scan_sink *sink;
} mk_scan_child;

typedef struct mk_scan_job {
    mk_context *ctx;
    char **paths;
    size_t n_paths;
} mk_scan_job;

/* Scans one slot, writing lines to out; the worker's exit status. */
static int scan_slot(mk_context *ctx, int slot, int jobs, FILE *out, char **paths, size_t n_paths)
{
    setvbuf(out, NULL, _IOFBF, 64 * 1024);
    mk_scan_worker w = {.ctx = ctx, .jobs = jobs, .slot = slot, .out = out};
    scan_all(&w, paths, n_paths);
    return fflush(out) == 0 && !ferror(out) ? 0 : 3;
}

/* A forked worker (POSIX): its own context, lines into the pipe fd. */
static int run_child(int slot, int jobs, int fd, void *arg)
{
    mk_scan_job *job = arg;
    dup2(STDERR_FILENO, STDOUT_FILENO);   /* only the parent writes results */
    char *error = NULL;
    mk_context *own = mk_context_open(&job->ctx->opt, &error);
    free(error);
    FILE *out = fdopen(fd, "wb");
    if (!out)
        return 3;
    int rc = scan_slot(own ? own : job->ctx, slot, jobs, out, job->paths, job->n_paths);
    return fclose(out) == 0 ? rc : 3;
}

/* Moves every complete line from a child's buffer to the sink (locked). */
static void forward_lines(mk_scan_child *c)
{
    size_t start = 0;
    for (size_t i = 0; i < c->pending.len; i++) {
        if (c->pending.data[i] != '\n')
            continue;
        fwrite(c->pending.data + start, 1, i + 1 - start, c->sink->out);
        tally_line(c->sink->st, c->pending.data + start, i - start);
        start = i + 1;
    }
    if (start > 0) {
        memmove(c->pending.data, c->pending.data + start, c->pending.len - start);
        c->pending.len -= start;
        c->pending.data[c->pending.len] = '\0';
    }
}

/* One thread per worker reads its pipe until the worker closes it. */
static void *read_child(void *arg)
{
    mk_scan_child *c = arg;
    char buf[64 * 1024];
    for (;;) {
        ssize_t got = read(c->proc.fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        mk_strbuf_append(&c->pending, buf, (size_t)got);
        pthread_mutex_lock(&c->sink->lock);
        forward_lines(c);
        pthread_mutex_unlock(&c->sink->lock);
    }
    close(c->proc.fd);
    c->proc.fd = -1;
    return NULL;
}

/* Waits for every reader and worker; false when one failed or left a partial line. */
static bool reap_children(mk_scan_child *kids, int jobs)
{
    bool ok = true;
    for (int i = 0; i < jobs; i++) {
        if (kids[i].reading)
            pthread_join(kids[i].reader, NULL);
        int status = mk_worker_wait(&kids[i].proc);
        if (status < 0)
            fprintf(stderr, "mekiki scan: worker %d killed by signal %d; its remaining messages were not scanned\n",
                    i, -status);
        else if (status > 0)
            fprintf(stderr, "mekiki scan: worker %d failed (status %d)\n", i, status);
        if (status != 0)
            ok = false;
        if (kids[i].pending.len > 0) {
            fprintf(stderr, "mekiki scan: worker %d left an incomplete line\n", i);
            ok = false;
        }
        mk_strbuf_free(&kids[i].pending);
    }
    return ok;
}

static bool run_parallel(mk_context *ctx, char **paths, size_t n_paths, int jobs, FILE *out,
                         mk_scan_stats *st)
{
    mk_scan_child *kids = mk_xcalloc((size_t)jobs, sizeof *kids);
    mk_scan_sink sink = {.out = out, .st = st};
    pthread_mutex_init(&sink.lock, NULL);
    mk_scan_job job = {.ctx = ctx, .paths = paths, .n_paths = n_paths};
    bool ok = true;
    fflush(out);
    fflush(stderr);
    /* Every worker is started before any reader thread: fork() from a
     * process with one thread only. */
    int started = 0;
    for (; started < jobs; started++) {
        kids[started].sink = &sink;
        if (!mk_worker_start(&kids[started].proc, started, jobs, run_child, &job))
            break;
    }
    if (started < jobs)
        ok = false;   /* some slots have no worker: their messages would be missing */
    for (int i = 0; i < started; i++) {
        if (kids[i].proc.fd < 0)
            ok = false;
        else if (!(kids[i].reading = pthread_create(&kids[i].reader, NULL, read_child, &kids[i]) == 0))
            read_child(&kids[i]);   /* no thread: drain it here rather than lose its lines */
    }
    ok = reap_children(kids, started) && ok;
    fflush(out);
    pthread_mutex_destroy(&sink.lock);
    free(kids);
    return ok;
}

/* ---- entry point --------------------------------------------------------- */

static void print_summary(const mk_scan_stats *st, double elapsed_ms)
{
    double secs = elapsed_ms / 1000.0;
    fprintf(stderr, "mekiki scan: %zu messages in %.2f s (%.1f msgs/s): phishing %zu, suspicious %zu, safe %zu",
            st->messages, secs, secs > 0 ? (double)st->messages / secs : 0.0, st->phishing, st->suspicious,
            st->safe);
    if (st->other)
        fprintf(stderr, ", other %zu", st->other);
    fprintf(stderr, "; %zu errors\n", st->errors);
}

int mk_scan_run(mk_context *ctx, char **paths, size_t n_paths, int jobs, FILE *out)
{
    double t0 = mk_now_ms();
    mk_scan_stats st = {0};
    bool ok = true;
    int slot;
    if (mk_worker_role(&slot, &jobs))   /* a worker started by a parallel scan (Windows) */
        return scan_slot(ctx, slot, jobs, out, paths, n_paths);
    if (jobs < 1)
        jobs = 1;
    if (jobs > MK_SCAN_MAX_JOBS)
        jobs = MK_SCAN_MAX_JOBS;
    if (jobs == 1) {
        mk_scan_worker w = {.ctx = ctx, .jobs = 1, .slot = 0, .out = out, .stats = &st};
        scan_all(&w, paths, n_paths);
        fflush(out);
    } else {
        ok = run_parallel(ctx, paths, n_paths, jobs, out, &st);
    }
    if (ferror(out)) {
        fprintf(stderr, "mekiki scan: writing results failed\n");
        ok = false;
    }
    print_summary(&st, mk_now_ms() - t0);
    return (ok && st.errors == 0) ? 0 : 1;
}
