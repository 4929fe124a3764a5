/*
 * dlio — reads DLIO / MLPerf Storage workload YAML files (see dlio.h).
 *
 * How: libyaml's document parser loads the file into a node tree whose
 * nodes carry their line (start_mark); the tree is walked against one
 * table of known keys (dotted paths, "reader.batch_size"), each with a
 * type and the field it fills.  A mapping whose path is a T_MAP entry is
 * walked into; a T_ANY entry accepts any value (keys tiersim does not
 * model); anything else is unknown and becomes a warning.
 *
 * Defaults are DLIO's (dlio_benchmark/utils/config.py, ConfigArguments).
 * Scalars follow YAML 1.1 as PyYAML (which DLIO uses) reads them: a
 * quoted scalar is a string; True/False/yes/no/on/off are booleans.
 */
#include "dlio.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "sim/units.h"

enum kt {
	T_MAP,     /* a mapping of further keys */
	T_ANY,     /* known, not modelled: any value */
	T_STR,
	T_U64,     /* whole number >= 0 */
	T_I64,     /* whole number, negative means off (DLIO's -1) */
	T_DBL,     /* number >= 0 */
	T_SDBL,    /* number, negative means off */
	T_BOOL,
	T_SHUF,    /* off | seed | random */
	T_TIME,    /* seconds: a number, or a mapping {mean, stdev} */
	T_LIST,    /* a list of whole numbers >= 0: the array at off, its length at off2 */
};

struct key {
	const char *path;
	enum kt type;
	size_t off;   /* of the field; for T_TIME the mean (stdev at off2) */
	size_t off2;
};

#define F(field) offsetof(struct dlio_workload, field)
#define NOF 0

static const struct key keys[] = {
	{ "model", T_MAP, NOF, 0 },
	{ "model.name", T_STR, F(model_name), 0 },
	{ "model.type", T_STR, F(model_type), 0 },
	{ "model.model_size", T_U64, F(model_size_bytes), 0 },
	{ "model.model_size_bytes", T_U64, F(model_size_bytes), 0 },
	{ "model.num_layers", T_I64, F(num_layers), 0 },
	{ "model.model_datatype", T_STR, F(model_datatype), 0 },
	{ "model.optimizer_datatype", T_STR, F(optimizer_datatype), 0 },
	{ "model.optimization_groups", T_LIST, F(optimization_groups), F(n_optimization_groups) },
	{ "model.layer_parameters", T_LIST, F(layer_parameters), F(n_layer_parameters) },
	{ "model.parallelism", T_MAP, NOF, 0 },
	{ "model.parallelism.tensor", T_U64, F(tensor_parallelism), 0 },
	{ "model.parallelism.pipeline", T_U64, F(pipeline_parallelism), 0 },
	{ "model.parallelism.data", T_I64, F(data_parallelism), 0 },
	{ "model.parallelism.zero_stage", T_U64, F(zero_stage), 0 },
	{ "model.transformer", T_MAP, NOF, 0 },
	{ "model.transformer.vocab_size", T_U64, F(vocab_size), 0 },
	{ "model.transformer.hidden_size", T_U64, F(hidden_size), 0 },
	{ "model.transformer.ffn_hidden_size", T_U64, F(ffn_hidden_size), 0 },
	{ "model.transformer.num_attention_heads", T_U64, F(num_attention_heads), 0 },
	{ "model.transformer.num_kv_heads", T_U64, F(num_kv_heads), 0 },

	{ "framework", T_STR, F(framework), 0 },

	{ "workflow", T_MAP, NOF, 0 },
	{ "workflow.generate_data", T_BOOL, F(generate_data), 0 },
	{ "workflow.train", T_BOOL, F(do_train), 0 },
	{ "workflow.evaluation", T_BOOL, F(do_eval), 0 },
	{ "workflow.checkpoint", T_BOOL, F(do_checkpoint), 0 },
	{ "workflow.profiling", T_BOOL, F(do_profiling), 0 },
	{ "workflow.debug", T_ANY, NOF, 0 },

	{ "dataset", T_MAP, NOF, 0 },
	{ "dataset.num_files_train", T_U64, F(num_files_train), 0 },
	{ "dataset.num_files_eval", T_U64, F(num_files_eval), 0 },
	{ "dataset.num_samples_per_file", T_U64, F(num_samples_per_file), 0 },
	{ "dataset.record_length", T_DBL, F(record_length_bytes), 0 },
	{ "dataset.record_length_bytes", T_DBL, F(record_length_bytes), 0 },
	{ "dataset.record_length_stdev", T_DBL, F(record_length_bytes_stdev), 0 },
	{ "dataset.record_length_bytes_stdev", T_DBL, F(record_length_bytes_stdev), 0 },
	{ "dataset.record_length_resize", T_DBL, F(record_length_bytes_resize), 0 },
	{ "dataset.record_length_bytes_resize", T_DBL, F(record_length_bytes_resize), 0 },
	{ "dataset.format", T_STR, F(format), 0 },
	{ "dataset.data_folder", T_STR, F(data_folder), 0 },
	{ "dataset.num_subfolders_train", T_ANY, NOF, 0 },
	{ "dataset.num_subfolders_eval", T_ANY, NOF, 0 },
	{ "dataset.file_prefix", T_ANY, NOF, 0 },
	{ "dataset.generation_buffer_size", T_ANY, NOF, 0 },
	{ "dataset.enable_chunking", T_ANY, NOF, 0 },
	{ "dataset.chunk_size", T_ANY, NOF, 0 },
	{ "dataset.compression", T_ANY, NOF, 0 },
	{ "dataset.compression_level", T_ANY, NOF, 0 },
	{ "dataset.keep_files", T_ANY, NOF, 0 },
	{ "dataset.record_element_bytes", T_ANY, NOF, 0 },
	{ "dataset.record_element_type", T_ANY, NOF, 0 },
	{ "dataset.record_dims", T_ANY, NOF, 0 },
	{ "dataset.hdf5", T_ANY, NOF, 0 },

	{ "reader", T_MAP, NOF, 0 },
	{ "reader.data_loader", T_STR, F(data_loader), 0 },
	{ "reader.batch_size", T_U64, F(batch_size), 0 },
	{ "reader.batch_size_eval", T_U64, F(batch_size_eval), 0 },
	{ "reader.read_threads", T_U64, F(read_threads), 0 },
	{ "reader.computation_threads", T_U64, F(computation_threads), 0 },
	{ "reader.prefetch_size", T_U64, F(prefetch_size), 0 },
	{ "reader.shuffle_size", T_U64, F(shuffle_size), 0 },
	{ "reader.transfer_size", T_U64, F(transfer_size), 0 },
	{ "reader.file_shuffle", T_SHUF, F(file_shuffle), 0 },
	{ "reader.sample_shuffle", T_SHUF, F(sample_shuffle), 0 },
	{ "reader.dont_use_mmap", T_ANY, NOF, 0 },
	{ "reader.reader_classname", T_ANY, NOF, 0 },
	{ "reader.multiprocessing_context", T_ANY, NOF, 0 },
	{ "reader.data_loader_classname", T_ANY, NOF, 0 },
	{ "reader.data_loader_sampler", T_ANY, NOF, 0 },
	{ "reader.file_access", T_ANY, NOF, 0 },
	{ "reader.read_type", T_ANY, NOF, 0 },
	{ "reader.odirect", T_ANY, NOF, 0 },
	{ "reader.preprocess_time", T_ANY, NOF, 0 },
	{ "reader.preprocess_time_stdev", T_ANY, NOF, 0 },
	{ "reader.pin_memory", T_ANY, NOF, 0 },
	{ "reader.transformed_record_dims", T_ANY, NOF, 0 },
	{ "reader.transformed_record_element_type", T_ANY, NOF, 0 },

	{ "train", T_MAP, NOF, 0 },
	{ "train.epochs", T_U64, F(epochs), 0 },
	{ "train.computation_time", T_TIME, F(computation_time_s), F(computation_time_stdev_s) },
	{ "train.computation_time_stdev", T_DBL, F(computation_time_stdev_s), 0 },
	{ "train.total_training_steps", T_I64, F(total_training_steps), 0 },
	{ "train.seed", T_U64, F(seed), 0 },
	{ "train.seed_change_epoch", T_BOOL, F(seed_change_epoch), 0 },

	{ "evaluation", T_MAP, NOF, 0 },
	{ "evaluation.eval_time", T_TIME, F(eval_time_s), 0 },
	{ "evaluation.eval_time_stdev", T_ANY, NOF, 0 },
	{ "evaluation.eval_after_epoch", T_U64, F(eval_after_epoch), 0 },
	{ "evaluation.epochs_between_evals", T_U64, F(epochs_between_evals), 0 },

	{ "checkpoint", T_MAP, NOF, 0 },
	{ "checkpoint.checkpoint_folder", T_STR, F(checkpoint_folder), 0 },
	{ "checkpoint.checkpoint_after_epoch", T_U64, F(checkpoint_after_epoch), 0 },
	{ "checkpoint.epochs_between_checkpoints", T_U64, F(epochs_between_checkpoints), 0 },
	{ "checkpoint.steps_between_checkpoints", T_I64, F(steps_between_checkpoints), 0 },
	{ "checkpoint.time_between_checkpoints", T_SDBL, F(time_between_checkpoints_s), 0 },
	{ "checkpoint.num_checkpoints_write", T_I64, F(num_checkpoints_write), 0 },
	{ "checkpoint.num_checkpoints_read", T_I64, F(num_checkpoints_read), 0 },
	{ "checkpoint.fsync", T_BOOL, F(checkpoint_fsync), 0 },
	{ "checkpoint.type", T_ANY, NOF, 0 },
	{ "checkpoint.mode", T_ANY, NOF, 0 },
	{ "checkpoint.checkpoint_mechanism_classname", T_ANY, NOF, 0 },
	{ "checkpoint.recovery_rank_shift", T_ANY, NOF, 0 },
	{ "checkpoint.rank_sync", T_ANY, NOF, 0 },
	{ "checkpoint.randomize_tensor", T_ANY, NOF, 0 },
	{ "checkpoint.ksm", T_ANY, NOF, 0 },

	{ "storage", T_ANY, NOF, 0 },
	{ "profiling", T_ANY, NOF, 0 },
	{ "output", T_ANY, NOF, 0 },
	{ "hydra", T_ANY, NOF, 0 },

	{ "metric", T_MAP, NOF, 0 },
	{ "metric.au", T_DBL, F(au), 0 },
};

#define NKEYS (sizeof keys / sizeof keys[0])

/* Keys walked through aliases beyond the document's own nodes: an alias
 * to a mapping walks its keys again at every use, so a few kilobytes of
 * nested aliases ("billion laughs") would walk millions of keys, each a
 * warning when unknown.  No workload file needs more than a handful. */
#define ALIAS_KEYS_MAX 10000

struct ld {
	struct dlio_workload *w;
	yaml_document_t *doc;
	struct err *e;
	size_t walked, max_walked; /* key-value pairs walked, and the bound */
};

static void *fld(struct dlio_workload *w, size_t off)
{
	return (char *)w + off;
}

static int find_key(const char *path)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].path, path) == 0)
			return (int)i;
	return -1;
}

static int oom(struct err *e)
{
	return err_set(e, ERR_FAIL, "out of memory");
}

static int warn(struct ld *l, const yaml_node_t *at, const char *fmt, const char *a)
{
	struct dlio_workload *w = l->w;
	char msg[512], full[700];
	snprintf(msg, sizeof msg, fmt, a);
	snprintf(full, sizeof full, "%s:%zu: %s", w->path, at->start_mark.line + 1, msg);
	/* Capacities are powers of two (grown when the count is one), so
	 * thousands of warnings cost no quadratic copying. */
	size_t n = w->nwarnings;
	if ((n & (n - 1)) == 0) {
		char **nw = realloc(w->warnings, (n ? 2 * n : 1) * sizeof *nw);
		if (!nw)
			return oom(l->e);
		w->warnings = nw;
	}
	if (!(w->warnings[w->nwarnings] = strdup(full)))
		return oom(l->e);
	w->nwarnings++;
	return 0;
}

/* "FILE:LINE: KEY: "VALUE" <what is wrong>", the value quoted as units.h
 * quotes one (escaped, cut after 60 bytes): a scalar may hold any bytes,
 * line breaks and NULs included, and be as long as the file. */
static int bad(struct ld *l, const yaml_node_t *v, const char *path, const char *what)
{
	char q[256] = "";
	if (v->type == YAML_SCALAR_NODE)
		return err_set(l->e, ERR_INPUT, "%s:%zu: %s: \"%s\" %s", l->w->path, v->start_mark.line + 1, path,
			       unit_quote(q, sizeof q, (const char *)v->data.scalar.value), what);
	snprintf(q, sizeof q, "%s", v->type == YAML_MAPPING_NODE ? "a mapping" : "a list");
	return err_set(l->e, ERR_INPUT, "%s:%zu: %s: %s %s", l->w->path, v->start_mark.line + 1, path, q, what);
}

static int is_plain(const yaml_node_t *v)
{
	return v->type == YAML_SCALAR_NODE && (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ||
					       v->data.scalar.style == YAML_ANY_SCALAR_STYLE);
}

/* A YAML number (plain scalar): decimal, with '_' separators allowed as
 * YAML 1.1 does.  0 and *out, or -1. */
static int num(const yaml_node_t *v, double *out)
{
	if (!is_plain(v))
		return -1;
	char buf[128];
	size_t n = 0;
	for (const char *s = (const char *)v->data.scalar.value; *s; s++) {
		if (*s == '_')
			continue;
		if (n + 1 >= sizeof buf)
			return -1;
		buf[n++] = *s;
	}
	buf[n] = '\0';
	if (n == 0)
		return -1;
	/* Only decimal digits, sign, point, exponent: no hex, inf or nan. */
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789+-.eE", buf[i]))
			return -1;
	char *end;
	errno = 0;
	double d = strtod(buf, &end);
	if (*end || errno == ERANGE || !isfinite(d))
		return -1;
	*out = d;
	return 0;
}

static int set_bool(struct ld *l, const yaml_node_t *v, const char *path, int *out)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	if (is_plain(v)) {
		const char *s = (const char *)v->data.scalar.value;
		for (size_t i = 0; i < 3; i++) {
			if (strcasecmp(s, yes[i]) == 0)
				return *out = 1, 0;
			if (strcasecmp(s, no[i]) == 0)
				return *out = 0, 0;
		}
	}
	return bad(l, v, path, "is not a boolean (True or False)");
}

static int set_str(struct ld *l, const yaml_node_t *v, const char *path, char **out)
{
	if (v->type != YAML_SCALAR_NODE)
		return bad(l, v, path, "is not a string");
	char *s = strdup((const char *)v->data.scalar.value);
	if (!s)
		return oom(l->e);
	free(*out);
	*out = s;
	return 0;
}

static int set_time(struct ld *l, const yaml_node_t *v, const char *path, const struct key *k);

/* Counts a key-value pair walked; -1 once aliases have repeated more keys
 * than ALIAS_KEYS_MAX (without aliases every pair is walked once). */
static int walk_pair(struct ld *l, const yaml_node_t *kn, const char *prefix)
{
	if (++l->walked <= l->max_walked)
		return 0;
	return err_set(l->e, ERR_INPUT, "%s:%zu: %s%saliases repeat more than %d keys; write the keys out",
		       l->w->path, kn->start_mark.line + 1, prefix, prefix[0] ? ": " : "", ALIAS_KEYS_MAX);
}

static int set_value(struct ld *l, const yaml_node_t *v, const char *path, const struct key *k)
{
	struct dlio_workload *w = l->w;
	double d;
	switch (k->type) {
	case T_ANY:
	case T_MAP:
		return 0;
	case T_STR:
		return set_str(l, v, path, fld(w, k->off));
	case T_BOOL:
		return set_bool(l, v, path, fld(w, k->off));
	case T_SHUF: {
		enum dlio_shuffle *o = fld(w, k->off);
		if (v->type == YAML_SCALAR_NODE) {
			const char *s = (const char *)v->data.scalar.value;
			if (strcasecmp(s, "seed") == 0)
				return *o = DLIO_SHUFFLE_SEED, 0;
			if (strcasecmp(s, "random") == 0)
				return *o = DLIO_SHUFFLE_RANDOM, 0;
			int b = 0;
			if (is_plain(v) && set_bool(l, v, path, &b) == 0)
				return *o = b ? DLIO_SHUFFLE_SEED : DLIO_SHUFFLE_OFF, 0;
		}
		return bad(l, v, path, "is not a shuffle mode (off, seed or random)");
	}
	case T_U64:
	case T_I64:
		if (num(v, &d) < 0 || d != floor(d))
			return bad(l, v, path, k->type == T_U64 ? "is not a whole number >= 0" : "is not a whole number");
		if (k->type == T_U64) {
			if (d < 0)
				return bad(l, v, path, "is negative; it must be >= 0");
			if (d >= 18446744073709551616.0)
				return bad(l, v, path, "is too large");
			*(uint64_t *)fld(w, k->off) = (uint64_t)d;
		} else {
			if (fabs(d) >= 9223372036854775808.0)
				return bad(l, v, path, "is too large");
			*(int64_t *)fld(w, k->off) = d < 0 ? -1 : (int64_t)d;
		}
		return 0;
	case T_DBL:
	case T_SDBL:
		if (num(v, &d) < 0)
			return bad(l, v, path, "is not a number");
		if (k->type == T_DBL && d < 0)
			return bad(l, v, path, "is negative; it must be >= 0");
		*(double *)fld(w, k->off) = k->type == T_SDBL && d < 0 ? -1 : d;
		return 0;
	case T_TIME:
		return set_time(l, v, path, k);
	case T_LIST: {
		if (v->type != YAML_SEQUENCE_NODE)
			return bad(l, v, path, "is not a list of whole numbers");
		size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
		if (n > 4096)
			return bad(l, v, path, "has more than 4096 entries");
		uint64_t *a = calloc(n ? n : 1, sizeof *a);
		if (!a)
			return oom(l->e);
		for (size_t i = 0; i < n; i++) {
			yaml_node_t *it = yaml_document_get_node(l->doc, v->data.sequence.items.start[i]);
			if (!it || num(it, &d) < 0 || d != floor(d) || d < 0 || d >= 18446744073709551616.0) {
				free(a);
				return bad(l, it ? it : v, path, "has an entry that is not a whole number >= 0");
			}
			a[i] = (uint64_t)d;
		}
		uint64_t **slot = fld(w, k->off);
		free(*slot);
		*slot = a;
		*(size_t *)fld(w, k->off2) = n;
		return 0;
	}
	}
	return 0;
}

/* computation_time: 0.323, {mean: 0.323, stdev: 0.01}, or {type: T, ...}
 * with T one of DLIO's utils.sleep distributions and its parameters:
 * normal (mean, stdev), uniform (min, max), gamma (shape, scale),
 * exponential (scale), poisson (lam).  A type names its keys; any other
 * is a warning, and a missing one an error (DLIO's would be a KeyError).
 * Only computation_time (k->off2) takes a type; eval_time is not
 * modelled and keeps its mean. */
static const struct {
	const char *name;
	enum dlio_dist d;
	const char *k1, *k2; /* the parameters, in the order of a and b (NULL: none) */
} dists[] = {
	{ "normal", DLIO_NORMAL, "mean", "stdev" },   { "uniform", DLIO_UNIFORM, "min", "max" },
	{ "gamma", DLIO_GAMMA, "shape", "scale" },    { "exponential", DLIO_EXPONENTIAL, NULL, "scale" },
	{ "poisson", DLIO_POISSON, "lam", NULL },
};

static int set_time(struct ld *l, const yaml_node_t *v, const char *path, const struct key *k)
{
	struct dlio_workload *w = l->w;
	double d;
	if (v->type != YAML_MAPPING_NODE) {
		if (num(v, &d) < 0)
			return bad(l, v, path, "is not a number of seconds");
		if (d < 0)
			return bad(l, v, path, "is negative; it must be >= 0");
		*(double *)fld(w, k->off) = d;
		return 0;
	}
	int typed = -1; /* index in dists[], or -1: {mean, stdev} */
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(l->doc, p->key), *vn = yaml_document_get_node(l->doc, p->value);
		if (!kn || !vn || kn->type != YAML_SCALAR_NODE || strcmp((const char *)kn->data.scalar.value, "type"))
			continue;
		char sub[600];
		snprintf(sub, sizeof sub, "%s.type", path);
		if (!k->off2) /* eval_time: not modelled, any type */
			break;
		if (vn->type == YAML_SCALAR_NODE)
			for (size_t i = 0; i < sizeof dists / sizeof dists[0]; i++)
				if (!strcmp((const char *)vn->data.scalar.value, dists[i].name))
					typed = (int)i;
		if (typed < 0)
			return bad(l, vn, sub, "is not a distribution (normal, uniform, gamma, exponential or poisson)");
	}
	const char *k1 = typed < 0 ? "mean" : dists[typed].k1, *k2 = typed < 0 ? "stdev" : dists[typed].k2;
	double par[2] = { 0, 0 };
	int got[2] = { 0, 0 };
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(l->doc, p->key), *vn = yaml_document_get_node(l->doc, p->value);
		if (!kn || !vn)
			continue;
		if (walk_pair(l, kn, path) < 0)
			return -1;
		const char *name = kn->type == YAML_SCALAR_NODE ? (const char *)kn->data.scalar.value : "?";
		char sub[600];
		snprintf(sub, sizeof sub, "%s.%s", path, name);
		int which = k1 && !strcmp(name, k1) ? 0 : k2 && !strcmp(name, k2) && k->off2 ? 1 : -1;
		if (which >= 0) {
			if (num(vn, &d) < 0)
				return bad(l, vn, sub, typed == DLIO_POISSON ? "is not a number" : "is not a number of seconds");
			if (d < 0)
				return bad(l, vn, sub, "is negative; it must be >= 0");
			par[which] = d;
			got[which] = 1;
		} else if (strcmp(name, "type") != 0 && (k->off2 || strcmp(name, "stdev") != 0)) {
			if (warn(l, kn, typed < 0 ? "unknown key '%s' (ignored)"
						  : "unknown key '%s' (ignored: not a parameter of its type)",
				 sub) < 0)
				return -1;
		}
	}
	if (typed < 0 || dists[typed].d == DLIO_NORMAL) {
		if (got[0])
			*(double *)fld(w, k->off) = par[0];
		if (got[1])
			*(double *)fld(w, k->off2) = par[1];
		if (typed >= 0 && !got[0])
			return bad(l, v, path, "of type normal has no mean");
		return 0;
	}
	for (int i = 0; i < 2; i++)
		if ((i ? k2 : k1) && !got[i]) {
			char why[100];
			snprintf(why, sizeof why, "of type %s has no %s", dists[typed].name, i ? k2 : k1);
			return bad(l, v, path, why);
		}
	switch (dists[typed].d) {
	case DLIO_UNIFORM:
		if (par[0] > par[1])
			return bad(l, v, path, "has min above max");
		d = (par[0] + par[1]) / 2;
		break;
	case DLIO_GAMMA:
		if (par[0] <= 0 || par[1] <= 0)
			return bad(l, v, path, "needs shape and scale above 0");
		d = par[0] * par[1];
		break;
	case DLIO_EXPONENTIAL: d = par[1]; break;
	default: d = par[0]; break; /* poisson: mean lam */
	}
	w->computation_time_dist = dists[typed].d;
	w->computation_time_a = par[0];
	w->computation_time_b = par[1];
	*(double *)fld(w, k->off) = d; /* the mean, for the demand and the summary */
	*(double *)fld(w, k->off2) = 0;
	return 0;
}

/* Keys tiersim knows and does not simulate, whose values here would
 * change DLIO's I/O or time: a warning each (the rest of T_ANY changes
 * neither, or is taken care of elsewhere). */
static int note_unsimulated(struct ld *l, const yaml_node_t *kn, const yaml_node_t *vn, const char *path)
{
	const struct dlio_workload *w = l->w;
	double d;
	if (!strcmp(path, "workflow.evaluation") && w->do_eval)
		return warn(l, kn,
			    "%s: evaluation is not simulated (its reads of the dataset's eval files and its eval_time): "
			    "the job trains, and its AU is training's, as DLIO reports it",
			    path);
	if (!strcmp(path, "workflow.generate_data") && w->generate_data)
		return warn(l, kn, "%s: data generation is not simulated: the dataset is taken to be in the bottom tier",
			    path);
	if (!strcmp(path, "reader.preprocess_time") && (vn->type != YAML_SCALAR_NODE || (num(vn, &d) == 0 && d > 0)))
		return warn(l, kn, "%s: the readers' time preprocessing each sample is not simulated", path);
	return 0;
}

static int walk(struct ld *l, const yaml_node_t *map, const char *prefix)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(l->doc, p->key), *vn = yaml_document_get_node(l->doc, p->value);
		if (!kn || !vn)
			continue;
		if (walk_pair(l, kn, prefix) < 0)
			return -1;
		if (kn->type != YAML_SCALAR_NODE)
			return err_set(l->e, ERR_INPUT, "%s:%zu: %s%skey is not a string", l->w->path,
				       kn->start_mark.line + 1, prefix, prefix[0] ? ": " : "");
		const char *name = (const char *)kn->data.scalar.value;
		/* DLIO reads data_reader as reader. */
		if (!prefix[0] && strcmp(name, "data_reader") == 0)
			name = "reader";
		char path[256];
		snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", name);
		int i = find_key(path);
		if (i < 0) {
			if (warn(l, kn, "unknown key '%s' (ignored)", path) < 0)
				return -1;
			continue;
		}
		l->w->seen_[i] = 1;
		if (keys[i].type == T_MAP) {
			if (vn->type == YAML_SCALAR_NODE && vn->data.scalar.length == 0)
				continue; /* "section:" with nothing under it */
			if (vn->type != YAML_MAPPING_NODE)
				return bad(l, vn, path, "is not a mapping of keys");
			if (walk(l, vn, path) < 0)
				return -1;
			continue;
		}
		if (set_value(l, vn, path, &keys[i]) < 0 || note_unsimulated(l, kn, vn, path) < 0)
			return -1;
	}
	return 0;
}

static int set_defaults(struct dlio_workload *w)
{
	w->model_size_bytes = 10240;
	w->num_layers = -1;
	w->tensor_parallelism = w->pipeline_parallelism = 1;
	w->data_parallelism = -1;
	w->vocab_size = 32000;
	w->hidden_size = 2048;
	w->ffn_hidden_size = 8192;
	w->num_attention_heads = 32;
	w->num_kv_heads = 8;
	w->do_train = 1;
	w->num_files_train = 8;
	w->num_samples_per_file = 1;
	w->record_length_bytes = 65536;
	w->batch_size = w->batch_size_eval = 1;
	w->read_threads = w->computation_threads = 1;
	w->prefetch_size = 2;
	w->shuffle_size = 1024;
	w->epochs = 1;
	w->total_training_steps = -1;
	w->seed = 123;
	w->seed_change_epoch = 1;
	w->eval_after_epoch = w->epochs_between_evals = 1;
	w->checkpoint_after_epoch = w->epochs_between_checkpoints = 1;
	w->steps_between_checkpoints = -1;
	w->time_between_checkpoints_s = -1;
	w->num_checkpoints_write = w->num_checkpoints_read = -1;
	w->au = 0.90;
	return (w->model_datatype = strdup("fp16")) && (w->optimizer_datatype = strdup("fp32")) &&
			       (w->framework = strdup("tensorflow")) && (w->format = strdup("tfrecord")) &&
			       (w->data_folder = strdup("./data/")) && (w->data_loader = strdup("tensorflow")) &&
			       (w->checkpoint_folder = strdup("./checkpoints/"))
		       ? 0
		       : -1;
}

int dlio_load_string(struct dlio_workload **out, const char *path, const char *text, size_t len, struct err *e)
{
	*out = NULL;
	struct dlio_workload *w = calloc(1, sizeof *w);
	if (!w)
		return oom(e);
	if (!(w->path = strdup(path)) || !(w->seen_ = calloc(NKEYS, 1)) || set_defaults(w) < 0) {
		dlio_free(w);
		return oom(e);
	}
	yaml_parser_t p;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&p)) {
		dlio_free(w);
		return oom(e);
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &doc)) {
		err_set(e, ERR_INPUT, "%s:%zu: %s%s%s", path, p.problem_mark.line + 1, p.problem ? p.problem : "bad YAML",
			p.context ? " " : "", p.context ? p.context : "");
		yaml_parser_delete(&p);
		dlio_free(w);
		return -1;
	}
	int rc = 0;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root)
		rc = err_set(e, ERR_INPUT, "%s:1: empty workload file", path);
	else if (root->type != YAML_MAPPING_NODE)
		rc = err_set(e, ERR_INPUT, "%s:%zu: the workload is not a mapping of sections (model:, dataset:, ...)",
			     path, root->start_mark.line + 1);
	else {
		size_t nodes = (size_t)(doc.nodes.top - doc.nodes.start);
		struct ld l = { w, &doc, e, 0, nodes + ALIAS_KEYS_MAX };
		rc = walk(&l, root, "");
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	if (rc < 0) {
		dlio_free(w);
		return -1;
	}
	*out = w;
	return 0;
}

int dlio_load(struct dlio_workload **out, const char *path, struct err *e)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_open(e, path, errno);
	char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n + 4096 > cap) {
			if (cap >= (16u << 20)) {
				free(buf);
				fclose(f);
				return err_set(e, ERR_INPUT, "%s: larger than 16 MiB: not a workload file", path);
			}
			cap = cap ? 2 * cap : 8192;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return oom(e);
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	int ioerr = ferror(f);
	fclose(f);
	if (ioerr) {
		free(buf);
		return err_set(e, ERR_FAIL, "%s: read error", path);
	}
	int rc = dlio_load_string(out, path, buf, n, e);
	free(buf);
	return rc;
}

void dlio_free(struct dlio_workload *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].type == T_STR || keys[i].type == T_LIST)
			free(*(void **)fld(w, keys[i].off));
	for (size_t i = 0; i < w->nwarnings; i++)
		free(w->warnings[i]);
	free(w->warnings);
	free(w->seen_);
	free(w->path);
	free(w);
}

int dlio_has(const struct dlio_workload *w, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; i < NKEYS; i++) {
		if (!w->seen_[i])
			continue;
		if (strcmp(keys[i].path, key) == 0)
			return 1;
		if (strncmp(keys[i].path, key, n) == 0 && keys[i].path[n] == '.')
			return 1;
	}
	return 0;
}

unsigned dlio_dtype_bytes(const char *name)
{
	static const struct {
		const char *n;
		unsigned b;
	} t[] = { { "fp16", 2 }, { "bf16", 2 }, { "float16", 2 }, { "bfloat16", 2 }, { "int16", 2 }, { "fp32", 4 },
		  { "float32", 4 }, { "int32", 4 }, { "fp64", 8 }, { "float64", 8 }, { "int64", 8 }, { "fp8", 1 },
		  { "int8", 1 }, { "uint8", 1 } };
	for (size_t i = 0; name && i < sizeof t / sizeof t[0]; i++)
		if (strcasecmp(name, t[i].n) == 0)
			return t[i].b;
	return 0;
}

double dlio_transformer_params(const struct dlio_workload *w)
{
	if (!dlio_has(w, "model.transformer") || w->num_layers <= 0 || w->num_attention_heads == 0)
		return 0;
	double h = (double)w->hidden_size, f = (double)w->ffn_hidden_size, v = (double)w->vocab_size;
	double kv = (double)w->num_kv_heads * h / (double)w->num_attention_heads;
	double layer = 2 * h * h + 2 * h * kv + 3 * h * f + 2 * h;
	return (double)w->num_layers * layer + 2 * v * h + h;
}

/* a += b, saturating at UINT64_MAX */
static void add_sat(uint64_t *a, uint64_t b)
{
	if (__builtin_add_overflow(*a, b, a))
		*a = UINT64_MAX;
}

uint64_t dlio_rank_checkpoint_bytes(const struct dlio_workload *w, uint64_t r)
{
	uint64_t tp = w->tensor_parallelism ? w->tensor_parallelism : 1;
	uint64_t pp = w->pipeline_parallelism ? w->pipeline_parallelism : 1;
	uint64_t mp = tp > UINT64_MAX / pp ? UINT64_MAX : tp * pp;
	if (w->zero_stage == 0 && r >= mp)
		return 0;
	uint64_t b = 0;
	if (!w->model_type || strcasecmp(w->model_type, "transformer") != 0)
		b = w->model_size_bytes;
	for (size_t i = 0; i < w->n_optimization_groups; i++)
		for (int k = 0; k < 3; k++)
			add_sat(&b, w->optimization_groups[i]);
	int replica0 = r < mp;
	if (w->num_layers > 0 && w->n_layer_parameters && (w->zero_stage == 0 || w->zero_stage == 3 || replica0)) {
		uint64_t nl = (uint64_t)w->num_layers, stage = (r / tp) % pp;
		uint64_t layers = nl / pp + (stage < nl % pp), per = 0;
		for (size_t i = 0; i < w->n_layer_parameters; i++)
			add_sat(&per, w->layer_parameters[i] / tp);
		uint64_t all;
		add_sat(&b, __builtin_mul_overflow(per, layers, &all) ? UINT64_MAX : all);
	}
	return b;
}

double dlio_checkpoint_bytes_total(const struct dlio_workload *w)
{
	double p = dlio_transformer_params(w);
	unsigned bm = dlio_dtype_bytes(w->model_datatype), bo = dlio_dtype_bytes(w->optimizer_datatype);
	if (p <= 0)
		return 0;
	if (!bm)
		bm = 2;
	if (!bo)
		bo = 4;
	return p * (bm + 3.0 * bo);
}
