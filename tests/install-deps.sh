#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs everything shimgate needs to build and test on Debian 12 (run as root): the
# packages listed in tests/deps.txt.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2046 # one word per package
apt-get install -y --no-install-recommends $(sed 's/#.*//' "$(dirname "$0")/deps.txt")
