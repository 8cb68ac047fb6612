#!/usr/bin/env bash
# Builds the published modules twice from clean and compares every jar (main, sources, javadoc)
# byte for byte: project.build.outputTimestamp makes two builds of one commit identical.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
modules=spi,runtime,djl,testkit,plugin-logits,plugin-feature,plugin-detection
sums() { find spi runtime djl testkit plugin-* -path '*/target/*.jar' -maxdepth 3 | sort | xargs sha256sum; }
./mvnw -B -q clean package -DskipTests -Dinvoker.skip -pl "$modules" -am
sums > /tmp/distill4j-build-1.sha256
sleep 2   # another second on the clock: only the fixed timestamp can make the jars equal
./mvnw -B -q clean package -DskipTests -Dinvoker.skip -pl "$modules" -am
sums > /tmp/distill4j-build-2.sha256
if diff /tmp/distill4j-build-1.sha256 /tmp/distill4j-build-2.sha256; then
  echo "reproducible: $(wc -l < /tmp/distill4j-build-1.sha256) jars byte-identical across two clean builds"
else
  echo "NOT reproducible: the jars above differ" >&2
  exit 1
fi
