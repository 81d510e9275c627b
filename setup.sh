#!/bin/sh
# setup.sh - install what afsim needs to build and test on Debian (bookworm):
# the compilers, make, and the libraries and tools below.  Installs only what
# is missing; needs root or sudo.  `make deps` runs this too.  groff-base:
# the man page check of make check; python3 and perl (prove): the checks of the
# trace export (JSON) and of `afsim run --tap`.
# GenICam cameras: libaravis-dev (its pkg-config file needs libusb-1.0-0-dev's),
# aravis-tools for the stock arv-fake-gv-camera-0.8 the tests run, iproute2
# for `ip link set lo up` in the tests' private network namespaces.
set -eu
PACKAGES="make build-essential pkg-config clang check libyaml-dev libxml2-utils
libsqlite3-dev sqlite3 libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev fonts-dejavu-core
xvfb xauth groff-base libaravis-dev libusb-1.0-0-dev aravis-tools iproute2
python3-numpy python3-scipy python3 perl"
missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "setup: everything afsim needs is installed"
	exit 0
fi
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "setup: installing$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
