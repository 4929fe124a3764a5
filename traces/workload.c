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

const struct wl_type *wl_type_by_name(const char *name)
{
	for (const struct wl_type *t = wl_types; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}
