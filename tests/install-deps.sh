#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs everything shimgate needs to build and test on Debian 12 (run as root).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
  build-essential cmake pkg-config ca-certificates \
  libssl-dev libseccomp-dev libjansson-dev libprotobuf-c-dev protobuf-c-compiler libcmocka-dev \
  containerd runc busybox-static \
  python3 python3-grpcio \
  clang libclang-rt-14-dev valgrind
