/* evq — the registry of pending-event sets (see evq.h). */
#include "evq.h"

#include <string.h>

const struct evq_ops *evq_by_name(const char *name)
{
	static const struct evq_ops *const all[] = { &evq_heap, &evq_calendar };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}
