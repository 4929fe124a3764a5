/*
 * dram — host DRAM as a tier: the nvme model with drives = 1, no IOPS
 * limit, read_bw = write_bw = DRAM bandwidth B and both latencies L, so an
 * idle access of b bytes takes
 *     T = L + b / B
 * and the tier saturates at B.  (A page-cache copy is bandwidth-bound; the
 * media stage with `parallelism` servers only adds L per access.)
 *
 * Defaults.  The reference (hardware-and-scale.md) has no host-DRAM
 * figures, so all are recalled and must be checked before relying on them:
 *   capacity = 2 TB                 DGX H100 system memory            [R]
 *   bandwidth = 614.4 GB/s          2 sockets x 8 DDR5-4800 channels x
 *                                   38.4 GB/s, theoretical peak        [R]/[D]
 *                                   (sustained copy bandwidth is lower;
 *                                   calibrate with tierref)
 *   latency = 100 ns                loaded DRAM access, order of magnitude [R]
 *   parallelism = 1024              assumed: never the bottleneck
 */
#include "dram.h"

#include <math.h>
#include <string.h>

#include "nvme.h"

void dram_params_default(struct dram_params *p)
{
	memset(p, 0, sizeof *p);
	p->name = "dram";
	p->bps = 614.4e9;
	dist_const(&p->latency_ns, 100);
	p->parallelism = 1024;
	p->capacity_bytes = 2000000000000ull;
}

void dram_params_free(struct dram_params *p)
{
	dist_free(&p->latency_ns);
	dist_const(&p->latency_ns, 0);
}

int dram_from_cfg(struct cfg_doc *d, struct cfg_section *s, struct dram_params *p, struct err *e)
{
	dram_params_default(p);
	uint64_t par = p->parallelism;
	if (cfg_rate_bps(d, s, "bandwidth", &p->bps, e) < 0)
		return -1;
	if (!(p->bps > 0))
		return cfg_error(d, s, cfg_key(s, "bandwidth"), e, "must be positive");
	struct dist v;
	int rc = cfg_dist(d, s, "latency", DIST_TIME, &v, e);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		dist_free(&p->latency_ns);
		p->latency_ns = v;
	}
	if (cfg_u64(d, s, "parallelism", &par, e) < 0)
		return -1;
	if (par == 0 || par > 1u << 20)
		return cfg_error(d, s, cfg_key(s, "parallelism"), e, "must be 1..1048576");
	p->parallelism = (unsigned)par;
	if (cfg_bytes(d, s, "capacity", &p->capacity_bytes, e) < 0)
		return -1;
	return 0;
}

int dram_new(const struct exec *x, const struct dram_params *p, uint64_t seed, struct backend *out, struct err *e)
{
	if (!(p->bps > 0) || isinf(p->bps))
		return err_set(e, ERR_INPUT, "dram: bandwidth must be positive and finite");
	struct nvme_params np;
	memset(&np, 0, sizeof np);
	np.name = p->name ? p->name : "dram";
	np.drives = 1;
	np.stripe_bytes = UINT64_C(1) << 62;
	np.read_bps = np.write_bps = p->bps;
	np.iops_burst = 1;
	np.parallelism = p->parallelism;
	np.read_latency_ns = p->latency_ns;   /* copied by nvme_new */
	np.write_latency_ns = p->latency_ns;
	np.capacity_bytes = p->capacity_bytes;
	return nvme_new(x, &np, seed, out, e);
}
