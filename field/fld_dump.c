/*
 * fld_dump.c - a field log in words (fld_dump.h).
 */
#include "fld_dump.h"

#include <inttypes.h>
#include <string.h>

static const char *lens_str(int32_t l)
{
	return l == AF_LENS_A ? "A" : l == AF_LENS_B ? "B" : "?";
}

/* The arguments of c, "(...)". */
static void call_args(const fld_call *c, char *b, size_t n)
{
	switch (c->op) {
	case AF_LOG_CALL_SELECT_LENS:
		if (c->lens == AF_LENS_A || c->lens == AF_LENS_B)
			snprintf(b, n, "(%s)", lens_str(c->lens));
		else
			snprintf(b, n, "(%" PRId32 ")", c->lens);
		break;
	case AF_LOG_CALL_MOVE_Z: snprintf(b, n, "(%.17g um)", c->z_um); break;
	case AF_LOG_CALL_WAIT_SETTLED:
	case AF_LOG_CALL_WAIT_SETTLED_Z: snprintf(b, n, "(%" PRIu32 " ms)", c->u32); break;
	case AF_LOG_CALL_SLEEP_US:
	case AF_LOG_CALL_SET_EXPOSURE_US: snprintf(b, n, "(%" PRIu32 " us)", c->u32); break;
	case AF_LOG_CALL_GRAB_FRAME:
		snprintf(b, n, "(buffer %" PRIu64 " px)", c->capacity_px);
		break;
	case AF_LOG_CALL_SET_ROI:
		snprintf(b, n, "(%" PRIu32 "x%" PRIu32 " at %" PRIu32 ",%" PRIu32 ")", c->roi.width,
			 c->roi.height, c->roi.x, c->roi.y);
		break;
	case AF_LOG_CALL_SITE:
		snprintf(b, n, "(%" PRIu32 ", %.17g um)", c->u32, c->z_um);
		break;
	default: snprintf(b, n, "()"); break;
	}
}

static void frame_words(const fld_frame *f, char *b, size_t n)
{
	static const char *const where[] = { "not kept", "kept", "held", "too large to keep" };
	int k = snprintf(b, n, "%" PRIu32 "x%" PRIu32 " seq %" PRIu64 " digest %016" PRIx64
			 " mean %.1f min %u max %u", f->width, f->height, f->seq, f->digest, f->mean,
			 f->min, f->max);

	if (k < 0 || (size_t)k >= n)
		return;
	if (f->has_score)
		k += snprintf(b + k, n - (size_t)k, " score %s/%" PRIu32 " %.17g",
			      af_measure_name((af_measure_kind)f->measure) ?
			      af_measure_name((af_measure_kind)f->measure) : "?", f->stride, f->score);
	if (k >= 0 && (size_t)k < n)
		snprintf(b + k, n - (size_t)k, ", pixels %s",
			 f->data ? "kept" : where[f->px >= 0 && f->px <= 3 ? f->px : 0]);
}

void fld_describe_call(const fld_call *c, char *buf, size_t n)
{
	char args[96], res[320];

	call_args(c, args, sizeof args);
	if (c->rc != AF_OK) {
		snprintf(res, sizeof res, " -> %s: %.*s", af_err_name(c->rc), (int)c->msg_len, c->msg);
	} else {
		switch (c->op) {
		case AF_LOG_CALL_GET_LENS: snprintf(res, sizeof res, " -> %s", lens_str(c->out_lens)); break;
		case AF_LOG_CALL_GET_Z:
		case AF_LOG_CALL_WAIT_SETTLED_Z:
			snprintf(res, sizeof res, " -> %.17g um", c->out_f64);
			break;
		case AF_LOG_CALL_READ_TEMPERATURE:
			snprintf(res, sizeof res, " -> %.17g C", c->out_f64);
			break;
		case AF_LOG_CALL_NOW_US: snprintf(res, sizeof res, " -> %" PRId64 " us", c->out_t_us); break;
		case AF_LOG_CALL_GET_EXPOSURE_US:
			snprintf(res, sizeof res, " -> %" PRIu32 " us", c->out_u32);
			break;
		case AF_LOG_CALL_GET_ROI:
			snprintf(res, sizeof res, " -> %" PRIu32 "x%" PRIu32 " at %" PRIu32 ",%" PRIu32,
				 c->out_roi.width, c->out_roi.height, c->out_roi.x, c->out_roi.y);
			break;
		case AF_LOG_CALL_Z_BUSY: snprintf(res, sizeof res, " -> %s", c->out_busy ? "busy" : "idle"); break;
		case AF_LOG_CALL_GRAB_FRAME: {
			char fw[288];

			frame_words(&c->frame, fw, sizeof fw);
			snprintf(res, sizeof res, " -> %s", fw);
			break;
		}
		default: snprintf(res, sizeof res, " -> ok"); break;
		}
	}
	snprintf(buf, n, "%s%s%s", af_log_call_name(c->op) ? af_log_call_name(c->op) : "?", args,
		 res);
}

static const char *rc_words(int rc)
{
	return rc == AF_OK ? "ok" : af_err_name(rc);
}

void fld_describe_op(const fld_op *o, char *buf, size_t n)
{
	const char *name = af_log_op_name(o->kind) ? af_log_op_name(o->kind) : "?";
	char args[128], res[AF_MSG_MAX + 160];

	switch (o->kind) {
	case AF_LOG_OP_HANDOFF:
		snprintf(args, sizeof args, " %s->%s from %.6g um", lens_str(o->lens), lens_str(o->to),
			 o->z_um);
		break;
	case AF_LOG_OP_AUTOFOCUS:
		snprintf(args, sizeof args, " lens %s near %.6g um", lens_str(o->lens), o->z_um);
		break;
	case AF_LOG_OP_GOTO:
		snprintf(args, sizeof args, " lens %s to %.6g um", lens_str(o->lens), o->z_um);
		break;
	case AF_LOG_OP_CALIBRATE:
		if (o->has_plan)
			snprintf(args, sizeof args, " %" PRIu32 " sites %.6g..%.6g um, %" PRIu32 " passes%s",
				 o->plan.points, o->plan.from_um, o->plan.to_um, o->plan.passes,
				 o->plan.measure_backlash ? ", backlash" : "");
		else
			snprintf(args, sizeof args, " without a plan");
		break;
	case AF_LOG_OP_SET_LEVEL:
		snprintf(args, sizeof args, " %s", af_level_name((af_level)o->level) ?
			 af_level_name((af_level)o->level) : "?");
		break;
	case AF_LOG_OP_SET_THERMAL: snprintf(args, sizeof args, " %s", o->on ? "on" : "off"); break;
	default: args[0] = '\0'; break;
	}
	if (!o->ended) {
		snprintf(res, sizeof res, "the log ends inside it");
	} else if (o->kind == AF_LOG_OP_HANDOFF) {
		const af_handoff_result *h = &o->res.handoff;

		snprintf(res, sizeof res, "%s, predicted %.4f um, found %.4f um, %" PRIu32 " frames, "
			 "%.1f ms%s%s%s", rc_words(o->rc), h->predicted_um, h->found_um, h->frames,
			 h->phase_ms[AF_PHASE_TOTAL], h->cache_hit ? ", cache hit" : "",
			 o->rc ? ": " : "", o->rc ? h->message : "");
	} else if (o->kind == AF_LOG_OP_AUTOFOCUS) {
		const af_focus_result *f = &o->res.focus;

		snprintf(res, sizeof res, "%s, at %.4f um, %" PRIu32 " frames, %.1f ms%s%s",
			 rc_words(o->rc), f->z_um, f->frames, f->ms, o->rc ? ": " : "",
			 o->rc ? f->message : "");
	} else if (o->kind == AF_LOG_OP_CALIBRATE) {
		const af_calib_report *c = &o->res.calib;

		snprintf(res, sizeof res, "%s, %zu sites, %s order %d, rms %.4f um, %" PRIu32 " frames, "
			 "%.1f ms%s%s", rc_words(o->rc), c->points,
			 af_mapping_model_name(c->mapping.model) ? af_mapping_model_name(c->mapping.model)
								  : "?", c->mapping.order,
			 c->mapping.rms_um, c->frames, c->ms, o->rc ? ": " : "", o->rc ? c->message : "");
	} else {
		snprintf(res, sizeof res, "%s%s%s", rc_words(o->rc), o->rc ? ": " : "",
			 o->rc ? o->res.message : "");
	}
	snprintf(buf, n, "op %" PRIu32 " %s%s: %s", o->index, name, args, res);
}

static const char *enum_name(const af_log_field *f, int v)
{
	static const char *const modes[] = { "scan", "probe" };
	static const char *const fits[] = { "parabola", "gaussian" };
	size_t len = strlen(f->name);

	if (strcmp(f->name, "optimization") == 0)
		return af_level_name((af_level)v);
	if (strcmp(f->name, "mapping.model") == 0)
		return af_mapping_model_name((af_mapping_model)v);
	if (len >= 8 && strcmp(f->name + len - 8, ".measure") == 0)
		return af_measure_name((af_measure_kind)v);
	if (len >= 5 && strcmp(f->name + len - 5, ".mode") == 0)
		return v == 0 || v == 1 ? modes[v] : NULL;
	if (len >= 4 && strcmp(f->name + len - 4, ".fit") == 0)
		return v == 0 || v == 1 ? fits[v] : NULL;
	return NULL;
}

void fld_config_value(const af_engine_config *c, const af_log_field *f, char *buf, size_t n)
{
	const unsigned char *p = (const unsigned char *)c + f->offset;
	double d;
	uint32_t u;
	size_t z;
	bool b;
	int e;

	switch (f->type) {
	case AF_LOG_T_F64: memcpy(&d, p, sizeof d); snprintf(buf, n, "%.17g", d); break;
	case AF_LOG_T_U32: memcpy(&u, p, sizeof u); snprintf(buf, n, "%" PRIu32, u); break;
	case AF_LOG_T_SIZE: memcpy(&z, p, sizeof z); snprintf(buf, n, "%zu", z); break;
	case AF_LOG_T_BOOL: memcpy(&b, p, sizeof b); snprintf(buf, n, "%s", b ? "true" : "false"); break;
	case AF_LOG_T_ENUM:
		memcpy(&e, p, sizeof e);
		if (enum_name(f, e))
			snprintf(buf, n, "%s", enum_name(f, e));
		else
			snprintf(buf, n, "%d", e);
		break;
	}
}

void fld_dump(const fld_log *l, FILE *out)
{
	const fld_header *h = &l->hdr;
	size_t nf, op = 0;
	const af_log_field *f = af_log_config_fields(&nf);
	char line[1024];

	fprintf(out, "field log %s: format %" PRIu32 ", engine %s, build '%s', rig '%s', hal '%s' "
		"version %" PRIu32 "\n", l->name, h->version, h->engine_version, h->build_id,
		h->rig_id, h->hal_name, h->hal_version);
	fprintf(out, "optional ops:%s%s%s%s%s%s; pixels: ",
		h->optional_ops & AF_LOG_HAS_SET_EXPOSURE ? " set_exposure_us" : "",
		h->optional_ops & AF_LOG_HAS_GET_EXPOSURE ? " get_exposure_us" : "",
		h->optional_ops & AF_LOG_HAS_SET_ROI ? " set_roi" : "",
		h->optional_ops & AF_LOG_HAS_GET_ROI ? " get_roi" : "",
		h->optional_ops & AF_LOG_HAS_Z_BUSY ? " z_busy" : "",
		h->optional_ops & AF_LOG_HAS_WAIT_SETTLED_Z ? " wait_settled_z" : "");
	if (h->keep_last_n_ops)
		fprintf(out, "the last %" PRIu32 " operations", h->keep_last_n_ops);
	else
		fprintf(out, "every frame");
	fprintf(out, "; clock stamps %s\n", h->flags & AF_LOG_FLAG_STAMPS ? "on" : "off");
	fprintf(out, "%zu records, %zu operations, %zu calls, %" PRIu64 " frames (%" PRIu64
		" with pixels), %s\n", l->records, l->nops, l->ncalls, l->frames, l->frames_kept,
		l->closed ? "closed" : "not closed (the recording stopped before its end)");
	if (l->torn)
		fprintf(out, "warning: %s\n", l->warning);
	if (l->has_config) {
		fprintf(out, "engine configuration:\n");
		for (size_t i = 0; i < nf; i++) {
			fld_config_value(&l->config, &f[i], line, sizeof line);
			fprintf(out, "  %s = %s\n", f[i].name, line);
		}
	}
	for (size_t i = 0; i < l->ncalls || op < l->nops; ) {
		/* operations in order, each before its calls */
		if (op < l->nops && (i >= l->ncalls || l->ops[op].first_call <= i)) {
			fld_describe_op(&l->ops[op], line, sizeof line);
			fprintf(out, "%s\n", line);
			op++;
			continue;
		}
		fld_describe_call(&l->calls[i], line, sizeof line);
		if (l->calls[i].stamped)
			fprintf(out, "  call %" PRIu64 " %s [%" PRId64 "..%" PRId64 " us]\n",
				l->calls[i].index, line, l->calls[i].t0_us, l->calls[i].t1_us);
		else
			fprintf(out, "  call %" PRIu64 " %s\n", l->calls[i].index, line);
		i++;
	}
}
