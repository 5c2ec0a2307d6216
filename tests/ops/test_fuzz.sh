#!/bin/bash
# TAP: every fuzz target (tests/fuzz/fuzz_*.c) builds and runs for a short,
# bounded time without a crash, a leak or undefined behaviour.  CI time:
# FUZZ_SECONDS (default 10) per target.  Longer runs on demand:
#   FUZZ_SECONDS=3600 tests/fuzz/run [TARGET...]
# Needs clang with libFuzzer (Debian: clang, libclang-rt-14-dev).
set -u

REPO=${TC_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
FUZZ_SECONDS=${FUZZ_SECONDS:-10} exec "$REPO/tests/fuzz/run"
