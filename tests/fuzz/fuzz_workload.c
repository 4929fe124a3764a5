/*
 * fuzz_workload — the [job NAME] sections of a scenario (traces/workload.h:
 * training and checkpoint jobs, traces/training.c; model loads,
 * modelload.c; KV-cache inference, kvcache.c) with the files they name: a
 * DLIO workload YAML (traces/dlio.c) or a Mooncake JSONL trace (kvcache.c's
 * reader).  The input is the body of a [job fuzz] section, which may open
 * more [job NAME] sections, then optionally a NUL byte and the content of
 * the file: every job's `workload` and `trace` name it.  The job runs on a
 * fixed small cluster (two nodes, node-local NVMe over a shared fixed
 * tier), put before the input:
 *
 *   [cluster] nodes = 2, chunk = 1MiB   [tier hot] nvme, 64 MiB, lru
 *   [tier bottom] fixed, 100 us, 10 GB/s   [job fuzz] <- the input
 *
 * and the rest is fuzz_scenario's (compiled in): build, a run of at most
 * 1 s simulated and 10000 events, the export, the checks on refusals
 * (they name the scenario or the job's file), everything freed.
 */
#include <stdlib.h>
#include <string.h>

#define FUZZ_SCENARIO_NO_MAIN
#include "tests/fuzz/fuzz_scenario.c"

static const char wl_cluster[] = "[run]\n"
				 "seed = 1\n"
				 "[cluster]\n"
				 "nodes = 2\n"
				 "chunk = 1MiB\n"
				 "[tier hot]\n"
				 "model = nvme\n"
				 "capacity = 64MiB\n"
				 "drives = 1\n"
				 "[tier bottom]\n"
				 "model = fixed\n"
				 "latency = 100us\n"
				 "bandwidth = 10GB/s\n"
				 "[job fuzz]\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t body = nul ? (size_t)(nul - data) : size;
	char *text = malloc(sizeof wl_cluster + body);
	if (!text)
		return 0;
	memcpy(text, wl_cluster, sizeof wl_cluster - 1);
	memcpy(text + sizeof wl_cluster - 1, data, body);
	text[sizeof wl_cluster - 1 + body] = '\0';
	if (nul)
		scn_run(text, nul + 1, size - body - 1);
	else
		scn_run(text, NULL, 0);
	free(text);
	return 0;
}
