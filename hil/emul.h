/*
 * emul.h - the rig emulator: a stand-in for a physical rig that speaks the
 * rig protocol (proto.h) on loopback TCP or a pseudo-terminal and answers
 * every request with the simulated rig (sim/sim_hal.h), the same physics
 * models as the simulator, in real time.
 *
 * Real time: virtual time is paced to the wall clock.  Before a request the
 * emulated world catches up with the wall time elapsed since the first
 * client connected (sim_ctl_advance, closed form); the request runs on the
 * simulated HAL, which advances virtual time by what the action takes; the
 * reply leaves when the wall clock has caught up with virtual time.  So a
 * move takes as long as the stage model says, and a client polling Z_BUSY
 * sees the stage busy meanwhile.  Without pacing (a benchmark's option)
 * replies leave at once and virtual time moves only with the actions.
 *
 * The world (rig, room temperature, physics faults) comes from a scenario
 * (its steps are the client's business) or the default rig.  Rig-level
 * faults (sim/fault.h: link_drop, garbage, slow_reply, no_reply) break the
 * link instead: they are re-armed at every connection (on a serial line, at
 * every HELLO), at_s counting from it and at_op counting its requests.
 * Physics faults given at_op fire at the n-th request the emulator serves.
 *
 * One client at a time: a second TCP client gets "0 ERR EBUSY ..." naming
 * the holder, and is closed.  A malformed request gets "ERR EPROTO ..."
 * and the connection stays.  hil_emul_serve is a poll loop that ends when
 * stop_fd becomes readable (a signal handler's self-pipe, a test's pipe);
 * with a GenICam camera (hil_emul_start_genicam) frames are also rendered
 * on Aravis's camera thread, the world locked between the two.
 */
#ifndef HIL_EMUL_H
#define HIL_EMUL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hil/gvcam.h"
#include "sim/scenario.h"
#include "sim/sim_hal.h"

/* What the emulated rig's WAIT_SETTLED_Z reply carries. */
typedef enum hil_emul_settled_z {
	HIL_EMUL_SETTLED_Z_MEASURED,   /* the encoder, as the protocol asks */
	HIL_EMUL_SETTLED_Z_COMMANDED,  /* the target of the last MOVE_Z accepted (the
				        * encoder before any): a firmware fault that
				        * `afsim hil validate` ("settled z") catches */
} hil_emul_settled_z;

typedef struct hil_emul_config {
	const sim_scenario *scenario;  /* borrowed until hil_emul_free; NULL: the default rig */
	uint64_t seed;                 /* the world's seed */
	bool pacing;                   /* real time (true) or as fast as possible */
	const char *name;              /* the rig's name in HELLO (default "emul") */
	const char *ident;             /* its identity (default "afsim-emulator") */
	/* HIL_CAP_* bits not announced in HELLO, their verbs answered ENOTSUP:
	 * an older rig, for tests of the bridge's fallbacks (0: all) */
	uint32_t withhold_caps;
	hil_emul_settled_z settled_z;  /* default MEASURED */
	FILE *log;                     /* connections, faults, refusals; NULL: quiet */
	/* Every request and reply line with its time from the connection
	 * ("  12.345 < 7 GET_Z", "  21.002 > 7 OK 0.000000"); a frame's pixels
	 * as "(+32768 bytes)".  NULL: none. */
	FILE *trace;
	/* Called whenever the emulator starts listening (again, on a new
	 * pseudo-terminal after a link_drop): spec is "tcp:127.0.0.1:PORT" or
	 * "serial:/dev/pts/N". */
	void (*on_ready)(void *user, const char *spec);
	void *user;
} hil_emul_config;

/* Defaults: no scenario, seed 1, pacing on, every capability, WAIT_SETTLED_Z
 * measured, quiet. */
void hil_emul_config_default(hil_emul_config *c);

typedef struct hil_emul hil_emul;

/* A new emulator with its world built; NULL with err when the scenario's
 * rig cannot be built or out of memory. */
hil_emul *hil_emul_new(const hil_emul_config *cfg, char *err, size_t errlen);
/* Close the client, the listening socket or pty, and free the world; NULL
 * is a no-op. */
void hil_emul_free(hil_emul *e);

/* Listen on host:port (port 0: a free one).  0, or -1 with err. */
int hil_emul_listen_tcp(hil_emul *e, const char *host, uint16_t port, char *err, size_t errlen);
/* Open a pseudo-terminal and serve on it.  0, or -1 with err. */
int hil_emul_open_pty(hil_emul *e, char *err, size_t errlen);
/* Where it serves: "tcp:127.0.0.1:PORT", "serial:/dev/pts/N" ("" before). */
const char *hil_emul_spec(const hil_emul *e);

/*
 * Serve until stop_fd is readable (-1: never) or a fatal error.  0 on a
 * stop, -1 with err (listening socket or pty failed).  Calls on_ready
 * first.
 */
int hil_emul_serve(hil_emul *e, int stop_fd, char *err, size_t errlen);

/* The simulated rig, for a test's ground truth once serve has returned. */
sim_hal *hil_emul_sim(hil_emul *e);

typedef struct hil_emul_stats {
	uint64_t connections;   /* clients served */
	uint64_t refused;       /* turned away: busy, or during a link_drop */
	uint64_t requests;      /* request lines read */
	uint64_t bad_requests;  /* answered EPROTO */
	uint64_t swallowed;     /* not answered (no_reply) */
	uint64_t faults;        /* rig-level faults fired */
	uint64_t camera_frames; /* frames rendered for the GenICam camera */
	uint64_t camera_dropped;/* of those, dropped (camera_drop) */
} hil_emul_stats;

void hil_emul_get_stats(hil_emul *e, hil_emul_stats *out);

/*
 * Serve the emulated camera also as a GigE Vision device (--genicam):
 * Aravis's fake GigE Vision camera (hil/gvcam.h) on address (NULL:
 * "127.0.0.1"), whose frames are the simulated camera's, rendered at the
 * emulated stage position, lens, exposure and ROI at the moment the frame
 * is taken, with the same physics faults (camera_drop drops the GenICam
 * frame: no packet leaves).  The sensor, ROI, exposure and bit depth at
 * power-up are the simulated camera's (Mono16 for 16 bits).  Time: the
 * frame is rendered from the world caught up with the wall clock, and
 * leaves once the wall clock has reached the end of its exposure and
 * readout (at most 200 ms later: the camera's one thread also answers
 * GVCP).  The fake camera looks at its software trigger at 200 Hz, at
 * 1 kHz without pacing.  Rig-level camera faults (camera_delay, camera_incomplete,
 * camera_gone; sim/fault.h) act on it.  Call before hil_emul_serve; 0, or
 * -1 with err (no such interface, UDP port 3956 taken there).
 */
int hil_emul_start_genicam(hil_emul *e, const char *address, char *err, size_t errlen);
/* "genicam:127.0.0.1", what a rig file's camera names; "" without one. */
const char *hil_emul_camera_spec(const hil_emul *e);
/* The camera server (a test's faults, stop and start); NULL without one. */
hil_gvcam *hil_emul_gvcam(hil_emul *e);
/* Hold the world against the camera thread (a test reading the ground
 * truth of hil_emul_sim while a camera may still render). */
void hil_emul_lock(hil_emul *e);
void hil_emul_unlock(hil_emul *e);

#endif /* HIL_EMUL_H */
