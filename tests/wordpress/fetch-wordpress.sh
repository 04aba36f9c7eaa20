#!/usr/bin/env bash
# Puts another Debian release's WordPress into a folder the E2E suite can copy (MO_WP_TREE), without touching the
# system's apt sources, lists or cache: apt-get runs on a private sources file, lists and cache in a temp folder,
# downloads the packages and `dpkg -x` unpacks them; nothing is installed.
#
#   fetch-wordpress.sh SUITE VERSION THEME DEST    e.g. fetch-wordpress.sh trixie 6.8.12 twentytwentyfive .cache/wp-6.8.12
#
# DEST ends up holding what the package puts in /usr/share/wordpress, with wp-content/themes/THEME from the
# wordpress-theme-THEME package. A DEST whose version.php already says VERSION is reused as it is. Exits non-zero
# with one line saying why when the tree cannot be had.
#
# Debian's wordpress links some files to other packages, relatively to /usr/share/wordpress. Unpacked elsewhere
# those links point at nothing, so each dangling relative link is re-pointed at the same target resolved against
# /usr/share, as an absolute link. In 6.8.12 these are (the system packages that hold them are installed by run.sh):
#   wp-includes/ID3/getid3.php, getid3.lib.php, module.*.php (16 links) -> /usr/share/php/getid3/...     php-getid3
#   wp-includes/js/crop/cropper.css, cropper.js, marqueeHoriz.gif, marqueeVert.gif
#                                                      -> /usr/share/javascript/cropper/...           libjs-cropper
#   wp-includes/js/dist/vendor/lodash.js, lodash.min.js -> /usr/share/javascript/lodash/...           libjs-lodash
#   wp-includes/js/underscore.js, underscore.min.js     -> /usr/share/javascript/underscore/...       libjs-underscore
# Absolute links (wp-includes/certificates/ca-bundle.crt -> /etc/ssl/certs/ca-certificates.crt) already resolve;
# .htaccess -> /etc/wordpress/htaccess is Apache's and is dropped. The theme package puts the theme under
# /usr/share/wordpress/wp-content/themes/THEME (and a link to it from /var/lib/wordpress), so it lands in DEST.
set -uo pipefail
[ $# -eq 4 ] || { echo "usage: $0 SUITE VERSION THEME DEST" >&2; exit 2; }
suite=$1 version=$2 theme=$3 dest=$4

fail() { echo "fetch-wordpress: WordPress $version from $suite: $*" >&2; exit 1; }
tree_version() { sed -nE "s/^\\\$wp_version = '([^']+)';.*/\\1/p" "$1/wp-includes/version.php" 2>/dev/null; }
# Links that resolve to nothing, printed relative to the tree.
dangling() { (cd "$1" && find . -xtype l -printf '%P\n'); }

if [ "$(tree_version "$dest")" = "$version" ] && [ -d "$dest/wp-content/themes/$theme" ]; then
  bad=$(dangling "$dest")
  [ -z "$bad" ] || fail "$dest has links to nothing (a system package removed?): $(echo "$bad" | head -3 | tr '\n' ' ')"
  echo "WordPress $version: reusing $dest"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" \
  >"$work/sources.list"
apt=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
     -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
     -o Debug::NoLocking=1 -o "APT::Sandbox::User=$(id -un)"
     -o Acquire::Languages=none -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false)

echo "WordPress $version: fetching wordpress and wordpress-theme-$theme from Debian $suite"
apt-get "${apt[@]}" -qq update >"$work/update.log" 2>&1 \
  || fail "apt-get update failed: $(grep -E '^(E|W):' "$work/update.log" | head -3 | tr '\n' ' ')"
candidate=$(apt-cache "${apt[@]}" policy wordpress | sed -nE 's/^ *Candidate: *//p')
case "$candidate" in
  "$version"+*|"$version"-*) ;;
  ""|"(none)") fail "$suite has no wordpress package" ;;
  *) fail "$suite now has wordpress $candidate, not $version (update the expected version in run.sh)" ;;
esac
(cd "$work/debs" && apt-get "${apt[@]}" -qq download "wordpress=$candidate" "wordpress-theme-$theme=$candidate") \
  >"$work/download.log" 2>&1 \
  || fail "apt-get download failed: $(grep -E '^(E|W):' "$work/download.log" | head -3 | tr '\n' ' ')"
for deb in "$work"/debs/*.deb; do
  dpkg -x "$deb" "$work/root" || fail "dpkg -x $(basename "$deb") failed"
done

tree="$work/root/usr/share/wordpress"
[ "$(tree_version "$tree")" = "$version" ] || fail "the package unpacked version '$(tree_version "$tree")'"
if [ ! -d "$tree/wp-content/themes/$theme" ]; then
  # Not where this package version puts it: take it from /var/lib/wordpress if it is a folder there.
  alt="$work/root/var/lib/wordpress/wp-content/themes/$theme"
  [ -d "$alt" ] && [ ! -L "$alt" ] || fail "wordpress-theme-$theme has no wp-content/themes/$theme"
  mkdir -p "$tree/wp-content/themes" && cp -a "$alt" "$tree/wp-content/themes/"
fi
rm -f "$tree/.htaccess"

repointed=0
while IFS= read -r rel; do
  target=$(readlink "$tree/$rel")
  case "$target" in
    /*) fail "$rel -> $target: not on this system" ;;
  esac
  system=$(realpath -m -s "/usr/share/wordpress/$(dirname "$rel")/$target")
  [ -e "$system" ] || fail "$rel needs $system (is the package that holds it installed?)"
  ln -sfn "$system" "$tree/$rel"
  repointed=$((repointed + 1))
done < <(dangling "$tree")
bad=$(dangling "$tree")
[ -z "$bad" ] || fail "links still to nothing: $(echo "$bad" | head -3 | tr '\n' ' ')"

mkdir -p "$(dirname "$dest")"
rm -rf "$dest" "$dest.partial"
mv "$tree" "$dest.partial" && mv "$dest.partial" "$dest" || fail "cannot move the tree to $dest"
echo "WordPress $version: $dest ($repointed links re-pointed into /usr/share)"
