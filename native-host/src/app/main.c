/* main.c - the `mekiki` command: analyze, scan, url, feed, update-data, and native mode.
 *
 * One binary serves the command line and Thunderbird. Thunderbird starts a
 * native-messaging host with the manifest's path and the add-on id as
 * arguments, so a first argument that is an absolute path to a .json file
 * ("/home/...", or "C:\...\mekiki.json" on Windows) selects native mode (as
 * does --native). `mekiki install` writes that manifest (install.h). Options may also come from the
 * environment (MEKIKI_OFFLINE, MEKIKI_DNS_SERVER, ...), which is how the
 * native-messaging manifest's wrapper configures a host that Thunderbird
 * starts without options. Exit status: 0 analysed, 1 unreadable input, 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "feed.h"
#include "geo_source.h"
#include "geo_update.h"
#include "install.h"
#include "native.h"
#include "platform.h"
#include "report.h"
#include "scan.h"
#include "urlreport.h"
#include "util.h"

#define MAX_INPUT_BYTES (64u * 1024u * 1024u)

static const char usage_text[] =
    "usage: mekiki analyze [OPTIONS] FILE...      analyse messages (- = stdin), one JSON report each\n"
    "       mekiki scan [OPTIONS] [--jobs N] PATH...  analyse every message under directories / mbox files\n"
    "       mekiki url [OPTIONS] URL...           which brand a link imitates, and its findings\n"
    "       mekiki feed import FILE...            import a JPCERT/CC CSV or URL-per-line list\n"
    "       mekiki update-data [--data-source URL] [--stall-timeout S]\n"
    "                                             fetch, check and install the current location data\n"
    "       mekiki install [--system] [--env NAME=VALUE]...  register this program with Thunderbird\n"
    "       mekiki uninstall [--system]           remove that registration\n"
    "       mekiki --native                       native-messaging mode (Thunderbird)\n"
    "       mekiki --version\n"
    "options:\n"
    "  --offline              no network at all (local databases still used)\n"
    "  --own-evidence         leave other filters' spam verdicts and subject stamps out of the verdict\n"
    "  --dns-server IP[:PORT] --rdap-base URL --whois-server HOST[:PORT]\n"
    "  --geoip-city FILE --geoip-asn FILE --budget-ms N --cache DIR --no-cache\n"
    "  --feed-db FILE --data-dir DIR --locale ja|en --format json|text --jobs N\n"
    "  (--geoip-city may be given twice, e.g. an IPv4 and an IPv6 file)\n";

enum { OPT_OFFLINE = 1000, OPT_DNS, OPT_RDAP, OPT_WHOIS, OPT_CITY, OPT_ASN, OPT_BUDGET, OPT_CACHE,
       OPT_NO_CACHE, OPT_LOCALE, OPT_FORMAT, OPT_JOBS, OPT_FEED, OPT_DATA, OPT_NATIVE, OPT_VERSION,
       OPT_HELP, OPT_DATA_SOURCE, OPT_STALL, OPT_OWN, OPT_SYSTEM, OPT_ENV };

static const struct option long_options[] = {
    {"offline", no_argument, NULL, OPT_OFFLINE},
    {"own-evidence", no_argument, NULL, OPT_OWN},
    {"dns-server", required_argument, NULL, OPT_DNS},
    {"rdap-base", required_argument, NULL, OPT_RDAP},
    {"whois-server", required_argument, NULL, OPT_WHOIS},
    {"geoip-city", required_argument, NULL, OPT_CITY},
    {"geoip-asn", required_argument, NULL, OPT_ASN},
    {"budget-ms", required_argument, NULL, OPT_BUDGET},
    {"cache", required_argument, NULL, OPT_CACHE},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"locale", required_argument, NULL, OPT_LOCALE},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {"feed-db", required_argument, NULL, OPT_FEED},
    {"data-dir", required_argument, NULL, OPT_DATA},
    {"native", no_argument, NULL, OPT_NATIVE},
    {"version", no_argument, NULL, OPT_VERSION},
    {"help", no_argument, NULL, OPT_HELP},
    {"data-source", required_argument, NULL, OPT_DATA_SOURCE},
    {"stall-timeout", required_argument, NULL, OPT_STALL},
    {"system", no_argument, NULL, OPT_SYSTEM},
    {"env", required_argument, NULL, OPT_ENV},
    {NULL, 0, NULL, 0},
};

#define MAX_INSTALL_ENV 32

typedef struct cli {
    mk_options opt;
    bool text;
    int jobs;
    bool native;
    bool version;
    mk_geo_update_options update;
    char *city_list;   /* repeated --geoip-city flags joined; owns the text */
    bool system;                    /* install/uninstall for all users */
    char *env[MAX_INSTALL_ENV];     /* install --env NAME=VALUE */
    size_t n_env;
} cli;

static int usage_error(const char *msg)
{
    if (msg)
        fprintf(stderr, "mekiki: %s\n", msg);
    fputs(usage_text, stderr);
    return 2;
}

/* ---- options ------------------------------------------------------------- */

static const char *env_or_null(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static void options_from_env(cli *c)
{
    const char *off = env_or_null("MEKIKI_OFFLINE");
    c->opt.offline = off && strcmp(off, "0") != 0;
    const char *own = env_or_null("MEKIKI_OWN_EVIDENCE");
    c->opt.own_evidence = own && strcmp(own, "0") != 0;
    c->opt.dns_server = env_or_null("MEKIKI_DNS_SERVER");
    c->opt.rdap_base = env_or_null("MEKIKI_RDAP_BASE");
    c->opt.whois_server = env_or_null("MEKIKI_WHOIS_SERVER");
    c->opt.cache_dir = env_or_null("MEKIKI_CACHE_DIR");
    c->opt.no_cache = env_or_null("MEKIKI_NO_CACHE") != NULL;
    const char *budget = env_or_null("MEKIKI_BUDGET_MS");
    c->opt.budget_ms = budget ? atoi(budget) : 3000;
    c->opt.locale = env_or_null("MEKIKI_LOCALE");
    const char *deadline = env_or_null("MEKIKI_DEADLINE_MS");
    c->opt.deadline_ms = deadline ? atoi(deadline) : 0;
    c->jobs = 1;
}

/* Returns -1 when parsing succeeded, else the exit status. */
static int parse_options(cli *c, int argc, char **argv)
{
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "j:", long_options, NULL)) != -1) {
        switch (ch) {
        case OPT_OFFLINE: c->opt.offline = true; break;
        case OPT_OWN: c->opt.own_evidence = true; break;
        case OPT_DNS: c->opt.dns_server = optarg; break;
        case OPT_RDAP: c->opt.rdap_base = optarg; break;
        case OPT_WHOIS: c->opt.whois_server = optarg; break;
        case OPT_CITY: {
            char *list = c->city_list ? mk_xasprintf("%s%c%s", c->city_list, MK_GEO_PATH_SEP, optarg)
                                      : mk_xstrdup(optarg);
            free(c->city_list);
            c->opt.geoip_city = c->city_list = list;
            break;
        }
        case OPT_ASN: c->opt.geoip_asn = optarg; break;
        case OPT_BUDGET:
            c->opt.budget_ms = atoi(optarg);
            if (c->opt.budget_ms <= 0 || c->opt.budget_ms > 600000)
                return usage_error("--budget-ms must be between 1 and 600000");
            break;
        case OPT_CACHE: c->opt.cache_dir = optarg; break;
        case OPT_NO_CACHE: c->opt.no_cache = true; break;
        case OPT_LOCALE:
            if (strcmp(optarg, "ja") != 0 && strcmp(optarg, "en") != 0)
                return usage_error("--locale must be ja or en");
            c->opt.locale = optarg;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
                return usage_error("--format must be json or text");
            c->text = strcmp(optarg, "text") == 0;
            break;
        case 'j':
        case OPT_JOBS:
            c->jobs = atoi(optarg);
            if (c->jobs < 1 || c->jobs > 256)
                return usage_error("--jobs must be between 1 and 256");
            break;
        case OPT_FEED: c->opt.feed_db = optarg; break;
        case OPT_DATA: c->opt.data_dir = optarg; break;
        case OPT_NATIVE: c->native = true; break;
        case OPT_VERSION: c->version = true; break;
        case OPT_DATA_SOURCE: c->update.source = optarg; break;
        case OPT_STALL:
            c->update.stall_s = atol(optarg);
            if (c->update.stall_s < 1 || c->update.stall_s > 3600)
                return usage_error("--stall-timeout must be between 1 and 3600 seconds");
            break;
        case OPT_SYSTEM: c->system = true; break;
        case OPT_ENV:
            if (c->n_env == MAX_INSTALL_ENV)
                return usage_error("too many --env settings");
            c->env[c->n_env++] = optarg;
            break;
        case OPT_HELP: fputs(usage_text, stdout); exit(0);
        default: return usage_error(NULL);
        }
    }
    return -1;
}

/* ---- input --------------------------------------------------------------- */

static char *read_all(FILE *fp, size_t *len, bool *too_large)
{
    mk_strbuf b = {0};
    char chunk[65536];
    size_t n;
    *too_large = false;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (b.len + n > MAX_INPUT_BYTES) {
            *too_large = true;
            break;
        }
        mk_strbuf_append(&b, chunk, n);
    }
    *len = b.len;
    return mk_strbuf_steal(&b);
}

/* ---- commands ------------------------------------------------------------ */

static int analyze_one(mk_context *ctx, const cli *c, const char *path)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp) {
        json_t *err = json_pack("{s:i, s:s, s:s}", "schema_version", 1, "path", path, "error", "cannot open file");
        json_dumpf(err, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(err);
        perror(path);
        return 1;
    }
    size_t len;
    bool too_large;
    char *raw = read_all(fp, &len, &too_large);
    if (fp != stdin)
        fclose(fp);
    mk_analysis *a = mk_analysis_offline(ctx, raw, len);
    mk_analysis_enrich(a);
    const char *locale = c->opt.locale ? c->opt.locale : ctx->opt.locale;
    json_t *report = mk_analysis_report(a, locale);
    if (too_large)
        json_object_set_new(report, "truncated_input", json_true());
    if (c->text) {
        char *text = mk_report_text(report, ctx->catalog, locale);
        fputs(text, stdout);
        fputc('\n', stdout);
        free(text);
    } else {
        json_dumpf(report, stdout, JSON_COMPACT);
        fputc('\n', stdout);
    }
    int status = mk_analysis_failed(a) ? 1 : 0;
    json_decref(report);
    mk_analysis_free(a);
    free(raw);
    return status;
}

static int cmd_analyze(mk_context *ctx, const cli *c, int argc, char **argv)
{
    if (argc <= 0)
        return usage_error("analyze needs at least one FILE (or -)");
    int status = 0;
    for (int i = 0; i < argc; i++)
        if (analyze_one(ctx, c, argv[i]) != 0)
            status = 1;
    return status;
}

static int cmd_url(mk_context *ctx, int argc, char **argv)
{
    if (argc <= 0)
        return usage_error("url needs at least one URL");
    for (int i = 0; i < argc; i++) {
        json_t *r = mk_url_report(ctx->catalog, ctx->feed, argv[i]);
        json_dumpf(r, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(r);
    }
    return 0;
}

static int cmd_feed(const cli *c, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[0], "import") != 0)
        return usage_error("usage: mekiki feed import FILE...");
    const char *db = c->opt.feed_db ? c->opt.feed_db : mk_feed_default_path();
    int status = 0;
    for (int i = 1; i < argc; i++) {
        long imported = 0;
        char *error = NULL;
        if (mk_feed_import(db, argv[i], &imported, &error) != 0) {
            fprintf(stderr, "mekiki: %s: %s\n", argv[i], error ? error : "import failed");
            free(error);
            status = 1;
            continue;
        }
        fprintf(stderr, "mekiki: %s: %ld URLs imported into %s\n", argv[i], imported, db);
    }
    return status;
}

/* `mekiki update-data`: one JSON result on stdout, one line per file on stderr. */
static int cmd_update_data(const cli *c)
{
    mk_geo_update_status status;
    json_t *result = mk_geo_update_run(&c->update, &status);
    size_t i;
    json_t *file;
    json_array_foreach(json_object_get(result, "files"), i, file) {
        const char *error = json_string_value(json_object_get(file, "error"));
        const char *date = json_string_value(json_object_get(file, "build_date"));
        fprintf(stderr, "mekiki: %s: %s%s%s%s%s\n", json_string_value(json_object_get(file, "file")),
                json_string_value(json_object_get(file, "status")), date ? ", built " : "",
                date ? date : "", error ? ": " : "", error ? error : "");
    }
    const char *dir = json_string_value(json_object_get(result, "dir"));
    fprintf(stderr, "mekiki: location data %s in %s (%lld ms)\n", mk_geo_update_status_name(status),
            dir ? dir : "?", (long long)json_integer_value(json_object_get(result, "ms")));
    json_dumpf(result, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(result);
    return status == MK_GEO_UPDATE_FAILED ? 1 : 0;
}

/* `mekiki --version`: the version, then each database with the credit its
 * licence requires (CC BY asks for it wherever locations are shown). */
static int cmd_version(const cli *c)
{
    printf("mekiki %s\n", MK_VERSION);
    const char *city = c->opt.geoip_city ? c->opt.geoip_city : mk_geo_default_city_path();
    const char *asn = c->opt.geoip_asn ? c->opt.geoip_asn : mk_geo_default_asn_path();
    mk_geo *geo = mk_geo_open(city, asn, NULL);
    json_t *sources = mk_geo_sources(geo);
    if (mk_geo_city_build_epoch(geo) == 0)
        printf("location data: none installed (run scripts/setup-geo.sh or mekiki update-data)\n");
    size_t i;
    json_t *s;
    json_array_foreach(sources, i, s) {
        const char *date = json_string_value(json_object_get(s, "build_date"));
        const char *licence = json_string_value(json_object_get(s, "licence"));
        const char *credit = json_string_value(json_object_get(s, "credit"));
        printf("%s data: %s, built %s, licence %s", strcmp(json_string_value(json_object_get(s, "kind")), "asn") == 0
                                                        ? "ASN" : "location",
               json_string_value(json_object_get(s, "name")), date ? date : "?", licence ? licence : "unknown");
        if (credit)
            printf(" - %s", credit);
        putchar('\n');
    }
    json_decref(sources);
    mk_geo_close(geo);
    return 0;
}

static bool started_by_browser(int argc, char **argv)
{
    if (argc < 2 || !mk_platform_is_absolute(argv[1]))
        return false;
    return mk_ascii_ends_with(argv[1], ".json");
}

int main(int argc, char **argv)
{
    mk_platform_init();
    cli c = {0};
    options_from_env(&c);
    bool native = started_by_browser(argc, argv);
    const char *command = NULL;
    if (!native) {
        if (argc < 2)
            return usage_error(NULL);
        if (argv[1][0] != '-') {
            command = argv[1];
            argc--;
            argv++;
        }
        int st = parse_options(&c, argc, argv);
        if (st >= 0)
            return st;
        if (c.version) {
            st = cmd_version(&c);
            free(c.city_list);
            return st;
        }
        native = c.native;
        argc -= optind;
        argv += optind;
        if (!native && !command)
            return usage_error(NULL);
    }
    if (command && strcmp(command, "feed") == 0)
        return cmd_feed(&c, argc, argv);
    if (command && strcmp(command, "update-data") == 0) {
        if (argc > 0)
            return usage_error("update-data takes no FILE arguments");
        return cmd_update_data(&c);
    }
    if (command && (strcmp(command, "install") == 0 || strcmp(command, "uninstall") == 0)) {
        if (argc > 0)
            return usage_error("install and uninstall take no arguments besides --system and --env");
        if (command[0] == 'u')
            return mk_uninstall(c.system, stdout);
        mk_install_options io = {.system = c.system, .env = c.env, .n_env = c.n_env};
        return mk_install(&io, stdout);
    }

    char *error = NULL;
    mk_context *ctx = mk_context_open(&c.opt, &error);
    if (!ctx) {
        fprintf(stderr, "mekiki: cannot load data: %s\n", error ? error : "unknown error");
        free(error);
        return 1;
    }
    int status;
    if (native)
        status = mk_native_serve(ctx, stdin, stdout);
    else if (strcmp(command, "analyze") == 0)
        status = cmd_analyze(ctx, &c, argc, argv);
    else if (strcmp(command, "scan") == 0)
        status = argc > 0 ? mk_scan_run(ctx, argv, (size_t)argc, c.jobs, stdout)
                          : usage_error("scan needs at least one PATH");
    else if (strcmp(command, "url") == 0)
        status = cmd_url(ctx, argc, argv);
    else
        status = usage_error("unknown command");
    mk_context_close(ctx);
    free(c.city_list);
    return status;
}
