/*
 * fld_engset.c - `--engine-set KEY=VALUE`: a scenario's engine key applied
 * to a recorded configuration (fld_replay.h).
 *
 * The scenario loader knows the keys' types, ranges and names but builds
 * its configuration from the defaults, and the log's table of configuration
 * fields knows where each key lives.  So the value is parsed by the loader
 * (a one-line scenario `engine: {a: {b: VALUE}}`), and the fields the key
 * names are copied from its configuration into the recorded one: every
 * engine key a scenario accepts, checked exactly as in a scenario, without
 * a second copy of the schema.
 */
#include <string.h>

#include "engine/af_rec_wire.h"
#include "field/fld_replay.h"
#include "sim/scenario.h"

/* --- engine overrides -------------------------------------------------- */

/* Values go into a one-line YAML document: only plain scalars. */
static bool plain(const char *v)
{
	if (!*v)
		return false;
	for (const char *c = v; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '.' || *c == '-' || *c == '+'))
			return false;
	return true;
}

int fld_engine_set(af_engine_config *cfg, const char *kv, char *err, size_t errlen)
{
	char key[128], doc[512], lerr[SIM_ERR_MAX];
	const char *eq = strchr(kv, '='), *val, *why;
	size_t nf, klen, matched = 0, pos, nclose = 0;
	const af_log_field *f = af_log_config_fields(&nf);
	sim_scenario s;
	int k;

	if (!eq || eq == kv || (klen = (size_t)(eq - kv)) >= sizeof key) {
		snprintf(err, errlen, "'%s': expected KEY=VALUE", kv);
		return -1;
	}
	memcpy(key, kv, klen);
	key[klen] = '\0';
	val = eq + 1;
	for (size_t i = 0; i < nf; i++)
		if (strcmp(f[i].name, key) == 0 ||
		    (strncmp(f[i].name, key, klen) == 0 && f[i].name[klen] == '.'))
			matched++;
	if (!matched) {
		snprintf(err, errlen, "%s: unknown engine key '%s' (the keys of a scenario's engine: "
			 "block, dotted: optimization, mapping.model, cache.size, "
			 "search.lens_b.fast.points, ...)", kv, key);
		return -1;
	}
	if (!plain(val)) {
		snprintf(err, errlen, "%s: the value must be a plain word or number", kv);
		return -1;
	}
	/* engine: {a: {b: VALUE}} */
	k = snprintf(doc, sizeof doc, "scenario: engine-set\nengine: {");
	pos = (size_t)k;
	for (const char *a = key, *dot; a; a = dot ? dot + 1 : NULL) {
		dot = strchr(a, '.');
		k = dot ? snprintf(doc + pos, sizeof doc - pos, "%.*s: {", (int)(dot - a), a)
			: snprintf(doc + pos, sizeof doc - pos, "%s: %s", a, val);
		pos += (size_t)k;
		nclose += dot ? 1 : 0;
	}
	for (size_t i = 0; i <= nclose; i++)
		doc[pos++] = '}';
	snprintf(doc + pos, sizeof doc - pos, "\nsteps:\n  - wait: {s: 1}\n");
	if (sim_scenario_load_string("--engine-set", doc, strlen(doc), &s, lerr, sizeof lerr) != 0) {
		/* "--engine-set:L:C: error: what": keep the what */
		why = strstr(lerr, "error: ");
		snprintf(err, errlen, "%s: %s", kv, why ? why + 7 : lerr);
		return -1;
	}
	for (size_t i = 0; i < nf; i++)
		if (strcmp(f[i].name, key) == 0 ||
		    (strncmp(f[i].name, key, klen) == 0 && f[i].name[klen] == '.'))
			memcpy((unsigned char *)cfg + f[i].offset,
			       (const unsigned char *)&s.engine + f[i].offset,
			       af_log_ftype_size(f[i].type));
	sim_scenario_release(&s);
	return 0;
}
