/*
 * fld_dump.h - a field log in words: one line per call and per operation
 * (used by the replay's reports) and the whole log as text
 * (`afsim replay --dump`).
 *
 * Arguments print with 17 significant digits, so two calls that differ in
 * any bit of a double print differently.
 */
#ifndef FLD_DUMP_H
#define FLD_DUMP_H

#include <stdio.h>

#include "field/fld_log.h"

/* "move_z(2.5 um)", "get_z() -> 2.4999 um", "grab_frame(...) -> ETIMEDOUT: ...". */
void fld_describe_call(const fld_call *c, char *buf, size_t n);
/* "handoff A->B from 2.5 um: ok, predicted ..., found ..., 5 frames, 231.4 ms". */
void fld_describe_op(const fld_op *o, char *buf, size_t n);
/* The value of configuration field f of c, as a scenario would write it. */
void fld_config_value(const af_engine_config *c, const af_log_field *f, char *buf, size_t n);

/* The header, the configuration, every operation and call, one per line. */
void fld_dump(const fld_log *l, FILE *out);

#endif /* FLD_DUMP_H */
