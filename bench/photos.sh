#!/usr/bin/env bash
# bench/photos.sh -- photo variant generation: src/photos/image.c against
# ImageMagick's convert making the same three variants from the same
# input, in the same run; and the peak RSS of each.
#
#   bench/photos.sh [BUILD_DIR]          (default build/, must be built)
#
# The input is a camera-like 4000x3000 JPEG of about 2 MB (generated once
# into var/bench-photos/, with EXIF including GPS), or BENCH_PHOTO.
# Variants: thumbnail cover 150x150, medium fit 800x600, large fit
# 1200x900 (never enlarged), auto-oriented, stripped, JPEG quality 85.
#
# Targets, each run BENCH_PHOTO_REPS times (default 9, interleaved), the
# median wall time and the largest peak RSS printed:
#   ours-job       a fresh process per photo, as the "photo.variants" job
#                  runs it (fork, start ImageMagick, limits, decode once,
#                  three variants, exit); JPEGs decoded shrunk (libjpeg
#                  DCT scaling) when they are over twice the largest box
#   ours-warm      the same in one long-lived process (no start-up)
#   ours-full      ours-job decoding at full size, like plain convert
#   convert        one convert command: decode once, three resizes from
#                  the original (+clone), the same options
#   convert-shrink the same with -define jpeg:size (convert's shrink-on-load)
# Both ImageMagick sides use its OpenMP threads (all cores) by default;
# BENCH_PHOTO_THREADS=1 sets MAGICK_THREAD_LIMIT for both.
#
# Needs: imagemagick (convert), libimage-exiftool-perl, a C compiler and
# pkg-config MagickWand (libmagickwand-6.q16-dev).
set -eu
set -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
build=${1:-$repo/build}
case $build in /*) ;; *) build=$PWD/$build ;; esac
reps=${BENCH_PHOTO_REPS:-9}
work=$repo/var/bench-photos
say() { printf 'photos: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[ -f "$build/libtc.a" ] || die "no $build/libtc.a: build first (make -C $build)"
command -v convert >/dev/null ||
    die "convert not found: apt-get install imagemagick"
command -v exiftool >/dev/null ||
    die "exiftool not found: apt-get install libimage-exiftool-perl"
if [ -n "${BENCH_PHOTO_THREADS:-}" ]; then
	export MAGICK_THREAD_LIMIT=$BENCH_PHOTO_THREADS
fi
mkdir -p "$work"

# the helper, linked with the build's libtc.a (and its flags: a sanitizer
# build would be measured with its sanitizers)
helper=$work/variants
mflags=$(pkg-config --cflags MagickWand |
    sed -e 's/-fopenmp//g' -e 's/-I/-isystem /g')
san=$(sed -n 's/^SAN_CFLAGS = //p' "$build/Makefile")
"${CC:-cc}" -O2 $san -I"$repo/src" -I"$build" $mflags -o "$helper" \
    "$here/photos/variants.c" "$build/libtc.a" \
    $(pkg-config --libs MagickWand) -lm ||
    die "cannot build $helper"

# the input
photo=$work/camera.jpg
if [ -n "${BENCH_PHOTO:-}" ]; then
	photo=$work/input.${BENCH_PHOTO##*.}
	cp "$BENCH_PHOTO" "$photo"
elif [ ! -f "$photo" ]; then
	say "making a 4000x3000 camera-like JPEG"
	convert -seed 42 -size 4000x3000 plasma:fractal -blur 0x2 \
	    \( +clone -seed 7 +noise Gaussian -modulate 100,60 \) \
	    -compose blend -define compose:args=30 -composite \
	    -sampling-factor 2x2 -quality 88 "$photo"
	exiftool -q -q -overwrite_original -Make=Bench -Model=Camera \
	    -Orientation#=1 -GPSLatitude=46.53 -GPSLatitudeRef=N \
	    -GPSLongitude=10.45 -GPSLongitudeRef=E "$photo"
fi
size=$(stat -c %s "$photo")
dims=$(identify -format '%wx%h' "$photo")
say "input $photo: $dims, $size bytes; $reps runs each; $(nproc) cores;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"

out=$work/convert
# One convert: like image.c, decode once, orient, strip, sRGB, flatten,
# then each variant from the decoded original. $1: extra options before
# the input (the shrink-on-load hint).
convert_args() {
	printf '%s\0' convert "$@" "$photo" -auto-orient -strip \
	    -colorspace sRGB -background white -alpha remove -alpha off \
	    '(' +clone -resize '1200x900>' -sampling-factor 2x2 -quality 85 \
	    -write "$out.large.jpg" +delete ')' \
	    '(' +clone -resize '800x600>' -sampling-factor 2x2 -quality 85 \
	    -write "$out.medium.jpg" +delete ')' \
	    -resize '150x150^' -gravity center -extent 150x150 \
	    -sampling-factor 2x2 -quality 85 "$out.thumbnail.jpg"
}

# median of the first column, largest of the second, of stdin
summary() {
	sort -n | awk '{ t[NR] = $1; if ($2 > m) m = $2 }
	    END { if (NR % 2) med = t[(NR + 1) / 2];
	          else med = (t[NR / 2] + t[NR / 2 + 1]) / 2;
	          printf "%7.1f ms median (min %.1f, max %.1f), " \
	              "peak RSS %5.1f MB\n", med, t[1], t[NR], m / 1024 }'
}

# the helper's "ms N rss_kb N" lines as "N N"; ARGS: the helper's options
ours() {
	"$helper" "$@" "$photo" | awk '{ print $2, $4 }'
}

# theirs -r N [convert options]
theirs() {
	local args=() n=$2
	shift 2
	mapfile -d '' args < <(convert_args "$@")
	"$helper" -x -r "$n" "${args[@]}" | awk '{ print $2, $4 }'
}

# Interleaved: run i of every target, then run i + 1, so a load that
# comes and goes (other processes) weighs on all targets alike.
targets="ours-job ours-full convert convert-shrink"
for t in $targets ours-warm; do : >"$work/$t.txt"; done
for ((i = 0; i < reps; i++)); do
	for t in $targets; do
		case $t in
		ours-job)	ours -r 1 -f ;;
		ours-full)	ours -r 1 -f -n ;;
		convert)	theirs -r 1 ;;
		convert-shrink)	theirs -r 1 -define jpeg:size=1200x1200 ;;
		esac >>"$work/$t.txt"
	done
done
# warm: one process, the first run (ImageMagick's start) left out
ours -r "$((reps + 1))" | tail -n +2 >"$work/ours-warm.txt"
ours -r 1 -f >/dev/null		# the variants kept: the job's

printf '%-15s %s\n' target result
for t in $targets ours-warm; do
	printf '%-15s %s\n' "$t" "$(summary <"$work/$t.txt")"
done
for v in thumbnail medium large; do
	printf '%-15s ours %s (%s bytes), convert %s (%s bytes)\n' "$v" \
	    "$(identify -format '%wx%h' "$photo.$v.jpg")" \
	    "$(stat -c %s "$photo.$v.jpg")" \
	    "$(identify -format '%wx%h' "$out.$v.jpg")" \
	    "$(stat -c %s "$out.$v.jpg")"
done
