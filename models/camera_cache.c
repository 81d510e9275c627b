/*
 * camera_cache.c - views kept for reuse (camera.h, mdl_view_take).
 *
 * Why: every place on the slide is its own field, so a simulated run makes
 * a view per lens and place, and sampling the specimen and building blur
 * levels is most of a run's time.  Places recur: a calibration site is
 * visited again, and in one process the scenarios of one seed (and reruns
 * of a scenario) put the same places under the same lenses.
 *
 * Why it is exact: a view is a pure function of its key, the arguments of
 * mdl_view_new (the three configs byte for byte, the ROI, the field's
 * position bit for bit); its samples and levels are filled lazily by pure
 * functions of that key, and rendering reads them without changing them.
 * So a cached view renders what a new one would, bit for bit.  Keys are
 * compared as bytes: two configs that differ only in padding or in the sign
 * of a zero are two keys (a view built twice), never one.
 *
 * The cache is one per process, the one piece of state the models share
 * (beside the normal table): a list of idle views, most recently given
 * back first, whose bytes stay within a budget (the oldest evicted).  A
 * taken view leaves the list and belongs to its taker alone, so a view is
 * never used by two at once, whatever the threads (the list has a mutex).
 * An idle view holds its samples and levels but not its scratch (about
 * half its bytes), which mdl_view_take makes again; over the budget, idle
 * views lose their levels before any view goes.  Taking walks the list
 * (a few hundred views at most), far cheaper than the view it finds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "models/camera.h"
#include "models/camera_impl.h"
#include "models/mdl.h"

/* 64 MiB: the scenario library run in one process reuses nearly as much
 * as with twice that, while a run that reuses little (every place new)
 * pays less for growing its heap (page faults, ~0.5 ms per MiB). */
#define DEFAULT_BUDGET_BYTES ((size_t)64 << 20)

static struct {
	mtx_t mu;
	mdl_view *head, *tail;   /* idle views, most recently given back first */
	/* The newest idle view whose levels were dropped for the budget, or
	 * NULL: levels go from the tail towards the head and views come in at
	 * the head, so the views from it to the tail have none left, and the
	 * next drop starts at the view before it. */
	mdl_view *bare;
	size_t views, bytes, budget;
	uint64_t hits, misses;
} cache;

static once_flag cache_once = ONCE_FLAG_INIT;
static int cache_ok;

static void cache_init(void)
{
	cache.budget = DEFAULT_BUDGET_BYTES;
	cache_ok = mtx_init(&cache.mu, mtx_plain) == thrd_success;
}

/* Lock the cache: 1, or 0 when there is none (its mutex could not be
 * made): then every view is new and every view given back is freed. */
static int lock(void)
{
	call_once(&cache_once, cache_init);
	if (!cache_ok || mtx_lock(&cache.mu) != thrd_success)
		return 0;
	return 1;
}

static void unlock(void)
{
	mtx_unlock(&cache.mu);
}

static void unlink_idle(mdl_view *v)
{
	if (cache.bare == v)
		cache.bare = v->idle_next;
	if (v->idle_prev)
		v->idle_prev->idle_next = v->idle_next;
	else
		cache.head = v->idle_next;
	if (v->idle_next)
		v->idle_next->idle_prev = v->idle_prev;
	else
		cache.tail = v->idle_prev;
	v->idle_prev = v->idle_next = NULL;
	cache.views--;
	cache.bytes -= mdl_view_bytes(v);
}

/* Bring the idle views within the budget: first their blur levels go,
 * oldest view first (a view's samples are worth more per byte: they cost
 * several times what its levels cost to make again, in a fifth of the
 * bytes), then the oldest views themselves; returned as a list
 * (idle_next) for the caller to free outside the lock. */
static mdl_view *evict_over_budget(void)
{
	mdl_view *out = NULL;

	for (mdl_view *v = cache.bare ? cache.bare->idle_prev : cache.tail;
	     v && cache.bytes > cache.budget; v = v->idle_prev) {
		cache.bytes -= mdl_view_bytes(v);
		for (int l = 0; l < v->layers; l++)
			mdl_defocus_drop_levels(v->stack[l]);
		cache.bytes += mdl_view_bytes(v);
		cache.bare = v;
	}
	while (cache.tail && cache.bytes > cache.budget) {
		mdl_view *v = cache.tail;

		unlink_idle(v);
		v->idle_next = out;
		out = v;
	}
	return out;
}

static void free_list(mdl_view *v)
{
	while (v) {
		mdl_view *next = v->idle_next;

		v->idle_next = NULL;
		mdl_view_free(v);
		v = next;
	}
}

static int same_key(const mdl_view *v, const mdl_lens_config *lens,
		    const mdl_specimen_config *spec, const mdl_camera_config *cam, uint32_t roi_x,
		    uint32_t roi_y, uint32_t roi_width, uint32_t roi_height, double field_x_um,
		    double field_y_um)
{
	return v->roi_x == roi_x && v->roi_y == roi_y && v->width == roi_width &&
	       v->height == roi_height &&
	       memcmp(&v->field_x_um, &field_x_um, sizeof field_x_um) == 0 &&
	       memcmp(&v->field_y_um, &field_y_um, sizeof field_y_um) == 0 &&
	       memcmp(&v->lens, lens, sizeof *lens) == 0 &&
	       memcmp(&v->spec, spec, sizeof *spec) == 0 && memcmp(&v->cam, cam, sizeof *cam) == 0;
}

mdl_view *mdl_view_take(const mdl_lens_config *lens, const mdl_specimen_config *spec,
			const mdl_camera_config *cam, uint32_t roi_x, uint32_t roi_y,
			uint32_t roi_width, uint32_t roi_height, double field_x_um,
			double field_y_um)
{
	mdl_view *v = NULL;

	if (lens && spec && cam && lock()) {
		for (v = cache.head; v; v = v->idle_next)
			if (same_key(v, lens, spec, cam, roi_x, roi_y, roi_width, roi_height,
				     field_x_um, field_y_um))
				break;
		if (v) {
			unlink_idle(v);
			cache.hits++;
		} else {
			cache.misses++;
		}
		unlock();
	}
	if (v) {
		if (mdl_camera_view_restore(v) == 0)
			return v;
		mdl_view_free(v);
		return NULL;
	}
	return mdl_view_new(lens, spec, cam, roi_x, roi_y, roi_width, roi_height, field_x_um,
			    field_y_um);
}

void mdl_view_give(mdl_view *v)
{
	mdl_view *evicted;

	if (!v)
		return;
	mdl_camera_view_trim(v);
	if (!lock()) {
		mdl_view_free(v);
		return;
	}
	v->idle_prev = NULL;
	v->idle_next = cache.head;
	if (cache.head)
		cache.head->idle_prev = v;
	else
		cache.tail = v;
	cache.head = v;
	cache.views++;
	cache.bytes += mdl_view_bytes(v);
	evicted = evict_over_budget();
	unlock();
	free_list(evicted);
}

void mdl_view_cache_clear(void)
{
	mdl_view *all = NULL;

	if (!lock())
		return;
	while (cache.tail) {
		mdl_view *v = cache.tail;

		unlink_idle(v);
		v->idle_next = all;
		all = v;
	}
	unlock();
	free_list(all);
}

void mdl_view_cache_set_budget(size_t bytes)
{
	mdl_view *evicted;

	if (!lock())
		return;
	cache.budget = bytes;
	evicted = evict_over_budget();
	unlock();
	free_list(evicted);
}

void mdl_view_cache_stats(mdl_view_cache_stat *st)
{
	memset(st, 0, sizeof *st);
	if (!lock())
		return;
	st->idle_views = cache.views;
	st->idle_bytes = cache.bytes;
	st->budget_bytes = cache.budget;
	st->hits = cache.hits;
	st->misses = cache.misses;
	unlock();
}
