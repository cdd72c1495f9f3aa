/* jail: names and folders inside the cache (see jail.h). Paths are checked component by
 * component with lstat, so a link planted anywhere below the cache is found before a write. */
#include "cache/jail.h"
#include "util/buf.h"
#include "util/fsutil.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define NAME_MAX_LEN 255

/* imx's own files in a run folder: no artifact, entry or manifest name may take their place */
static const char *const reserved[] = {"run.json", "imx-manifest.json"};

int jail_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (n == 0 || n > NAME_MAX_LEN || name[0] == '.')
        return 0;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\' || (unsigned char)*p < 0x20 || *p == 0x7f)
            return 0;
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (!strcasecmp(name, reserved[i]))
            return 0;
    return 1;
}

int jail_path_ok(const char *rel)
{
    char part[NAME_MAX_LEN + 1];

    if (!rel || !*rel)
        return 0;
    for (const char *p = rel;;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || n > NAME_MAX_LEN)
            return 0;
        memcpy(part, p, n);
        part[n] = '\0';
        if (!jail_name_ok(part))
            return 0;
        if (!p[n])
            return 1;
        p += n + 1;
    }
}

int jail_is_dir(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int jail_dirs(const char *root, const char *rel, int create, struct imx_err *err)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    const char *s = rel;
    int r = 0;

    if (buf_adds(&p, root) < 0)
        return imx_seterr(err, IMX_EIO, "'%s': path too long", root);
    if (create && !is_dir(root) && mkdir_p(root, err) < 0) {
        buf_release(&p);
        return -IMX_EIO;
    }
    while (*s) {
        size_t n = strcspn(s, "/");
        struct stat st;

        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
            r = imx_seterr(err, IMX_EUSAGE, "'%s': not a path below the cache", rel);
            break;
        }
        if (buf_addc(&p, '/') < 0 || buf_add(&p, s, n) < 0) {
            r = imx_seterr(err, IMX_EIO, "'%s/%s': path too long", root, rel);
            break;
        }
        if (lstat(p.p, &st) != 0) {
            if (errno != ENOENT || !create) {
                r = imx_seterr(err, IMX_EIO, "cannot use '%s': %s", p.p, strerror(errno));
                break;
            }
            if ((mkdir(p.p, 0755) != 0 && errno != EEXIST) || lstat(p.p, &st) != 0) {
                r = imx_seterr(err, IMX_EIO, "cannot create directory '%s': %s", p.p,
                               strerror(errno));
                break;
            }
        }
        if (S_ISLNK(st.st_mode)) {
            r = imx_seterr(err, IMX_EIO,
                           "'%s' is a symbolic link: imx never writes through links inside its "
                           "cache (replace it with a real folder)",
                           p.p);
            break;
        }
        if (!S_ISDIR(st.st_mode)) {
            r = imx_seterr(err, IMX_EIO, "'%s' exists and is not a directory", p.p);
            break;
        }
        s += n;
        while (*s == '/')
            s++;
    }
    buf_release(&p);
    return r;
}

int jail_parent_dirs(const char *root, const char *path, struct imx_err *err)
{
    size_t n = strlen(root);
    const char *rel = path + n + 1, *slash;
    struct buf d = BUF_INIT_MAX(FS_PATH_MAX);
    int r;

    if (strncmp(path, root, n) || path[n] != '/')
        return imx_seterr(err, IMX_EUSAGE, "'%s' is not below the cache '%s'", path, root);
    slash = strrchr(rel, '/');
    if (!slash)
        return 0;
    buf_add(&d, rel, (size_t)(slash - rel));
    r = jail_dirs(root, d.p, 1, err);
    buf_release(&d);
    return r;
}
