#!/usr/bin/env python3
"""peer.py - afsim's frame model against its numpy/scipy peer, side by side.

The peer is what a user of the founding Python system would write for the
same frame model: blur the sharp specimen by the defocus (a Gaussian of the
lens's blur sigma, scipy.ndimage), expected electrons (signal + dark),
Poisson shot noise and Gaussian read noise (numpy's generator), clipping at
full well, offset + electrons / gain, rounding to the nearest ADU, clipping
to the ADC range; and the Brenner focus measure in numpy.  It renders the
same specimen afsim does: afsim's sharp image (ROI plus margin) is exported
by the driver program (bench/peer/frames.c) and blurred here.

First the statistics are checked on the same specimen (mean within 0.1 %,
Brenner within 1 %, averaged over frames at three defocus values).  Then
afsim's and the peer's frames per second are measured alternately, in
blocks of CPU time, for rendering alone and rendering + Brenner, at
128 x 128 and 512 x 512, and the medians compared.  The last lines are one
per case and size: "ratio render 128x128: 56.1x".

    python3 bench/peer/peer.py build/bench/peer/frames [--quick | --check]

--quick: shorter timing blocks; --check: the statistics check alone;
--signal-scale X: the peer's signal times X (tests/cli_peer.sh shows that
the check catches a 0.3 % difference).

Exit status 0, or 1 when a statistic differs beyond its tolerance, 3 when
the driver program fails.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy import ndimage

SIZES = (128, 512)
CHECK_DEFOCUS_INDEX = (17, 7, 3)   # 0, +1.2 and -2.1 um of the sweep
CHECK_FRAMES = 8
MEAN_TOL = 0.001
BRENNER_TOL = 0.01


class Driver:
    """afsim's side: the frames program behind its line protocol."""

    def __init__(self, path):
        self.proc = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)

    def ask(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer or answer.startswith("error"):
            raise RuntimeError("frames: %s" % (answer.strip() or "no answer to '%s'" % line))
        return answer

    def close(self):
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait()


class Peer:
    """The numpy/scipy frame model over afsim's exported sharp image."""

    def __init__(self, driver, side, tmpdir, signal_scale=1.0):
        path = os.path.join(tmpdir, "sharp%d.f32" % side)
        self.p = json.loads(driver.ask("export %d %s" % (side, path)))
        self.p["ke_per_emission"] *= signal_scale
        n = self.p["padded"]
        self.sharp = np.fromfile(path, dtype=np.float32).reshape(n, n).astype(np.float64)
        self.side = side
        self.m = self.p["margin"]
        self.rng = np.random.default_rng(7)

    def render(self, sigma_px):
        p, m, s = self.p, self.m, self.side
        blurred = ndimage.gaussian_filter(self.sharp, sigma_px, mode="reflect", truncate=3.5)
        lam = p["ke_per_emission"] * blurred[m:m + s, m:m + s] + p["dark_e"]
        e = self.rng.poisson(lam) + self.rng.normal(0.0, p["read_noise_e"], lam.shape)
        np.minimum(e, p["full_well_e"], out=e)
        adu = np.rint(p["offset_adu"] + e / p["gain_e_per_adu"])
        return np.clip(adu, 0, p["max_adu"]).astype(np.uint16)


def brenner(frame):
    """Brenner gradient as af_measure defines it, over the mean squared."""
    f = frame.astype(np.float64)
    c = f[:-2, :-2]
    dx = f[:-2, 2:] - c
    dy = f[2:, :-2] - c
    return (np.sum(dx * dx) + np.sum(dy * dy)) / c.size / f.mean() ** 2


def peer_fps(peer, seconds, with_brenner):
    """Frames per second of CPU time over the sweep, for at least seconds."""
    sigmas = peer.p["sigma_px"]
    n, t0 = 0, time.process_time()
    while True:
        for sigma in sigmas:
            frame = peer.render(sigma)
            if with_brenner:
                brenner(frame)
            n += 1
        t = time.process_time() - t0
        if t >= seconds:
            return n / t


def check(driver, peer):
    ok = True
    for k in CHECK_DEFOCUS_INDEX:
        dz, sigma = peer.p["defocus_um"][k], peer.p["sigma_px"][k]
        a_mean, a_bren = map(float, driver.ask("stats %d %.17g %d" % (peer.side, dz, CHECK_FRAMES)).split())
        frames = [peer.render(sigma) for _ in range(CHECK_FRAMES)]
        p_mean = float(np.mean([f.mean() for f in frames]))
        p_bren = float(np.mean([brenner(f) for f in frames]))
        d_mean, d_bren = abs(p_mean / a_mean - 1), abs(p_bren / a_bren - 1)
        good = d_mean <= MEAN_TOL and d_bren <= BRENNER_TOL
        ok &= good
        print("check %dx%d defocus %+.1f um: mean afsim %.2f peer %.2f (%.3f %%), "
              "brenner afsim %.5f peer %.5f (%.2f %%)  %s"
              % (peer.side, peer.side, dz, a_mean, p_mean, 100 * d_mean, a_bren, p_bren,
                 100 * d_bren, "ok" if good else "FAIL"))
    return ok


def main(argv):
    if len(argv) < 2:
        print("usage: peer.py FRAMES-PROGRAM [--quick | --check] [--signal-scale X]",
              file=sys.stderr)
        return 2
    quick = "--quick" in argv[2:]
    check_only = "--check" in argv[2:]
    scale = 1.0
    if "--signal-scale" in argv[2:-1]:
        scale = float(argv[argv.index("--signal-scale") + 1])
    reps, block_s = (3, 0.15) if quick else (5, 0.4)
    print("numpy %s, scipy %s; %d alternating blocks of %.2f s CPU per measurement"
          % (np.__version__, __import__("scipy").__version__, reps, block_s))
    driver = Driver(argv[1])
    ratios = []
    ok = True
    try:
        with tempfile.TemporaryDirectory() as tmp:
            peers = {s: Peer(driver, s, tmp, scale) for s in SIZES}
            for s in SIZES:
                ok &= check(driver, peers[s])
            if check_only:
                return 0 if ok else 1
            print("%-16s %9s %12s %12s %8s" % ("case", "size", "afsim fr/s", "peer fr/s", "ratio"))
            for with_brenner in (False, True):
                name = "render+brenner" if with_brenner else "render"
                for s in SIZES:
                    a, p = [], []
                    for _ in range(reps):
                        a.append(float(driver.ask("time %d %g %d" % (s, block_s, with_brenner)).split()[0]))
                        p.append(peer_fps(peers[s], block_s, with_brenner))
                    ra, rp = statistics.median(a), statistics.median(p)
                    print("%-16s %4dx%-4d %12.0f %12.1f %7.1fx" % (name, s, s, ra, rp, ra / rp))
                    ratios.append((name, s, ra / rp))
    except (RuntimeError, OSError, ValueError) as e:
        print("peer: %s" % e, file=sys.stderr)
        return 3
    finally:
        driver.close()
    for name, s, r in ratios:
        print("ratio %s %dx%d: %.1fx" % (name, s, s, r))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
