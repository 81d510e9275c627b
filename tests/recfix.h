/*
 * recfix.h - fixtures for the flight recorder's tests: a memory sink, and
 * field logs recorded on the simulated rig (field/fld_sim.h) and read back.
 * Header-only (static functions), like rigfix.h.
 */
#ifndef TESTS_RECFIX_H
#define TESTS_RECFIX_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_rec.h"
#include "field/fld_log.h"
#include "field/fld_sim.h"

/* The tests' memory sink (field/fld_sim.h). */
typedef fld_mem memsink;

static inline af_rec_sink memsink_sink(memsink *m)
{
	af_rec_sink s = { fld_mem_write, m };

	return s;
}

static inline void memsink_release(memsink *m)
{
	fld_mem_release(m);
}

/* The tests' plan: the default program, n handoffs, the tests' faults
 * when `faults` (f must hold FLD_SIM_FAULTS). */
static inline fld_sim_plan recfix_plan(uint32_t handoffs, bool faults, sim_fault *f)
{
	fld_sim_plan p;

	fld_sim_plan_default(&p);
	p.handoffs = handoffs;
	if (faults) {
		fld_sim_faults(f);
		p.faults = f;
		p.nfaults = FLD_SIM_FAULTS;
	}
	return p;
}

/* Record the plan into m (ro NULL: the defaults) and read the log back. */
static inline fld_log *recfix_record(const fld_sim_plan *p, const af_rec_options *ro,
				     memsink *m, fld_sim_out *out)
{
	af_rec_options def;
	af_rec_sink sink = memsink_sink(m);
	char err[FLD_ERR_MAX];
	fld_log *l = NULL;

	if (!ro) {
		af_rec_options_default(&def);
		def.rig_id = "test rig";
		ro = &def;
	}
	ck_assert_msg(fld_sim_run(p, ro, &sink, out, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(fld_log_parse(m->p, m->len, "test.aflog", &l, err, sizeof err) == 0, "%s",
		      err);
	return l;
}

#endif /* TESTS_RECFIX_H */
