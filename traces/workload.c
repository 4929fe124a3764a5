/* workload — the registry of job types (see workload.h). */
#include "workload.h"

#include <string.h>

#include "kvcache.h"
#include "modelload.h"
#include "training.h"

/* Each job type adds its line here. */
const struct wl_type wl_types[] = {
	{ "kvcache", wl_kvcache_new },
	{ "modelload", wl_modelload_new },
	{ "training", wl_training_new },
	{ "checkpoint", wl_checkpoint_new },
	{ NULL, NULL },
};

int wl_check_object(const struct wl_env *env, struct cfg_doc *d, struct cfg_section *s, const char *key,
		    const char *what, uint64_t bytes, struct err *e)
{
	struct err pe = { 0 };
	if (path_check_object(env->paths[0], bytes, &pe) == 0)
		return 0;
	return cfg_error(d, s, cfg_key(s, key), e, "%s of %s", what, pe.msg);
}

const struct wl_type *wl_type_by_name(const char *name)
{
	for (const struct wl_type *t = wl_types; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}
