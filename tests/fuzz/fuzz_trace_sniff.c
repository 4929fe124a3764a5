/*
 * fuzz_trace_sniff — traces/trace.c's choice of reader when no format is
 * named (trace_sniff: magic numbers, the file name's ending, a CSV's or
 * JSONL's first line) and trace_open_opts dispatching to it.  The first
 * byte of the input picks the file name's ending (none, .csv, .jsonl,
 * .vscsi, .tst, .tst.zst, .bin.zst, .txt); the rest is the file, written
 * under a private temporary directory (sniffing reads the name, so a
 * memfd will not do) and removed after each input.
 *
 * Checked: the choice follows trace.h's rules (a native or zstd magic
 * number is native but for *.bin.zst; then *.tst[.zst] native, *.vscsi
 * vscsi, *.jsonl mooncake or an error naming the file, *.csv one of the
 * CSV formats, anything else oracleGeneral); and reading with the format
 * sniffed gives what reading with that format named gives (records,
 * skips and errors, strictly and leniently), under the reader contract
 * (fuzz_trace.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/fuzz/fuzz_trace.h"

static const char *const endings[] = {
	"", ".csv", ".jsonl", ".vscsi", ".tst", ".tst.zst", ".bin.zst", ".txt",
};
#define N_ENDINGS (sizeof endings / sizeof endings[0])

static char dir[64];

static void remove_dir(void)
{
	rmdir(dir);
}

static struct trace_reader *open_format(const char *path, const struct trace_opts *o, void *ctx,
					struct err *e)
{
	return trace_open_opts(path, ctx, o, e);
}

static int ends(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcmp(s + n - m, suf);
}

/* The format trace.h's rules give, or NULL for "mooncake or an error",
 * "one of the CSV formats" (decided by the first line) and "text under
 * another name: an error". */
static const char *expected(const char *ending, const uint8_t *file, size_t n)
{
	static const uint8_t zstd[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	if (n >= 8 && !memcmp(file, "TSIMTRC\n", 8))
		return "native";
	if (n >= 4 && !memcmp(file, zstd, 4) && strcmp(ending, ".bin.zst"))
		return "native";
	if (ends(ending, ".tst") || ends(ending, ".tst.zst"))
		return "native";
	if (!strcmp(ending, ".vscsi"))
		return "vscsi";
	if (!strcmp(ending, ".jsonl") || !strcmp(ending, ".csv"))
		return NULL;
	/* Its first 24 bytes (or fewer) all printable text with a separator:
	 * refused, not read as 24-byte binary records. */
	size_t k = n < 24 ? n : 24;
	int text = k > 0, sep = 0;
	for (size_t i = 0; i < k && text; i++) {
		text = (file[i] >= 0x20 && file[i] < 0x7f) || file[i] == '\t' || file[i] == '\r' || file[i] == '\n';
		sep |= file[i] == ',' || file[i] == '\n' || file[i] == ';' || file[i] == '\t';
	}
	return text && sep ? NULL : "oracleGeneral";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (!dir[0]) {
		const char *tmp = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/fuzz-sniff-XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
		if (!mkdtemp(dir)) {
			dir[0] = '\0';
			return 0;
		}
		atexit(remove_dir);
	}
	const char *ending = endings[data[0] % N_ENDINGS];
	const uint8_t *file = data + 1;
	size_t n = size - 1;
	char path[128];
	snprintf(path, sizeof path, "%s/in%s", dir, ending);
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	size_t w = fwrite(file, 1, n, f);
	if (fclose(f) != 0 || w != n) {
		unlink(path);
		return 0;
	}

	struct err e = { 0 };
	const char *fmt = trace_sniff(path, &e);
	const char *want = expected(ending, file, n);
	if (!fmt) {
		FUZZ_CHECK(!want && strcmp(ending, ".csv"));
		FUZZ_CHECK(e.code == ERR_INPUT && strstr(e.msg, path));
	} else if (want) {
		FUZZ_CHECK(!strcmp(fmt, want));
	} else if (!strcmp(ending, ".jsonl")) {
		FUZZ_CHECK(!strcmp(fmt, "mooncake"));
	} else {
		FUZZ_CHECK(!strcmp(fmt, "csv") || !strcmp(fmt, "azure_llm") ||
			   !strcmp(fmt, "alibaba_gpu"));
	}
	struct ft_pass as, al, ns, nl;
	ft_run(path, open_format, NULL, NULL, &as, &al);
	if (fmt) {
		ft_run(path, open_format, NULL, (void *)fmt, &ns, &nl);
		ft_same(&as, &ns);
		ft_same(&al, &nl);
	} else {
		FUZZ_CHECK(!as.opened && !strcmp(as.e.msg, e.msg));
	}
	unlink(path);
	return 0;
}
