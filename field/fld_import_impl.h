/*
 * fld_import_impl.h - what the two halves of the import share
 * (fld_import.c: the scenario from the log; fld_import_sim.c: the
 * simulations that place the setup faults and check the result).  Private
 * to field/fld_import*.c.
 */
#ifndef FLD_IMPORT_IMPL_H
#define FLD_IMPORT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "field/fld_fit.h"
#include "field/fld_import.h"
#include "field/fld_log.h"
#include "field/fld_steps.h"
#include "sim/fault.h"
#include "sim/scenario.h"

/* A fault inferred from the log, before it is placed. */
typedef struct pending_fault {
	sim_fault f;               /* at_op set for a fault inside an operation */
	size_t step;               /* index in imp.steps.v */
	bool setup;                /* in the handoff's setup: at_ns from a simulation */
	size_t call;               /* the call it acts on (l->calls index) */
	size_t shown;              /* the call that shows it (a wrong lens: the get_lens after) */
	int anchor_op;             /* its HAL op (AF_LOG_CALL_*) */
	uint32_t nth;              /* setup: it is the nth call of that op in the setup */
} pending_fault;

typedef struct imp {
	const fld_log *l;
	const fld_import_opts *o;
	fld_import_report *rep;
	const char *log_name, *out_path;
	fld_steps steps;
	fld_fit fit;
	sim_scenario sc;           /* the scenario being made (owns its arrays) */
	pending_fault *pf;
	size_t nf, capf;
	size_t last_select;        /* the last select_lens call that succeeded */
} imp;

/* The faults into m->sc: all but the setup faults after the first
 * n_placed.  0 or -1 (memory). */
int fld_imp_set_faults(imp *m, size_t n_placed);

/* Place each setup fault at the time its call is made in a simulation of
 * the scenario with the faults before it.  0, or -1 with err. */
int fld_imp_place_setup_faults(imp *m, char *err, size_t errlen);

/* Run the written scenario (loaded back from m->out_path) in simulation
 * and compare its failures with the log's: m->rep->checked, sim_failed,
 * notes.  0, or -1 with err (it does not load, it cannot run). */
int fld_imp_check(imp *m, char *err, size_t errlen);

#endif /* FLD_IMPORT_IMPL_H */
