/* install.h - `mekiki install` and `mekiki uninstall`: the host registers
 * itself with Thunderbird.
 *
 * Thunderbird starts a native-messaging host only when it finds a manifest
 * named after the host ("mekiki") where the system wants it, and only for
 * the add-ons the manifest lists (Mekiki's own id). mk_install() writes that
 * manifest with the absolute path of the running executable (or of a wrapper
 * that sets an environment, on Linux and macOS) and registers it (the
 * registry on Windows); mk_uninstall() undoes both. Where: see platform.h.
 */
#ifndef MK_INSTALL_H
#define MK_INSTALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define MK_HOST_NAME "mekiki"
#define MK_ADDON_ID "mekiki@mekiki.app"

typedef struct mk_install_options {
    bool system;          /* for all users (needs administrator/root) */
    char *const *env;     /* NAME=VALUE settings for the host, via a wrapper */
    size_t n_env;
} mk_install_options;

/* Both print what they did to out, problems to stderr; exit status 0 or 1. */
int mk_install(const mk_install_options *o, FILE *out);
int mk_uninstall(bool system, FILE *out);

#endif
