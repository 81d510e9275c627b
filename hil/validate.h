/*
 * validate.h - the hardware validation suite (`afsim hil validate`): a
 * rig measured against its specification (the rig file's spec:, defaults
 * from docs/physics.md's targets), before a release.
 *
 * Measurements, in the order they run (docs/hil.md says what each means):
 *   lens switch         ms   mean of reps switches A <-> B              max
 *   focus move          ms   mean MOVE_Z + WAIT_SETTLED of a standard move max
 *   settle              ms   mean WAIT_SETTLED after a 0.1 um move       max
 *   z repeatability     um   sd of the encoder over reps approaches      max
 *   backlash            um   mean reversal error of approach pairs       max
 *   encoder error       um   max |encoder - commanded| over reps targets max
 *   settled z           um   max |WAIT_SETTLED_Z - GET_Z right after| over
 *                            max(8, reps) moves of 0.1, 1, standard and
 *                            2 x standard um up and down (a rig that
 *                            announces "settled_z"; SKIPPED otherwise)   max
 *   frame rate          Hz   3 x reps frames back to back                min
 *   frame jitter        ms   sd of the intervals of their timestamps     max
 *   exposure linearity  %    largest deviation of 5 exposures' signal
 *                            from a straight line                        max
 *   dark noise          ADU  temporal noise at the shortest exposure,
 *                            darkest 10 % of the pixels, as 16-bit ADU   max
 *   temperature noise   C    sd of 2 x reps readings                     max
 *   temperature         C    their mean, every reading in range          range
 *   handoff             ms   mean of max(3, reps/2) A -> B handoffs after
 *                            an autofocus on A (no calibration)          max
 *   mapping error       um   the largest of those handoffs'              max
 *
 * Outcomes: FAIL beyond a limit; MARGINAL inside it but within margin_pct
 * of it (of the limit; of the range's width for a range); PASS; SKIPPED
 * when the rig lacks what the measurement is about (an optional verb it
 * does not announce: not a pass, not counted against it); ERROR when
 * the rig misbehaved (a HAL error: a timeout, a garbled or missing reply,
 * a hardware fault; or the measurement running past phase_timeout_s),
 * with its message; the other measurements still run, each on a
 * connection opened again when the last one was lost.  An engine that finds
 * no focus (ENOFOCUS, EMAPPING) is a FAIL of the handoff: the rig answered.
 *
 * The stage moves at most 2 x standard_move_um + 5 um either side of
 * where it starts (kept inside the rig file's travel) and is put back
 * there at the end, with the lens it started on and the exposure it had.
 */
#ifndef HIL_VALIDATE_H
#define HIL_VALIDATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hil/rigfile.h"

#define HIL_VAL_ITEMS 15
#define HIL_VAL_REPS_DEFAULT 10u
#define HIL_VAL_REPS_MIN 3u
#define HIL_VAL_REPS_MAX 1000u

typedef enum hil_val_outcome {
	HIL_VAL_PASS,
	HIL_VAL_MARGINAL,
	HIL_VAL_FAIL,
	HIL_VAL_ERROR,
	HIL_VAL_SKIPPED,
	HIL_VAL_OUTCOMES
} hil_val_outcome;

/* "PASS", "MARGINAL", "FAIL", "ERROR", "SKIPPED". */
const char *hil_val_outcome_name(hil_val_outcome o);

/*
 * The outcome of value v against the limits lo (NaN: none) and hi (NaN:
 * none): FAIL outside, MARGINAL within margin_pct % of the limit (of hi
 * - lo with both), else PASS; ERROR for a v that is not a number.
 */
hil_val_outcome hil_val_judge(double v, double lo, double hi, double margin_pct);

typedef struct hil_val_item {
	char name[24];         /* "lens switch" */
	char unit[8];          /* "ms", "um", "Hz", "%", "ADU", "C" */
	double value;          /* NaN when ERROR or SKIPPED */
	double lo, hi;         /* limits, NaN: none */
	double margin_pct;
	double sd;             /* spread of the repetitions, NaN: none */
	uint32_t n;            /* repetitions behind value */
	double duration_ms;    /* wall time of its measurement */
	hil_val_outcome outcome;
	char detail[1024];     /* how it was measured, the error, or why skipped */
} hil_val_item;

typedef struct hil_val_opts {
	uint32_t reps;                       /* HIL_VAL_REPS_MIN..MAX (0: default 10) */
	const volatile sig_atomic_t *stop;   /* non-zero: stop (the rest ERROR "interrupted") */
	/* Called for each measurement as it is judged (printing as it goes). */
	void (*on_item)(void *user, const hil_val_item *it);
	void *user;
} hil_val_opts;

typedef struct hil_val_result {
	hil_val_item items[HIL_VAL_ITEMS];
	size_t n;
	size_t count[HIL_VAL_OUTCOMES];      /* items per outcome */
	uint32_t reps;
	char identity[200];                  /* the rig's greeting ("" never reached) */
	uint32_t reconnects;                 /* connections opened again after a loss */
	double wall_s;
} hil_val_result;

/*
 * Validate the rig of rf against rf->spec: connect (rf's transport and
 * camera), measure, judge, leave the rig as it was found.  Always fills
 * every item of r (an item the suite could not measure is ERROR with the
 * reason, "cannot connect ..." included); o may be NULL (defaults).
 */
void hil_validate(const hil_rig_file *rf, const hil_val_opts *o, hil_val_result *r);

/* The overall status: "error" with an ERROR, else "failed" with a FAIL,
 * else "marginal" with a MARGINAL, else "passed" (a SKIPPED item counts
 * for none of them). */
const char *hil_val_status(const hil_val_result *r);

#endif /* HIL_VALIDATE_H */
