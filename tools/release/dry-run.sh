#!/usr/bin/env bash
# Builds the complete Maven Central bundle of a release, locally, without a signing key and without
# uploading anything: the dry run of ./mvnw -Prelease deploy. Central takes no SNAPSHOT bundles, so
# it sets the release version in a scratch copy of this commit (the working tree is not touched).
#
#   tools/release/dry-run.sh [VERSION]        # default: the current version without -SNAPSHOT
#
# Prints every file of the bundle; the zip is left in the scratch folder it names.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
current=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$repo/pom.xml" | head -1)
version="${1:-${current%-SNAPSHOT}}"
scratch=$(mktemp -d)
git -C "$repo" worktree add --detach "$scratch/src" HEAD >/dev/null
trap 'git -C "$repo" worktree remove --force "$scratch/src"' EXIT
cd "$scratch/src"
./mvnw -B -q org.codehaus.mojo:versions-maven-plugin:2.18.0:set -DnewVersion="$version" \
  -DprocessAllModules -DgenerateBackupPoms=false
# The BOM has no parent, so versions:set leaves it: it gets the version by hand.
sed -i "0,/<version>$current<\/version>/s//<version>$version<\/version>/" bom/pom.xml
# The publishing plugin wants the server's credentials even when it uploads nothing: dummy ones, here only.
cat > "$scratch/settings.xml" <<'XML'
<settings><servers><server><id>central</id><username>dry-run</username><password>dry-run</password></server></servers></settings>
XML
./mvnw -B -s "$scratch/settings.xml" -Prelease -Dgpg.skip -Ddistill4j.release.dryRun=true -DskipTests -Dinvoker.skip \
  deploy > "$scratch/build.log" || { tail -30 "$scratch/build.log"; exit 1; }
bundle=$(find . -path '*/target/central-publishing/central-bundle.zip' | head -1)
cp "$bundle" "$scratch/central-bundle-$version.zip"
echo "release $version: $scratch/central-bundle-$version.zip"
unzip -l "$scratch/central-bundle-$version.zip" | awk 'NR>3 && $4 != "" {print $4}' | grep -v '/$' | sort
