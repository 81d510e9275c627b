/*
 * fault.c - the fault schedule.
 */
#include "fault.h"

#include <stdlib.h>
#include <string.h>

#include "engine/af_hal.h"

/* Physics kinds then rig-level kinds: index = kind. */
static const char *const fault_names[] = {
#define SIM_FAULT_STR_(name, str) str,
	SIM_FAULT_MAP(SIM_FAULT_STR_)
	SIM_RIG_FAULT_MAP(SIM_FAULT_STR_)
#undef SIM_FAULT_STR_
};

_Static_assert(sizeof fault_names / sizeof fault_names[0] == SIM_FAULT_ALL_COUNT,
	       "one name per fault kind");

const char *sim_fault_name(sim_fault_kind kind)
{
	if ((unsigned)kind >= SIM_FAULT_ALL_COUNT)
		return NULL;
	return fault_names[kind];
}

int sim_fault_parse(const char *s)
{
	for (int i = 0; i < (int)SIM_FAULT_ALL_COUNT; i++)
		if (strcmp(s, fault_names[i]) == 0)
			return i;
	return -1;
}

static const char *const hal_op_names[] = {
#define SIM_HAL_OP_STR_(name, str) str,
	SIM_HAL_OP_MAP(SIM_HAL_OP_STR_)
#undef SIM_HAL_OP_STR_
};

_Static_assert(sizeof hal_op_names / sizeof hal_op_names[0] == SIM_HAL_OP_COUNT,
	       "one name per HAL op");

const char *sim_hal_op_name(int op)
{
	return op >= 0 && op < (int)SIM_HAL_OP_COUNT ? hal_op_names[op] : NULL;
}

int sim_hal_op_parse(const char *s)
{
	for (int i = 0; i < (int)SIM_HAL_OP_COUNT; i++)
		if (strcmp(s, hal_op_names[i]) == 0)
			return i;
	return -1;
}

bool sim_fault_is_rig_level(int kind)
{
	return kind >= (int)SIM_FAULT_KIND_COUNT && kind < (int)SIM_FAULT_ALL_COUNT;
}

void sim_fault_defaults(sim_fault *f)
{
	if ((int)f->kind == SIM_FAULT_SLOW_REPLY) {
		if (f->duration_ms <= 0.0)
			f->duration_ms = 5000.0;
		return;
	}
	if ((int)f->kind == SIM_FAULT_CAMERA_DELAY || (int)f->kind == SIM_FAULT_CAMERA_INCOMPLETE) {
		if (f->count == 0)
			f->count = 1;
		if ((int)f->kind == SIM_FAULT_CAMERA_DELAY && f->duration_ms <= 0.0)
			f->duration_ms = 200.0;
		if ((int)f->kind == SIM_FAULT_CAMERA_INCOMPLETE && f->factor <= 0.0)
			f->factor = 0.5;
		return;
	}
	if (sim_fault_is_rig_level((int)f->kind))
		return;
	switch (f->kind) {
	case SIM_FAULT_STAGE_STALL:
		if (f->duration_ms <= 0.0)
			f->duration_ms = 40.0;
		break;
	case SIM_FAULT_STAGE_LOST_STEPS:
		if (f->count == 0)
			f->count = 20;
		break;
	case SIM_FAULT_STAGE_EARLY_NOT_BUSY:
		if (f->factor <= 0.0)
			f->factor = 0.5;
		break;
	case SIM_FAULT_CAMERA_DROP:
	case SIM_FAULT_CAMERA_STALE:
		if (f->count == 0)
			f->count = 1;
		break;
	case SIM_FAULT_CAMERA_SATURATE:
		if (f->count == 0)
			f->count = 1;
		if (f->factor <= 0.0)
			f->factor = 20.0;
		break;
	case SIM_FAULT_TURRET_SLOW:
		if (f->factor <= 0.0)
			f->factor = 5.0;
		break;
	case SIM_FAULT_SENSOR_GLITCH:
		if (f->delta_c == 0.0)
			f->delta_c = 3.0;
		if (f->duration_s <= 0.0)
			f->duration_s = 20.0;
		break;
	case SIM_FAULT_HAL_ERROR:
		if (f->count == 0 && f->at_call)
			f->count = 1;
		break;
	case SIM_FAULT_TURRET_JAM:
	case SIM_FAULT_TURRET_WRONG_POSITION:
	case SIM_FAULT_KIND_COUNT:
		break;
	}
}

const char *sim_fault_check(const sim_fault *f)
{
	if (f->kind != SIM_FAULT_HAL_ERROR)
		return NULL;
	if (!sim_hal_op_name(f->hal_op))
		return "a hal_error fault needs the HAL op it breaks";
	/* a code of af_hal.h's table but AF_OK */
	if (f->code >= 0 || strcmp(af_err_name(f->code), "EUNKNOWN") == 0)
		return "a hal_error fault needs an error code of af_hal.h (EIO, EHW, ...)";
	if ((f->at_call == 0) == (f->every_nth == 0))
		return "a hal_error fault needs exactly one of at_call and every_nth";
	return NULL;
}

bool sim_fault_hal_error_due(const sim_fault *f, uint64_t calls)
{
	uint64_t k = calls - f->calls_at_fire;   /* this call's number since the firing */

	if (calls <= f->calls_at_fire)
		return false;
	if (f->at_call)
		return k >= f->at_call && k - f->at_call < (f->count ? f->count : 1);
	return k % f->every_nth == 0 && (f->count == 0 || k / f->every_nth <= f->count);
}

void sim_fault_schedule_init(sim_fault_schedule *s)
{
	memset(s, 0, sizeof *s);
}

void sim_fault_schedule_release(sim_fault_schedule *s)
{
	free(s->faults);
	memset(s, 0, sizeof *s);
}

int sim_fault_schedule_add(sim_fault_schedule *s, const sim_fault *f)
{
	if (s->count == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 8;
		sim_fault *nf;

		if (ncap > SIZE_MAX / sizeof *nf)
			return -1;
		nf = realloc(s->faults, ncap * sizeof *nf);
		if (!nf)
			return -1;
		s->faults = nf;
		s->cap = ncap;
	}
	s->faults[s->count] = *f;
	s->faults[s->count].fired = false;
	sim_fault_defaults(&s->faults[s->count]);
	s->count++;
	return 0;
}

sim_fault *sim_fault_schedule_next_due(sim_fault_schedule *s, int64_t now_ns, int64_t op)
{
	for (size_t i = 0; i < s->count; i++) {
		sim_fault *f = &s->faults[i];

		if (f->fired)
			continue;
		if ((f->at_ns >= 0 && now_ns >= f->at_ns) || (f->at_op >= 0 && op >= f->at_op)) {
			f->fired = true;
			return f;
		}
	}
	return NULL;
}

int64_t sim_fault_schedule_next_time(const sim_fault_schedule *s)
{
	int64_t t = INT64_MAX;

	for (size_t i = 0; i < s->count; i++)
		if (!s->faults[i].fired && s->faults[i].at_ns >= 0 && s->faults[i].at_ns < t)
			t = s->faults[i].at_ns;
	return t;
}
