/* model: which rows `--model` selects. Accepts a row prefix (gptoss), a model id or path
 * (openai/gpt-oss-120b), the old extractor's org_Name form (openai_GPT-OSS-120B), a display name,
 * or 'all'. */
#ifndef IMX_MODEL_H
#define IMX_MODEL_H

#include "util/err.h"

struct model_sel {
    int all;
    char *arg;     /* as given */
    char *prefix;  /* resolved row prefix, or NULL to match on model ids */
    char *id;      /* lowercased model id to match (when prefix is NULL) */
    int by_folder; /* not a known spelling: also the rows whose prefix's folder it names */
};

/* The old extractor's default model. */
#define MODEL_DEFAULT "openai_GPT-OSS-120B"

IMX_MUST_CHECK int model_sel_init(struct model_sel *m, const char *arg, struct imx_err *err);
void model_sel_release(struct model_sel *m);
/* Does a row with this prefix (may be NULL) and model id (may be NULL) belong to the selection?
 * A name imx does not know also selects the rows written to the folder of that name, so the
 * folder `imx models` shows (`unknown` for rows without a prefix) is a spelling of its model. */
int model_sel_match(const struct model_sel *m, const char *prefix, const char *model);
/*
 * The folder name for by_model/<MODEL>/, the same however the model was spelled (prefix, id,
 * display name, InferenceX API key): a known model's org_Name form (openai_GPT-OSS-120B), an
 * unknown prefix as it is, an unknown id with '/' turned into '_'. Returns a malloc'ed string.
 */
char *model_sel_dirname(const struct model_sel *m);
/* The folder of the rows of a row prefix (NULL or empty: "unknown"); malloc'ed. */
char *model_prefix_dirname(const char *prefix);

/* Built-in knowledge of models: prefix, org/Name id, InferenceX display name. */
struct model_known {
    const char *prefix;
    const char *id;
    const char *display;
};
const struct model_known *model_known_list(size_t *n);
const struct model_known *model_known_by_prefix(const char *prefix);
/* The row prefix an InferenceX API model key stands for when it is not itself the prefix
 * (llama70b -> 70b, gptoss120b -> gptoss), else NULL; and the API key of a prefix. */
const char *model_prefix_of_api_key(const char *key);
const char *model_api_key(const char *prefix);

#endif
