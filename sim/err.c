/* err — see err.h. */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, int code, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	e->code = code;
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int err_open(struct err *e, const char *path, int errnum)
{
	return err_set(e, errnum == ENOMEM ? ERR_FAIL : ERR_INPUT, "%s: cannot open: %s", path, strerror(errnum));
}

int err_prefix(struct err *e, const char *fmt, ...)
{
	if (!e)
		return -1;
	char head[512], old[sizeof e->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	size_t h = strlen(head);
	if (h >= sizeof e->msg)
		h = sizeof e->msg - 1;
	memcpy(e->msg, head, h);
	size_t room = sizeof e->msg - 1 - h, o = strnlen(old, sizeof old);
	memcpy(e->msg + h, old, o < room ? o : room);
	e->msg[h + (o < room ? o : room)] = '\0';
	return -1;
}
