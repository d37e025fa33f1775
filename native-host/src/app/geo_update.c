/* geo_update.c - downloading, checking and swapping in the City databases.
 *
 * One pass per run, in three steps:
 *   1. download every file of mk_geo_city_files from SOURCE/NAME into
 *      DIR/.NAME.XXXXXX (a temporary file in the destination folder, so the
 *      final move never crosses a file system), flush it to the disk;
 *   2. check each download (see check_download()); a download whose build
 *      time equals the installed one means that file is current;
 *   3. only when every file passed, move each new file over the old one in
 *      one step (mk_platform_replace_file). On any failure every temporary
 *      file is removed and the old files stay exactly as they were.
 * Every transfer is bounded: a connect timeout, a stall timeout (no byte for
 * stall_s), a total timeout, a size cap enforced while writing, at most five
 * redirects, and HTTPS only (HTTP is accepted for loopback sources, which is
 * how the tests serve files). On Linux and macOS a running host keeps its
 * memory-mapped old files until it reopens them; Windows refuses to replace
 * a file a running host has mapped, and the error says to close Thunderbird
 * first.
 */
#define _GNU_SOURCE

#include "geo_update.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <maxminddb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "geo.h"
#include "geo_source.h"
#include "platform.h"
#include "util.h"

/* A MaxMind DB with any data is larger than this; the metadata alone is ~100 bytes. */
#define MK_GEO_UPDATE_MIN_BYTES 512
/* DB-IP City Lite is about 70 MB per file; leave room for growth, bound the disk. */
#define MK_GEO_UPDATE_MAX_BYTES (512L * 1024 * 1024)
/* A publisher's clock may run ahead of ours, not by days. */
#define MK_GEO_UPDATE_FUTURE_SLACK_S (2 * 24 * 3600)

/* What each City file must answer to be believed, in the order of
 * mk_geo_city_files: an address block that has been Japanese for decades. */
static const struct {
    const char *probe_ip;
    const char *probe_country;
} mk_geo_update_probes[] = {
    {"133.167.89.229", "JP"},   /* SAKURA Internet, Osaka (JPNIC's 133/8) */
    {"2001:200::1", "JP"},      /* WIDE Project (2001:200::/23) */
};

const char *mk_geo_update_status_name(mk_geo_update_status status)
{
    switch (status) {
    case MK_GEO_UPDATE_UPDATED: return "updated";
    case MK_GEO_UPDATE_CURRENT: return "current";
    case MK_GEO_UPDATE_FAILED: return "failed";
    case MK_GEO_UPDATE_SKIPPED: return "skipped";
    }
    return "failed";
}

typedef struct mk_geo_download {
    const char *name;        /* file name inside the folder */
    char *target;            /* DIR/NAME */
    char *temp;              /* DIR/.NAME.XXXXXX while it exists, else NULL */
    int fd;
    long long bytes;
    long long max_bytes;
    bool write_failed;
    mk_geo_update_status status;
    uint64_t build_epoch;
    char *error;             /* why it failed, allocated */
} mk_geo_download;

/* ---- the transfer ------------------------------------------------------ */

static size_t on_data(char *data, size_t size, size_t nmemb, void *userp)
{
    mk_geo_download *d = userp;
    size_t n = size * nmemb;
    if (d->bytes + (long long)n > d->max_bytes)
        return 0;   /* aborts the transfer: CURLE_WRITE_ERROR */
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(d->fd, data + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            d->write_failed = true;
            return 0;
        }
        done += (size_t)w;
    }
    d->bytes += (long long)n;
    return n;
}

/* True for a numeric IPv4 address in 127.0.0.0/8 (not a name like "127.example"). */
static bool mk_geo_update_is_127(const char *host)
{
    struct in_addr addr;
    return inet_pton(AF_INET, host, &addr) == 1 && (ntohl(addr.s_addr) >> 24) == 127;
}

/* True when url is plain HTTP to a loopback host (127.0.0.0/8, ::1, localhost). */
static bool mk_geo_update_loopback_http(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    bool loopback = false;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        loopback = strcmp(scheme, "http") == 0 &&
                   (mk_geo_update_is_127(host) || strcmp(host, "[::1]") == 0 ||
                    strcmp(host, "localhost") == 0);
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return loopback;
}

/* Downloads url into d->fd. Returns false with d->error set on failure.
 * No If-Modified-Since: the publisher's CDN dates every file of a package
 * 1985 (npm's fixed tarball time), so only the build time inside the file
 * tells whether it is newer (check_download). */
static bool mk_geo_fetch(mk_geo_download *d, const char *url, const mk_geo_update_options *opt,
                         double deadline_ms)
{
    const char *protocols = mk_geo_update_loopback_http(url) ? "http" : "https";
    long remaining_ms = (long)(deadline_ms - mk_now_ms());
    if (remaining_ms <= 0) {
        d->error = mk_xstrdup("the update ran out of time");
        return false;
    }
    CURL *e = curl_easy_init();
    if (!e) {
        d->error = mk_xstrdup("cannot start an HTTP transfer");
        return false;
    }
    char curl_error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, protocols);
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");   /* never redirected to plain http */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, remaining_ms < 15000 ? remaining_ms : 15000L);
    /* Under 1 KiB/s for stall_s seconds counts as a stall: a server dripping a
     * byte now and then must not hold the update until the total timeout. */
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, opt->stall_s);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, remaining_ms);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)d->max_bytes);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "mekiki/" MK_VERSION);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, d);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, curl_error);
    CURLcode rc = curl_easy_perform(e);
    curl_easy_cleanup(e);
    if (rc != CURLE_OK) {
        if (d->write_failed)
            d->error = mk_xasprintf("cannot write %s: %s", d->temp, strerror(errno));
        else if (rc == CURLE_WRITE_ERROR || rc == CURLE_FILESIZE_EXCEEDED)
            d->error = mk_xasprintf("%s is larger than %ld MiB", url, MK_GEO_UPDATE_MAX_BYTES >> 20);
        else if (rc == CURLE_UNSUPPORTED_PROTOCOL)
            d->error = mk_xasprintf("%s: only HTTPS is accepted (plain http only from this machine)", url);
        else if (rc == CURLE_OPERATION_TIMEDOUT)
            d->error = mk_xasprintf("%s: timed out (%s)", url, curl_error[0] ? curl_error : "no data");
        else
            d->error = mk_xasprintf("%s: %s", url, curl_error[0] ? curl_error : curl_easy_strerror(rc));
        return false;
    }
    if (mk_platform_sync_file(d->fd) != 0) {
        d->error = mk_xasprintf("cannot write %s: %s", d->temp, strerror(errno));
        return false;
    }
    /* Closed before the checks open it: Windows refuses to open for reading,
     * with others allowed only to read, a file still open for writing. */
    close(d->fd);
    d->fd = -1;
    return true;
}

/* ---- the checks -------------------------------------------------------- */

/* Build time of an installed database; 0 when there is none or it is unreadable. */
static uint64_t mk_geo_installed_epoch(const char *path)
{
    MMDB_s mmdb;
    if (MMDB_open(path, MMDB_MODE_MMAP, &mmdb) != MMDB_SUCCESS)
        return 0;
    uint64_t epoch = mmdb.metadata.build_epoch;
    MMDB_close(&mmdb);
    return epoch;
}

/* Checks a finished download; false with d->error set when it must not be used.
 * Sets d->status to CURRENT when it is the build already installed. */
static bool check_download(mk_geo_download *d, size_t index)
{
    struct stat old;
    bool have_old = stat(d->target, &old) == 0;
    if (d->bytes < MK_GEO_UPDATE_MIN_BYTES) {
        d->error = mk_xasprintf("%s: only %lld bytes", d->name, d->bytes);
        return false;
    }
    if (have_old && d->bytes < (long long)old.st_size / 2) {
        d->error = mk_xasprintf("%s: %lld bytes, under half of the installed %lld", d->name, d->bytes,
                                (long long)old.st_size);
        return false;
    }
    MMDB_s mmdb;
    int st = MMDB_open(d->temp, MMDB_MODE_MMAP, &mmdb);
    if (st != MMDB_SUCCESS) {
        d->error = mk_xasprintf("%s: not a MaxMind DB file (%s)", d->name, MMDB_strerror(st));
        return false;
    }
    d->build_epoch = mmdb.metadata.build_epoch;
    MMDB_close(&mmdb);
    uint64_t installed = have_old ? mk_geo_installed_epoch(d->target) : 0;
    uint64_t now = (uint64_t)time(NULL);
    if (d->build_epoch > now + MK_GEO_UPDATE_FUTURE_SLACK_S) {
        d->error = mk_xasprintf("%s: built in the future (epoch %llu)", d->name,
                                (unsigned long long)d->build_epoch);
        return false;
    }
    if (d->build_epoch < installed) {
        d->error = mk_xasprintf("%s: older than the installed copy", d->name);
        return false;
    }
    const char *ip = mk_geo_update_probes[index].probe_ip;
    const char *want = mk_geo_update_probes[index].probe_country;
    mk_geo *geo = mk_geo_open(d->temp, NULL, NULL);
    mk_geo_info info;
    mk_geo_lookup(geo, ip, &info);
    bool sane = strcmp(info.country, want) == 0;
    if (!sane)
        d->error = mk_xasprintf("%s: %s should be in %s, the file says \"%s\"", d->name, ip, want,
                                info.country);
    mk_geo_info_free(&info);
    mk_geo_close(geo);
    if (sane && d->build_epoch == installed)
        d->status = MK_GEO_UPDATE_CURRENT;
    return sane;
}

/* ---- the run ----------------------------------------------------------- */

static void mk_geo_drop_temp(mk_geo_download *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    if (d->temp)
        unlink(d->temp);
    free(d->temp);
    d->temp = NULL;
}

/* Downloads and checks one file; the temp file stays for the swap when good. */
static void mk_geo_update_one(mk_geo_download *d, size_t index, const char *source, const char *dir,
                              const mk_geo_update_options *opt, double deadline_ms)
{
    d->temp = mk_xasprintf("%s/.%s.XXXXXX", dir, d->name);
    d->fd = mk_platform_create_temp(d->temp);
    if (d->fd < 0) {
        d->error = mk_xasprintf("cannot create a file in %s: %s", dir, strerror(errno));
        d->status = MK_GEO_UPDATE_FAILED;
        free(d->temp);
        d->temp = NULL;
        return;
    }
    size_t n = strlen(source);
    while (n && source[n - 1] == '/')
        n--;
    char *url = mk_xasprintf("%.*s/%s", (int)n, source, d->name);
    d->status = MK_GEO_UPDATE_UPDATED;
    if (!mk_geo_fetch(d, url, opt, deadline_ms) ||
        (d->status == MK_GEO_UPDATE_UPDATED && !check_download(d, index)))
        d->status = MK_GEO_UPDATE_FAILED;
    if (d->status != MK_GEO_UPDATE_UPDATED)
        mk_geo_drop_temp(d);
    free(url);
}

/* Moves every good download over its old file; false when a rename failed
 * (files already moved stay: each is whole and checked). */
static bool mk_geo_swap_in(mk_geo_download *d, size_t n, char **error)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        if (d[i].status != MK_GEO_UPDATE_UPDATED)
            continue;
        if (d[i].fd >= 0)
            close(d[i].fd);
        d[i].fd = -1;
        if (mk_platform_replace_file(d[i].temp, d[i].target) != 0) {
            if (ok)
                *error = mk_xasprintf("cannot replace %s: %s%s", d[i].target, strerror(errno),
                                      errno == EACCES ? " (a running Mekiki may hold it open: close "
                                                        "Thunderbird and run update-data again)"
                                                      : "");
            d[i].status = MK_GEO_UPDATE_FAILED;
            mk_geo_drop_temp(&d[i]);
            ok = false;
            continue;
        }
        free(d[i].temp);
        d[i].temp = NULL;
    }
    return ok;
}

/* Text from the user or the system may not be UTF-8: null then. */
static json_t *text_or_null(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
}

static json_t *mk_geo_download_json(const mk_geo_download *d)
{
    char date[11];
    bool dated = mk_geo_source_date(d->build_epoch, date);
    json_t *o = json_pack("{s:s, s:s, s:I}", "file", d->name, "status",
                          mk_geo_update_status_name(d->status), "bytes", (json_int_t)d->bytes);
    json_object_set_new(o, "build_date", dated ? json_string(date) : json_null());
    if (d->error)
        json_object_set_new(o, "error", text_or_null(d->error));
    return o;
}

json_t *mk_geo_update_run(const mk_geo_update_options *opt_in, mk_geo_update_status *status)
{
    static bool curl_ready;
    if (!curl_ready) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = true;
    }
    double started = mk_now_ms();
    mk_geo_update_options opt = *opt_in;
    if (opt.stall_s <= 0)
        opt.stall_s = 30;
    if (opt.total_s <= 0)
        opt.total_s = 1800;
    const char *env_source = getenv("MEKIKI_DATA_SOURCE");
    const char *source = opt.source && opt.source[0] ? opt.source
                         : env_source && env_source[0] ? env_source
                                                       : MK_GEO_UPDATE_DEFAULT_SOURCE;
    char dir[PATH_MAX] = "";
    char *error = NULL;
    if (opt.dir)
        snprintf(dir, sizeof dir, "%s", opt.dir);
    else if (!mk_geo_user_dir(dir, sizeof dir))
        error = mk_xstrdup("no folder for the data: set HOME or XDG_DATA_HOME");
    if (!error && mk_platform_make_public_dirs(dir) != 0)
        error = mk_xasprintf("cannot create %s: %s", dir, strerror(errno));

    size_t n = 0;
    while (mk_geo_city_files[n])
        n++;
    mk_geo_download *d = mk_xcalloc(n, sizeof *d);
    double deadline = started + (double)opt.total_s * 1000.0;
    bool all_good = !error;
    for (size_t i = 0; i < n; i++) {
        d[i].name = mk_geo_city_files[i];
        d[i].fd = -1;
        d[i].max_bytes = MK_GEO_UPDATE_MAX_BYTES;
        d[i].status = MK_GEO_UPDATE_SKIPPED;
        if (!all_good)
            continue;   /* one failure already decides: no point fetching the rest */
        d[i].target = mk_xasprintf("%s/%s", dir, d[i].name);
        mk_geo_update_one(&d[i], i, source, dir, &opt, deadline);
        if (d[i].status == MK_GEO_UPDATE_FAILED) {
            all_good = false;
            error = mk_xstrdup(d[i].error);
        }
    }
    if (!all_good) {
        for (size_t i = 0; i < n; i++)
            if (d[i].status == MK_GEO_UPDATE_UPDATED) {
                d[i].status = MK_GEO_UPDATE_SKIPPED;
                mk_geo_drop_temp(&d[i]);
            }
    } else {
        all_good = mk_geo_swap_in(d, n, &error);
    }

    bool any_new = false;
    json_t *files = json_array();
    for (size_t i = 0; i < n; i++) {
        any_new = any_new || d[i].status == MK_GEO_UPDATE_UPDATED;
        json_array_append_new(files, mk_geo_download_json(&d[i]));
        mk_geo_drop_temp(&d[i]);
        free(d[i].target);
        free(d[i].error);
    }
    free(d);
    *status = !all_good ? MK_GEO_UPDATE_FAILED : any_new ? MK_GEO_UPDATE_UPDATED : MK_GEO_UPDATE_CURRENT;
    json_t *out = json_object();
    json_object_set_new(out, "status", json_string(mk_geo_update_status_name(*status)));
    json_object_set_new(out, "source", text_or_null(source));
    json_object_set_new(out, "dir", text_or_null(dir));
    json_object_set_new(out, "ms", json_integer((json_int_t)(mk_now_ms() - started)));
    json_object_set_new(out, "files", files);
    if (error)
        json_object_set_new(out, "error", text_or_null(error));
    free(error);
    return out;
}
