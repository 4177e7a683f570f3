#!/bin/sh
# default-run.sh BIN BUILD — the job behind `make run`.
set -e
BIN=$1; BUILD=$2
"$BIN" info
