/* backend — names of operations and statuses (see backend.h). */
#include "backend.h"

const char *bk_op_name(enum bk_op op)
{
	static const char *const names[BK_NOPS] = {
		[BK_READ] = "read",       [BK_WRITE] = "write",   [BK_LOOKUP] = "lookup", [BK_GETATTR] = "getattr",
		[BK_OPEN] = "open",       [BK_CREATE] = "create", [BK_UNLINK] = "unlink", [BK_READDIR] = "readdir",
		[BK_HEAD] = "head",       [BK_LIST] = "list",
	};
	return (unsigned)op < BK_NOPS ? names[op] : "?";
}

const char *bk_status_name(enum bk_status st)
{
	switch (st) {
	case BK_OK: return "ok";
	case BK_ENOENT: return "no such object";
	case BK_THROTTLED: return "throttled";
	case BK_EIO: return "I/O error";
	case BK_ENOSPC: return "no space";
	case BK_TIMEOUT: return "timed out";
	case BK_ENOTSUP: return "not supported";
	}
	return "?";
}
