/* install.c - writing, registering and removing the native-messaging manifest.
 *
 * The manifest is the JSON Thunderbird documents for native messaging: the
 * host's name, a description, the absolute path of the program, "stdio",
 * and allowed_extensions limited to Mekiki's add-on. It is written next to
 * its final name and renamed into place, so Thunderbird never reads half a
 * file. Environment settings (--env) are checked here (NAME is a shell
 * name) and carried by a platform wrapper, because a manifest cannot pass
 * arguments or environment to the host.
 */
#include "install.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "util.h"

static bool valid_env(const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        return false;
    for (const char *p = kv; p < eq; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_' || (p > kv && *p >= '0' && *p <= '9')))
            return false;
    return true;
}

static char *manifest_path(bool system)
{
    char *dir = mk_platform_manifest_dir(system);
    char *path = dir ? mk_platform_path_join(dir, MK_HOST_NAME ".json") : NULL;
    free(dir);
    return path;
}

/* Writes the manifest for host at path; NULL or an error message. */
static char *write_manifest(const char *path, const char *host)
{
    char *dir = mk_xstrdup(path);
    char *end = dir + strlen(dir);
    while (end > dir && !mk_platform_is_separator(end[-1]))
        end--;
    if (end > dir)
        end[-1] = '\0';
    int made = mk_platform_make_dirs(dir);
    free(dir);
    if (made != 0)
        return mk_xasprintf("cannot create the folder of %s: %s", path, strerror(errno));
    json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "name", MK_HOST_NAME, "description",
                          "Mekiki phishing analyser (native host for the Thunderbird add-on)", "path", host,
                          "type", "stdio", "allowed_extensions", MK_ADDON_ID);
    char *tmp = mk_xasprintf("%s.tmp", path);
    int rc = m ? json_dump_file(m, tmp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : -1;
    json_decref(m);
    if (rc == 0) {
        remove(path);   /* Windows' rename() does not replace */
        rc = rename(tmp, path);
    }
    char *err = rc == 0 ? NULL : mk_xasprintf("cannot write %s: %s", path, strerror(errno));
    if (rc != 0)
        remove(tmp);
    free(tmp);
    return err;
}

int mk_install(const mk_install_options *o, FILE *out)
{
    for (size_t i = 0; i < o->n_env; i++)
        if (!valid_env(o->env[i])) {
            fprintf(stderr, "mekiki install: --env needs NAME=VALUE, got %s\n", o->env[i]);
            return 1;
        }
    char *exe = mk_platform_exe_path();
    char *path = manifest_path(o->system);
    char *host = NULL, *err = NULL;
    if (!exe)
        err = mk_xstrdup("cannot tell where the mekiki program is");
    else if (!path)
        err = mk_xstrdup("cannot tell where Thunderbird looks for native-messaging manifests (is HOME set?)");
    else if (o->n_env > 0)
        err = mk_platform_write_env_wrapper(exe, o->env, o->n_env, o->system, &host);
    else
        host = mk_xstrdup(exe);
    if (!err)
        err = write_manifest(path, host);
    if (!err)
        err = mk_platform_register_manifest(MK_HOST_NAME, path, o->system);
    if (err)
        fprintf(stderr, "mekiki install: %s\n", err);
    else
        fprintf(out, "installed %s -> %s\n", path, host);
    int status = err ? 1 : 0;
    free(err);
    free(host);
    free(path);
    free(exe);
    return status;
}

int mk_uninstall(bool system, FILE *out)
{
    char *path = manifest_path(system);
    char *err = mk_platform_unregister_manifest(MK_HOST_NAME, system);
    if (path && remove(path) != 0 && errno != ENOENT && !err)
        err = mk_xasprintf("cannot remove %s: %s", path, strerror(errno));
    mk_platform_remove_env_wrapper(system);
    if (err)
        fprintf(stderr, "mekiki uninstall: %s\n", err);
    else
        fprintf(out, "removed %s\n", path ? path : "the manifest");
    int status = err ? 1 : 0;
    free(err);
    free(path);
    return status;
}
