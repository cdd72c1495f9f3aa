/* model: resolution of --model arguments to a row prefix or a model-id match. */
#include "table/model.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Ids as on Hugging Face; display names as the InferenceX dashboard spells them. */
static const struct model_known known[] = {
    {"gptoss", "openai/GPT-OSS-120B", "gpt-oss-120b"},
    {"dsr1", "deepseek-ai/DeepSeek-R1-0528", "DeepSeek-R1-0528"},
    {"70b", "meta-llama/Llama-3.3-70B-Instruct", "Llama-3.3-70B-Instruct-FP8"},
    {"qwen3.5", "Qwen/Qwen3.5-397B-A17B", "Qwen-3.5-397B-A17B"},
    {"kimik2.5", "moonshotai/Kimi-K2.5", "Kimi-K2.5"},
    {"minimaxm2.5", "MiniMaxAI/MiniMax-M2.5", "MiniMax-M2.5"},
    {"glm5", "zai-org/GLM-5", "GLM-5"},
    {"dsv4", "deepseek-ai/DeepSeek-V4-Pro", "DeepSeek-V4-Pro"},
    {"minimaxm3", "MiniMaxAI/MiniMax-M3", "MiniMax-M3"},
};

/* The InferenceX API's model keys that are not a row prefix (its DB keys; 2025 rows carry
 * the prefix 70b where the API says llama70b). */
static const struct {
    const char *key;
    const char *prefix;
} api_keys[] = {
    {"gptoss120b", "gptoss"},
    {"llama70b", "70b"},
    {"dsv4pro", "dsv4"},
};

const char *model_prefix_of_api_key(const char *key)
{
    for (size_t i = 0; i < sizeof(api_keys) / sizeof(api_keys[0]); i++)
        if (!strcasecmp(api_keys[i].key, key))
            return api_keys[i].prefix;
    return NULL;
}

const char *model_api_key(const char *prefix)
{
    for (size_t i = 0; i < sizeof(api_keys) / sizeof(api_keys[0]); i++)
        if (!strcasecmp(api_keys[i].prefix, prefix))
            return api_keys[i].key;
    return prefix;
}

const struct model_known *model_known_list(size_t *n)
{
    *n = sizeof(known) / sizeof(known[0]);
    return known;
}

const struct model_known *model_known_by_prefix(const char *prefix)
{
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (!strcasecmp(known[i].prefix, prefix))
            return &known[i];
    return NULL;
}

/* "org/Name" compared with "org_Name" or "org/Name", ignoring case. */
static int same_id(const char *id, const char *arg)
{
    for (; *id && *arg; id++, arg++) {
        char a = (char)tolower((unsigned char)*id), b = (char)tolower((unsigned char)*arg);
        if (a == '/' && b == '_')
            continue;
        if (a != b)
            return 0;
    }
    return *id == *arg;
}

static char *lower_dup(const char *s)
{
    char *p = xstrdup(s);
    for (char *q = p; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    return p;
}

int model_sel_init(struct model_sel *m, const char *arg, struct imx_err *err)
{
    memset(m, 0, sizeof(*m));
    if (!arg || !*arg)
        return imx_seterr(err, IMX_EUSAGE, "empty --model");
    m->arg = xstrdup(arg);
    if (!strcasecmp(arg, "all")) {
        m->all = 1;
        return 0;
    }
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (!strcasecmp(arg, known[i].prefix) || same_id(known[i].id, arg) ||
            !strcasecmp(arg, known[i].display)) {
            m->prefix = xstrdup(known[i].prefix);
            return 0;
        }
    }
    if (model_prefix_of_api_key(arg)) {
        m->prefix = xstrdup(model_prefix_of_api_key(arg));
        return 0;
    }
    m->by_folder = 1;
    if (!strchr(arg, '/') && !strchr(arg, '_')) {
        /* a bare word: a prefix imx does not know yet (new models appear often) */
        m->prefix = lower_dup(arg);
        return 0;
    }
    m->id = lower_dup(arg);
    return 0;
}

char *model_prefix_dirname(const char *prefix)
{
    struct imx_err err = IMX_ERR_INIT;
    struct model_sel m;
    char *dir;

    if (model_sel_init(&m, prefix && *prefix ? prefix : "unknown", &err) < 0)
        return xstrdup("unknown");
    dir = model_sel_dirname(&m);
    model_sel_release(&m);
    return dir;
}

static int names_folder_of(const struct model_sel *m, const char *prefix)
{
    char *dir;
    int same;

    if (!m->by_folder)
        return 0;
    dir = model_prefix_dirname(prefix);
    same = !strcasecmp(dir, m->arg);
    free(dir);
    return same;
}

void model_sel_release(struct model_sel *m)
{
    free(m->arg);
    free(m->prefix);
    free(m->id);
    memset(m, 0, sizeof(*m));
}

static int ends_with_ci(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && !strcasecmp(s + n - k, tail);
}

int model_sel_match(const struct model_sel *m, const char *prefix, const char *model)
{
    if (m->all)
        return 1;
    if (m->prefix)
        return (prefix && !strcasecmp(prefix, m->prefix)) || names_folder_of(m, prefix);
    if (names_folder_of(m, prefix))
        return 1;
    if (!model)
        return 0;
    if (same_id(model, m->id) || !strcasecmp(model, m->id))
        return 1;
    {
        /* a local path ending in the model's name: /mnt/models/gpt-oss-120b */
        const char *base = strrchr(m->id, '/');
        const char *mb = strrchr(model, '/');
        if (!base)
            base = strchr(m->id, '_');
        if (base && mb && ends_with_ci(model, base + 1) &&
            mb == model + strlen(model) - strlen(base + 1) - 1)
            return 1;
    }
    return 0;
}

/* The longest folder name of a model, in bytes (a path component may have 255). */
#define MODEL_DIR_MAX 120

char *model_sel_dirname(const struct model_sel *m)
{
    const struct model_known *k = m->prefix ? model_known_by_prefix(m->prefix) : NULL;
    char *s;

    /* one folder per model however it was spelled: the org_Name form when known, else the
     * prefix, else the id as given */
    if (k)
        s = xstrdup(k->id);
    else if (m->prefix)
        s = xstrdup(m->prefix);
    else
        s = xstrdup(m->arg);
    for (char *p = s; *p; p++)
        if (*p == '/' || *p == '\\' || (unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '_';
    if (s[0] == '.')
        s[0] = '_';
    if (strlen(s) > MODEL_DIR_MAX) {
        /* a name from the data too long for one path component: cut (at a character
         * boundary) and told apart from others cut alike by a hash of the whole name */
        uint32_t h = 2166136261u;
        size_t cut = MODEL_DIR_MAX;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
            h = (h ^ *p) * 16777619u;
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--;
        s = xrealloc(s, cut + 10);
        snprintf(s + cut, 10, "-%08x", (unsigned)h);
    }
    return s;
}
