#!/bin/sh
# cli_layering.sh - the layering of docs/architecture.md holds: tests/layering.sh
# finds no include across the layers in this tree (exit 0, silent), and finds
# each one planted in a copy of it (exit 1, one line per include naming the
# file, the line and the rule).
. "$(dirname "$0")/testlib.sh"

out=$(sh tests/layering.sh); rc=$?
[ $rc -eq 0 ] && [ -z "$out" ] && ok "the tree keeps its layering" || { bad "layering.sh exits $rc"; echo "$out"; }

mkdir -p "$tmp/tree"
cp -R kernel engine models db sim field hil viz "$tmp/tree/"
# a model reaching up into the simulator, and doing I/O
sed -i '1i #include "sim/sim_hal.h"\n#include <stdio.h>' "$tmp/tree/models/stage.c"
# the engine reaching into the store
sed -i '1i #include "db/db.h"\n#include <sqlite3.h>' "$tmp/tree/engine/af_hal.c"
# the runner calling the simulator directly
sed -i '1i #include "sim/sim_ctl.h"' "$tmp/tree/sim/runner_steps.c"
# the kernel including a model
sed -i '1i #include "models/mdl.h"' "$tmp/tree/kernel/rng.c"
sh tests/layering.sh "$tmp/tree" > "$tmp/out"; rc=$?
cat > "$tmp/want" << 'EOT'
engine/af_hal.c:1: includes "db/db.h": engine/ may include engine/ only
engine/af_hal.c:2: includes <sqlite3.h>: engine/ may include ISO C headers and compiler intrinsics only
kernel/rng.c:1: includes "models/mdl.h": kernel/ may include kernel/ only
models/stage.c:1: includes "sim/sim_hal.h": models/ may include models/ and kernel/ only
models/stage.c:2: includes <stdio.h>: models/ do no I/O and read no clock
sim/runner_steps.c:1: includes "sim/sim_ctl.h": the runner drives a rig through sim/rig.h, never the simulator (sim_hal.h, sim_ctl.h)
EOT
[ $rc -eq 1 ] && cmp -s "$tmp/want" "$tmp/out" && ok "six planted includes found, each with its file, line and rule" \
	|| { bad "planted includes: exit $rc"; diff "$tmp/want" "$tmp/out"; }

finish
