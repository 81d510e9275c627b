/*
 * fuzz_fieldlog.c - libFuzzer target for the field log reader and replay:
 * any bytes in, either a log or an error naming "fuzz.aflog: ..." out, and
 * never a crash, a leak or undefined behaviour.  `make fuzz` builds it with
 * clang (-fsanitize=fuzzer,address,undefined) and runs it on small logs of
 * the simulated rig as seed corpus.
 *
 * The first byte selects what else runs: bit 0 recomputes every record's
 * checksum before reading (otherwise nearly every mutation stops at the
 * CRC, and the decoders behind it are never reached); bit 1 replays a log
 * that loads (the engine on the replay HAL, driven by arbitrary answers).
 * A log that loads is also dumped as text and its kept frames decoded,
 * which must succeed (the reader checked them).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/af_rec_wire.h"
#include "field/fld_dump.h"
#include "field/fld_log.h"
#include "field/fld_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__asan_default_options(void);

/* Let an impossible allocation fail instead of aborting. */
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

static void fix_crcs(uint8_t *d, size_t n)
{
	size_t pos = AF_LOG_MAGIC_LEN + 4;

	while (n - pos >= AF_LOG_REC_HEAD && pos < n) {
		size_t len = (size_t)d[pos] | (size_t)d[pos + 1] << 8 | (size_t)d[pos + 2] << 16 |
			     (size_t)d[pos + 3] << 24;
		uint32_t crc;

		if (len > n - pos - AF_LOG_REC_HEAD || n - pos - AF_LOG_REC_HEAD - len < AF_LOG_REC_TAIL)
			break;
		crc = af_log_crc32c(0, d + pos, AF_LOG_REC_HEAD + len);
		for (int i = 0; i < 4; i++)
			d[pos + AF_LOG_REC_HEAD + len + (size_t)i] = (uint8_t)(crc >> (8 * i));
		pos += AF_LOG_REC_HEAD + len + AF_LOG_REC_TAIL;
	}
}

/* The engine sizes its buffers from what the HAL says (the region of
 * interest) and its configuration (the statistics window): replay only logs
 * that ask for buffers a test machine can give, as an instrument would. */
static bool modest(const fld_log *l)
{
	const size_t px_max = (size_t)1 << 22;

	if (l->config.stats_window > ((size_t)1 << 20))
		return false;
	for (size_t i = 0; i < l->ncalls; i++) {
		const fld_call *c = &l->calls[i];

		if (c->op == AF_LOG_CALL_GET_ROI && (size_t)c->out_roi.width * c->out_roi.height > px_max)
			return false;
		if (c->op == AF_LOG_CALL_GRAB_FRAME &&
		    ((size_t)c->frame.width * c->frame.height > px_max || c->capacity_px > px_max))
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	char err[FLD_ERR_MAX];
	fld_log *l = NULL;
	uint8_t *copy;
	int mode;

	if (size < 1)
		return 0;
	mode = data[0];
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if ((mode & 1) && size - 1 > AF_LOG_MAGIC_LEN + 4)
		fix_crcs(copy, size - 1);
	if (fld_log_parse(copy, size - 1, "fuzz.aflog", &l, err, sizeof err) != 0) {
		if (strncmp(err, "fuzz.aflog: ", 12) != 0)
			__builtin_trap();   /* every error names the log */
		free(copy);
		return 0;
	}
	if (!null)
		null = fopen("/dev/null", "w");
	if (null)
		fld_dump(l, null);
	for (size_t i = 0; i < l->ncalls; i++) {
		const fld_frame *f = &l->calls[i].frame;
		uint16_t *px;

		if (!f->data)
			continue;
		px = malloc((size_t)f->width * f->height * sizeof *px);
		if (px && fld_log_frame_pixels(f, px, (size_t)f->width * f->height) != 0)
			__builtin_trap();   /* the reader let a bad stream through */
		free(px);
	}
	if ((mode & 2) && l->has_config && !af_engine_config_check(&l->config) &&
	    modest(l)) {
		fld_replay_result r;

		fld_replay(l, &l->config, NULL, false, &r);
	}
	fld_log_free(l);
	free(copy);
	return 0;
}
