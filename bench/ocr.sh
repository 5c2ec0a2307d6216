#!/usr/bin/env bash
# bench/ocr.sh -- OCR time per page and the job worker's memory, on demand.
#
# Starts its own stack (scripts/stack: PostgreSQL, Redis, nginx, the app
# and the job worker), then makes two files with python3-pil and a
# hand-written PDF:
#   image  an A4 insurance certificate at 300 dpi (2480 x 3508 PNG,
#          DejaVu Sans): tesseract reads the whole page
#   pdf    the same certificate as a one-page PDF with a text layer
#          (Helvetica): poppler's text, no OCR
# and stores BENCH_OCR_N documents of each (the file under a random key in
# the media directory, the documents row and its "document.uploaded"
# outbox row, as an upload does), one kind after the other, on a freshly
# started job worker. It reports the job worker's own "done in N ms" of
# every document.ocr job (fetch, OCR, extraction and the UPDATE; OCR is
# nearly all of it), the first job apart (it loads the tesseract engine),
# and the worker's VmRSS / VmHWM (/proc) idle, after the images and after
# the PDFs. Numbers mean something only on an otherwise idle machine.
#
# Settings (environment):
#   BENCH_OCR_N=10              documents of each kind
#   STACK_DIR=var/bench-ocr HTTP_PORT=28180 HTTPS_PORT=28181
#   TC_BIN=build/throttlecove   the binary the stack runs
#   BENCH_KEEP=1                leave the stack running afterwards
# Needs python3 with PIL (python3-pil) and fonts-dejavu-core.

set -eu
set -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"

: "${BENCH_OCR_N:=10}" "${BENCH_KEEP:=0}"
export STACK_DIR=${STACK_DIR:-var/bench-ocr}
export HTTP_PORT=${HTTP_PORT:-28180} HTTPS_PORT=${HTTPS_PORT:-28181}
export TC_BIN=${TC_BIN:-build/throttlecove}
case $STACK_DIR in /*) S=$STACK_DIR ;; *) S=$repo/$STACK_DIR ;; esac
PY=/usr/bin/python3
STACK=$repo/scripts/stack
work=$(mktemp -d /tmp/tc-bench-ocr.XXXXXX)

cleanup() {
	rm -rf "$work"
	if [ "$BENCH_KEEP" != 1 ]; then
		"$STACK" stop >/dev/null 2>&1 || true
	fi
}
trap cleanup EXIT

psql_su() {
	runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 \
	    -h "$S/pgrun" -U postgres -d throttlecove "$@"
}

echo "bench/ocr.sh: stack $S, binary $TC_BIN," \
    "$BENCH_OCR_N documents of each kind"
"$STACK" init start migrate >/dev/null

# ------------------------------------------------------------- the files
"$PY" - "$work" <<'EOF'
import sys
from PIL import Image, ImageDraw, ImageFont

out = sys.argv[1]
title = "CERTIFICATE OF MOTOR INSURANCE"
lines = ["Insurer: Northwind Mutual Insurance Ltd",
         "Policy No: TC-4821-7730",
         "Policyholder: Jane Rider",
         "Vehicle: Honda CB500F   Registration: AB12 CDE",
         "Period of insurance: 15/03/2025 to 14/03/2026",
         "Date of issue: 01 March 2025",
         "Expiry date: 14/03/2026",
         "Cover: Comprehensive"]
# a form's worth of small print below, so the page is a full one
lines += ["Clause %d: the insured may ride the vehicle described above on "
          "public roads subject to the terms." % i for i in range(1, 31)]

dpi = 300
w, h = int(8.27 * dpi), int(11.69 * dpi)
img = Image.new("L", (w, h), 255)
d = ImageDraw.Draw(img)
font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
bold = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
pt = dpi / 72.0
y = int(60 * pt)
d.text((int(60 * pt), y), title, font=ImageFont.truetype(bold, int(20 * pt)),
       fill=0)
f = ImageFont.truetype(font, int(11 * pt))
for l in lines:
    y += int(20 * pt)
    d.text((int(60 * pt), y), l, font=f, fill=0)
img.save(out + "/page.png", dpi=(dpi, dpi))

# a one-page PDF with a text layer, written by hand
def esc(s):
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
ops = ["BT /F2 20 Tf 60 782 Td (%s) Tj ET" % esc(title)]
y = 782
for l in lines:
    y -= 20
    ops.append("BT /F1 11 Tf 60 %d Td (%s) Tj ET" % (y, esc(l)))
stream = "\n".join(ops).encode("latin-1")
objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream +
        b"\nendstream"]
pdf = bytearray(b"%PDF-1.4\n")
offs = []
for i, o in enumerate(objs, 1):
    offs.append(len(pdf))
    pdf += b"%d 0 obj\n" % i + o + b"\nendobj\n"
xref = len(pdf)
pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
for o in offs:
    pdf += b"%010d 00000 n \n" % o
pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
    len(objs) + 1, xref)
open(out + "/page.pdf", "wb").write(pdf)
EOF

# ------------------------------------------------------------- the owner
suffix=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
uid=$(psql_su -c "INSERT INTO users (username, email, password_hash)
    VALUES ('bench_ocr_$suffix', 'bench_ocr_$suffix@example.org', 'x')
    RETURNING id")
bike=$(psql_su -c "INSERT INTO motorcycles (user_id, name, make, model)
    VALUES ($uid, 'Bench bike', 'Honda', 'CB500F') RETURNING id")

# store FILE EXT MIME: one document and its outbox row
store() {
	local hex key
	hex=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	key=documents/${hex:0:2}/$hex.$2
	mkdir -p "$S/media/documents/${hex:0:2}"
	cp "$1" "$S/media/$key"
	psql_su -c "WITH d AS (INSERT INTO documents (motorcycle_id,
	    document_type, title, file_url, file_size, mime_type, storage_key,
	    original_name, uploaded_by) VALUES ($bike, 'other', 'bench.$2',
	    '/v1/files/x', $(stat -c %s "$1"), '$3', '$key', 'bench.$2', $uid)
	    RETURNING id) INSERT INTO outbox (topic, aggregate, aggregate_id,
	    payload) SELECT 'document.uploaded', 'document', id,
	    jsonb_build_object('document_id', id, 'version', 1) FROM d" \
	    >/dev/null
}

pending() {
	psql_su -c "SELECT count(*) FROM documents WHERE motorcycle_id = $bike
	    AND ocr_status = 'pending'"
}

mem() {
	local pid
	pid=$(cat "$S/run/jobs.pid")
	awk '/^VmRSS|^VmHWM/ { printf "%s %.1f MB  ", $1, $2 / 1024 }' \
	    "/proc/$pid/status"
}

# run KIND FILE EXT MIME: N documents, wait, the job times of this batch
run() {
	local kind=$1 from i t0 t1
	from=$(wc -l <"$S/log/jobs.log")
	t0=$(date +%s.%N)
	for ((i = 0; i < BENCH_OCR_N; i++)); do
		store "$2" "$3" "$4"
	done
	for ((i = 0; i < 600; i++)); do
		[ "$(pending)" = 0 ] && break
		sleep 0.2
	done
	t1=$(date +%s.%N)
	if [ "$(pending)" != 0 ]; then
		echo "timed out waiting for the $kind jobs" >&2
		exit 1
	fi
	tail -n +"$((from + 1))" "$S/log/jobs.log" |
	    sed -n 's/.*document\.ocr attempt 1: done in \([0-9]*\) ms.*/\1/p' \
	    >"$work/$kind.ms"
	local n first skip=0
	n=$(wc -l <"$work/$kind.ms")
	if [ "$n" = 0 ]; then
		echo "| $kind | no jobs seen |"
		return
	fi
	first=$(head -1 "$work/$kind.ms")
	[ "$kind" = image ] && [ "$n" -gt 1 ] && skip=1
	tail -n +"$((skip + 1))" "$work/$kind.ms" | sort -n |
	    awk -v k="$kind" -v n="$n" -v first="$first" -v t0="$t0" \
	    -v t1="$t1" '
		{ v[NR] = $1; s += $1 }
		END {
			printf "| %s | %d | %d | %d | %.0f | %d | %.1f |\n",
			    k, n, first, v[int((NR + 1) / 2)], s / NR, v[NR],
			    t1 - t0
		}'
}

# a fresh job worker: its memory before the engine is loaded
"$STACK" jobs-stop jobs-start >/dev/null
sleep 1
idle=$(mem)

echo
printf '%s\n' "| kind | jobs | first (ms) | median (ms) | mean (ms) |\
 max (ms) | wall (s) |"
echo "|---|---|---|---|---|---|---|"
run image "$work/page.png" png image/png
after_img=$(mem)
run pdf "$work/page.pdf" pdf application/pdf
after_pdf=$(mem)
echo
echo "(image: median, mean and max leave out the first job, which loads" \
    "the engine)"
echo
echo "job worker memory:"
echo "  idle, engine not loaded:  $idle"
echo "  after the images:         $after_img"
echo "  after the PDFs:           $after_pdf"
echo
psql_su -c "SELECT 'extracted (one image): ' || document_type || ', ' ||
    coalesce(document_number, '-') || ', expiry ' ||
    coalesce(expiry_date::text, '-') || ', engine ' ||
    (extracted_data->>'engine') FROM documents WHERE motorcycle_id = $bike
    AND mime_type = 'image/png' ORDER BY id LIMIT 1"
psql_su -c "SELECT 'extracted (one PDF): ' || document_type || ', ' ||
    coalesce(document_number, '-') || ', expiry ' ||
    coalesce(expiry_date::text, '-') || ', engine ' ||
    (extracted_data->>'engine') FROM documents WHERE motorcycle_id = $bike
    AND mime_type = 'application/pdf' ORDER BY id LIMIT 1"
