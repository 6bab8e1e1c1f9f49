#!/usr/bin/env bash
# Makes the mesh CA and one certificate per node of examples/secure/figure2.yaml (SGs, SRs and
# SPAs), plus pod certificates for the greeter pods, in examples/secure/ca/ (keys
# owner-readable only; the directory is not committed).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DMSC="$HERE/../../dmsc"
if [ -e "$HERE/ca/ca.key" ]; then
  echo "$HERE/ca exists already: remove it to make a new CA" >&2
  exit 1
fi
"$DMSC" ca init --dir "$HERE/ca" --mesh figure2
for node in sg-1 sg-2 sg-3 sg-4 sr-1 sr-2 sr-3 scsc spa-1 spa-2 spa-3 spa-4; do
  "$DMSC" ca issue --dir "$HERE/ca" --node "$node"
done
for pod in pod-1 pod-4; do
  "$DMSC" ca issue --dir "$HERE/ca" --pod "$pod"
done
# The bearer token of the nodes' state-changing admin endpoints (dmsc overload): owner-only.
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$HERE/ca/admin.token")
echo "admin token: $HERE/ca/admin.token"
