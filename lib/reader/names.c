/* names: parsing of experiment/artifact names and runner labels (rules from the format
 * notes: the app's parseIslOsl and hwToGpuKey, and the workflow's seq_len_to_str). */
#include "reader/names.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static int is_delim(char c)
{
    return c == '_' || c == '-' || c == '.' || c == '/' || c == '\0';
}

/* Reads digits at *p into *v (bounded); returns the count of digits. */
static size_t read_digits(const char **p, long *v)
{
    size_t n = 0;
    long x = 0;

    while (isdigit((unsigned char)**p) && n < 9) {
        x = x * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *v = x;
    return n;
}

int names_seq_lens(const char *name, long *isl, long *osl, size_t *pos)
{
    /* `1k8k` form first: it is unambiguous */
    for (const char *p = name; *p; p++) {
        const char *q;
        long a, b;
        if (!(*p == '_' || *p == '-'))
            continue;
        q = p + 1;
        if (!read_digits(&q, &a) || *q != 'k')
            continue;
        q++;
        if (!read_digits(&q, &b) || *q != 'k')
            continue;
        q++;
        if (!is_delim(*q))
            continue;
        *isl = a * 1024;
        *osl = b * 1024;
        if (pos)
            *pos = (size_t)(p - name);
        return 1;
    }
    /* `<isl>_<osl>` form: two plain numbers of plausible lengths between delimiters */
    for (const char *p = name; *p; p++) {
        const char *q;
        long a, b;
        if (*p != '_')
            continue;
        q = p + 1;
        if (!read_digits(&q, &a) || *q != '_')
            continue;
        q++;
        if (!read_digits(&q, &b) || !is_delim(*q))
            continue;
        if (a < 128 || b < 128)
            continue;
        *isl = a;
        *osl = b;
        if (pos)
            *pos = (size_t)(p - name);
        return 1;
    }
    return 0;
}

int names_model_prefix(const char *name, struct buf *out)
{
    static const char *const strip[] = {"bmk_", "results_", "agg_"};
    const char *base = strrchr(name, '/');
    long isl, osl;
    size_t pos;

    base = base ? base + 1 : name;
    for (size_t i = 0; i < sizeof(strip) / sizeof(strip[0]); i++) {
        size_t n = strlen(strip[i]);
        if (!strncmp(base, strip[i], n)) {
            base += n;
            i = (size_t)-1; /* bmk_ then agg_ may both be there */
        }
    }
    if (!names_seq_lens(base, &isl, &osl, &pos) || pos == 0)
        return 0;
    return buf_add(out, base, pos) == 0;
}

/* out (at least 16 bytes) gets s when s names a GPU imx knows */
static int known_gpu(const char *s, char *out)
{
    static const char *const gpus[] = {
        "h100", "h200", "b200", "b300", "gb200", "gb300", "mi300x", "mi325x", "mi355x",
    };

    for (size_t i = 0; i < sizeof(gpus) / sizeof(gpus[0]); i++) {
        if (!strcmp(s, gpus[i])) {
            memcpy(out, gpus[i], strlen(gpus[i]) + 1);
            return 1;
        }
    }
    return 0;
}

int names_gpu(const char *hw, char *out, size_t cap)
{
    static const char *const suffixes[] = {
        "-trt", "-multinode-slurm", "-multinode", "-nvs", "-disagg", "-amds", "-amd",
        "-nvd", "-dgxc-slurm",      "-dgxc",      "-nb",  "-nv",
    };
    char s[64];
    size_t n = strlen(hw);

    if (n >= sizeof(s) || cap < 16)
        return 0;
    for (size_t i = 0; i <= n; i++)
        s[i] = (char)tolower((unsigned char)hw[i]);
    /* strip `_<digits>` */
    {
        size_t i = n;
        while (i > 0 && isdigit((unsigned char)s[i - 1]))
            i--;
        if (i < n && i > 0 && s[i - 1] == '_') {
            s[i - 1] = '\0';
            n = i - 1;
        }
    }
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k && !strcmp(s + n - k, suffixes[i])) {
            s[n - k] = '\0';
            break;
        }
    }
    if (known_gpu(s, out))
        return 1;
    /* runner labels with a site or cluster suffix not listed above (2025's h100-cw_0,
     * h100-cr): the dashboard's rule, the first token before '-' or '_', when it is a GPU */
    s[strcspn(s, "-_")] = '\0';
    return known_gpu(s, out);
}

/* Substrings of model ids and paths (lowercased) and the prefix they belong to. */
static const struct {
    const char *needle;
    const char *prefix;
} model_aliases[] = {
    {"gpt-oss-120b", "gptoss"}, {"deepseek-r1", "dsr1"},   {"dsr1", "dsr1"},
    {"deepseek-v4", "dsv4"},    {"llama-3.3-70b", "70b"},  {"qwen3.5", "qwen3.5"},
    {"qwen-3.5", "qwen3.5"},    {"kimi-k2.5", "kimik2.5"}, {"minimax-m2.5", "minimaxm2.5"},
    {"glm-5", "glm5"},
};

const char *names_prefix_of_model(const char *model)
{
    char low[256];
    size_t n = strlen(model);

    if (n >= sizeof(low))
        n = sizeof(low) - 1;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)model[i]);
    low[n] = '\0';
    for (size_t i = 0; i < sizeof(model_aliases) / sizeof(model_aliases[0]); i++)
        if (strstr(low, model_aliases[i].needle))
            return model_aliases[i].prefix;
    return NULL;
}
