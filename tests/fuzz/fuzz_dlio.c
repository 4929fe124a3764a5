/*
 * fuzz_dlio — traces/dlio.c, the reader of DLIO / MLPerf Storage workload
 * files (YAML through libyaml's document loader), which a training job's
 * `workload = FILE` names.  The input is the file, NUL bytes and all; it is
 * read from memory (dlio_load_string) and from a file (dlio_load), which
 * must agree.  Checked: a refusal leaves ERR_INPUT (or ERR_FAIL) and a
 * message "FILE:LINE: ..." with a line that exists; an accepted file has
 * warnings that each name the file and a line, the values the header
 * promises (counts whole, sizes and times >= 0 and finite, -1 for "off"),
 * and a transformer size and checkpoint size that are finite and >= 0.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "traces/dlio.h"
#include "tests/fuzz/fuzz.h"

#define NAME "fuzz.yaml"

/* Lines as YAML counts them: breaks are \n, \r\n, \r, and in UTF-8
 * NEL (C2 85), LS and PS (E2 80 A8, E2 80 A9). */
static size_t count_lines(const uint8_t *data, size_t size)
{
	size_t n = 1;
	for (size_t i = 0; i < size; i++) {
		n += data[i] == '\n' || (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n'));
		n += data[i] == 0xc2 && i + 1 < size && data[i + 1] == 0x85;
		n += data[i] == 0xe2 && i + 2 < size && data[i + 1] == 0x80 && (data[i + 2] & 0xfe) == 0xa8;
	}
	return n;
}

/* "PATH:LINE: ..." with 1 <= LINE <= lines, or "PATH: ..." for what is
 * about the whole file. */
static void check_where(const char *msg, const char *path, size_t lines)
{
	size_t n = strlen(path);
	FUZZ_CHECK(strncmp(msg, path, n) == 0 && msg[n] == ':');
	const char *p = msg + n + 1;
	if (isdigit((unsigned char)*p)) {
		long line = atol(p);
		FUZZ_CHECK(line >= 1 && (size_t)line <= lines + 1);
	}
}

static void check_workload(const struct dlio_workload *w, size_t lines)
{
	for (size_t i = 0; i < w->nwarnings; i++) {
		FUZZ_CHECK(w->warnings[i] != NULL);
		check_where(w->warnings[i], w->path, lines);
	}
	FUZZ_CHECK(isfinite(w->record_length_bytes) && w->record_length_bytes >= 0);
	FUZZ_CHECK(isfinite(w->record_length_bytes_stdev) && w->record_length_bytes_stdev >= 0);
	FUZZ_CHECK(isfinite(w->record_length_bytes_resize) && w->record_length_bytes_resize >= 0);
	FUZZ_CHECK(isfinite(w->computation_time_s) && w->computation_time_s >= 0);
	FUZZ_CHECK(isfinite(w->computation_time_stdev_s) && w->computation_time_stdev_s >= 0);
	FUZZ_CHECK(isfinite(w->eval_time_s) && w->eval_time_s >= 0);
	FUZZ_CHECK(isfinite(w->time_between_checkpoints_s) &&
		   (w->time_between_checkpoints_s >= 0 || w->time_between_checkpoints_s == -1));
	FUZZ_CHECK(isfinite(w->au) && w->au >= 0);
	FUZZ_CHECK(w->num_layers >= -1 && w->data_parallelism >= -1 && w->total_training_steps >= -1);
	FUZZ_CHECK(w->steps_between_checkpoints >= -1 && w->num_checkpoints_write >= -1 &&
		   w->num_checkpoints_read >= -1);
	FUZZ_CHECK(w->generate_data <= 1 && w->do_train <= 1 && w->do_eval <= 1 && w->do_checkpoint <= 1);
	FUZZ_CHECK(w->file_shuffle <= DLIO_SHUFFLE_RANDOM && w->sample_shuffle <= DLIO_SHUFFLE_RANDOM);
	const char *const strs[] = { w->model_datatype, w->optimizer_datatype, w->framework, w->format,
				     w->data_folder, w->data_loader, w->checkpoint_folder };
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		FUZZ_CHECK(strs[i] != NULL);
	double p = dlio_transformer_params(w), b = dlio_checkpoint_bytes_total(w);
	FUZZ_CHECK(!isnan(p) && p >= 0);
	FUZZ_CHECK(!isnan(b) && b >= 0);
	FUZZ_CHECK((p > 0) == (b > 0) || isinf(p));
	(void)dlio_has(w, "model");
	(void)dlio_has(w, "reader.batch_size");
	(void)dlio_dtype_bytes(w->model_datatype);
}

static void check_same(const struct dlio_workload *a, const struct dlio_workload *b)
{
	FUZZ_CHECK(a->nwarnings == b->nwarnings);
	FUZZ_CHECK(a->batch_size == b->batch_size && a->num_files_train == b->num_files_train &&
		   a->epochs == b->epochs && a->record_length_bytes == b->record_length_bytes &&
		   a->computation_time_s == b->computation_time_s && a->do_checkpoint == b->do_checkpoint &&
		   a->model_size_bytes == b->model_size_bytes && a->num_layers == b->num_layers);
	FUZZ_CHECK(strcmp(a->format, b->format) == 0 && strcmp(a->model_datatype, b->model_datatype) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t lines = count_lines(data, size);
	struct dlio_workload *mem = NULL, *file = NULL;
	struct err em = { 0 }, ef = { 0 };
	int rm = dlio_load_string(&mem, NAME, (const char *)data, size, &em);
	FUZZ_CHECK((rm == 0) == (mem != NULL));
	if (rm < 0) {
		FUZZ_CHECK(em.code == ERR_INPUT || em.code == ERR_FAIL);
		FUZZ_CHECK(em.msg[0] != '\0');
		if (em.code == ERR_INPUT)
			check_where(em.msg, NAME, lines);
	} else {
		FUZZ_CHECK(strcmp(mem->path, NAME) == 0);
		check_workload(mem, lines);
	}

	char path[64];
	int fd = fuzz_file(data, size, path, sizeof path);
	if (fd >= 0) {
		int rf = dlio_load(&file, path, &ef);
		FUZZ_CHECK(rf == rm || em.code == ERR_FAIL || ef.code == ERR_FAIL);
		if (rf == 0 && rm == 0)
			check_same(mem, file);
		else if (rf < 0 && rm < 0 && em.code == ERR_INPUT && ef.code == ERR_INPUT)
			FUZZ_CHECK(strncmp(em.msg + strlen(NAME), ef.msg + strlen(path), 200) == 0);
		dlio_free(file);
		fuzz_file_close(fd);
	}
	dlio_free(mem);
	return 0;
}
