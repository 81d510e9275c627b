/*
 * emulfix.h - a test fixture: the rig emulator serving in a thread of the
 * test (hil_emul_serve until a pipe is written), the world of a scenario
 * given as YAML, and bridges connected to it.  Header-only (static
 * functions) so each test file that needs it includes it.
 */
#ifndef TESTS_EMULFIX_H
#define TESTS_EMULFIX_H

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hil/bridge.h"
#include "hil/emul.h"
#include "sim/scenario.h"

#define MS 1000000LL

typedef struct emul_fix {
	sim_scenario scn;
	bool have_scn;
	hil_emul *e;
	int stop[2];
	pthread_t th;
	bool running;
	int ready_calls;
	char spec[HIL_TRANSPORT_TEXT_MAX];
} emul_fix;

static inline void on_ready(void *user, const char *spec)
{
	emul_fix *x = user;

	x->ready_calls++;
	snprintf(x->spec, sizeof x->spec, "%s", spec);
}

static inline void *serve_main(void *arg)
{
	emul_fix *x = arg;
	char err[256];

	if (hil_emul_serve(x->e, x->stop[0], err, sizeof err) != 0)
		fprintf(stderr, "emulator: %s\n", err);
	return NULL;
}

/* An emulator serving in a thread: the world of yaml (NULL: the default
 * rig), on loopback TCP or a pty, with its camera also a GigE Vision
 * device on 127.0.0.1 (genicam: call from a private network namespace);
 * the rest of its configuration from c (pacing, capabilities withheld,
 * what WAIT_SETTLED_Z answers), whose scenario, seed and ready callback
 * this sets. */
static inline void emul_up_config(emul_fix *x, const char *yaml, bool pty, bool genicam,
				  hil_emul_config c)
{
	char err[SIM_ERR_MAX];

	memset(x, 0, sizeof *x);
	if (yaml) {
		ck_assert_msg(sim_scenario_load_string("emul.yaml", yaml, strlen(yaml), &x->scn, err,
						       sizeof err) == 0, "%s", err);
		x->have_scn = true;
		c.scenario = &x->scn;
		c.seed = x->scn.seed;
	}
	c.on_ready = on_ready;
	c.user = x;
	x->e = hil_emul_new(&c, err, sizeof err);
	ck_assert_msg(x->e != NULL, "%s", err);
	ck_assert_int_eq(pty ? hil_emul_open_pty(x->e, err, sizeof err)
			     : hil_emul_listen_tcp(x->e, "127.0.0.1", 0, err, sizeof err), 0);
	if (genicam)
		ck_assert_msg(hil_emul_start_genicam(x->e, NULL, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(pipe(x->stop), 0);
	ck_assert_int_eq(pthread_create(&x->th, NULL, serve_main, x), 0);
	x->running = true;
	snprintf(x->spec, sizeof x->spec, "%s", hil_emul_spec(x->e));
}

/* As emul_up_config, with pacing or not and the capabilities `withhold`
 * (HIL_CAP_*) not offered (an older rig). */
static inline void emul_up_full(emul_fix *x, const char *yaml, bool pacing, bool pty,
				bool genicam, uint32_t withhold)
{
	hil_emul_config c;

	hil_emul_config_default(&c);
	c.pacing = pacing;
	c.withhold_caps = withhold;
	emul_up_config(x, yaml, pty, genicam, c);
}

static inline void emul_up_with(emul_fix *x, const char *yaml, bool pacing, bool pty,
				bool genicam)
{
	emul_up_full(x, yaml, pacing, pty, genicam, 0);
}

static inline void emul_up(emul_fix *x, const char *yaml, bool pacing, bool pty)
{
	emul_up_with(x, yaml, pacing, pty, false);
}

/* Stop the serving thread (the world stays for inspection). */
static inline void emul_stop(emul_fix *x)
{
	if (!x->running)
		return;
	ck_assert_int_eq(write(x->stop[1], "x", 1), 1);
	pthread_join(x->th, NULL);
	x->running = false;
}

static inline void emul_down(emul_fix *x)
{
	emul_stop(x);
	hil_emul_free(x->e);
	close(x->stop[0]);
	close(x->stop[1]);
	if (x->have_scn)
		sim_scenario_release(&x->scn);
}

static inline void bridge_cfg(const emul_fix *x, hil_bridge_config *c, uint32_t timeout_ms,
		       uint32_t retries)
{
	char spec[HIL_TRANSPORT_TEXT_MAX + 16], err[256];

	hil_bridge_config_default(c);
	c->name = "emul";
	snprintf(spec, sizeof spec, "%s%s", x->spec, strncmp(x->spec, "serial:", 7) == 0 ? "@115200" : "");
	ck_assert_msg(hil_transport_parse(spec, &c->transport, err, sizeof err) == 0, "%s", err);
	c->timeout_ms = timeout_ms;
	c->retries = retries;
}

static inline hil_bridge *connect_to(const emul_fix *x, uint32_t timeout_ms, uint32_t retries, af_hal *hal)
{
	hil_bridge_config c;
	char err[HIL_BRIDGE_ERR_MAX];
	hil_bridge *b;

	bridge_cfg(x, &c, timeout_ms, retries);
	b = hil_bridge_open(&c, err, sizeof err);
	ck_assert_msg(b != NULL, "%s", err);
	hil_bridge_bind(b, hal);
	return b;
}

static inline double ms_since(int64_t t0)
{
	return (double)(hil_now_ns() - t0) / 1e6;
}

static inline void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The engine's calibration sites on the emulator: PLACE over the bridge
 * (user: the hil_bridge). */
static inline int emul_put_site(void *user, uint32_t i, double z_um)
{
	(void)i;
	return hil_bridge_place(user, z_um);
}

/* A scenario of one fault (YAML flow mapping) and a step, for emul_up. */
static inline void fault_yaml(char *buf, size_t n, const char *fault)
{
	snprintf(buf, n, "scenario: link\nfaults:\n  - %s\nsteps:\n  - wait: {s: 1}\n", fault);
}

#endif /* TESTS_EMULFIX_H */
