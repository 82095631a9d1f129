#!/usr/bin/env bash
# Installs the PP-OCRv6 small models (issue 14) from the PyPI wheel `rapidocr` 3.10.0: the
# detection and recognition ONNX files plus the licence files, SHA-256 checked, into
#   ${OCRCHAT_PPOCR_MODELS:-${XDG_DATA_HOME:-$HOME/.local/share}/ocrchat/models/ppocr-v6}
# which is where ocrchat looks at run time (it never downloads anything itself).
# Idempotent: when both models are present and their sums match, it does nothing.
# Offline machines: copy the folder by hand and point OCRCHAT_PPOCR_MODELS at it.
set -euo pipefail

version=3.10.0
dest="${OCRCHAT_PPOCR_MODELS:-${XDG_DATA_HOME:-$HOME/.local/share}/ocrchat/models/ppocr-v6}"
# The sums MODEL_LICENSES.md in the wheel lists (checked against it again below).
declare -A sums=(
  [PP-OCRv6_det_small.onnx]=090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f
  [PP-OCRv6_rec_small.onnx]=6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884
)

verified() {
  local file
  for file in "${!sums[@]}"; do
    [[ -f "$dest/$file" ]] || return 1
    echo "${sums[$file]}  $dest/$file" | sha256sum --check --status || return 1
  done
}

if verified; then
  echo "models: PP-OCRv6 present and verified in $dest"
  exit 0
fi

pip=(python3 -m pip)
if ! "${pip[@]}" --version >/dev/null 2>&1; then
  echo "models: pip not found. Install python3-pip, then run this again." >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "models: downloading the rapidocr $version wheel from PyPI (27 MB)"
"${pip[@]}" download --quiet --no-deps --only-binary=:all: "rapidocr==$version" -d "$work"
wheel=$(ls "$work"/rapidocr-"$version"-*.whl)
python3 - "$wheel" "$work/out" <<'PY'
import os, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
wanted = {
    "rapidocr/models/PP-OCRv6_det_small.onnx",
    "rapidocr/models/PP-OCRv6_rec_small.onnx",
    "rapidocr-3.10.0.dist-info/licenses/LICENSE",
    "rapidocr-3.10.0.dist-info/licenses/MODEL_LICENSES.md",
}
with zipfile.ZipFile(wheel) as z:
    for name in wanted:
        target = f"{out}/{name.rsplit('/', 1)[1]}"
        with z.open(name) as src, open(target, "wb") as dst:
            dst.write(src.read())
PY

for file in "${!sums[@]}"; do
  grep -q "${sums[$file]}" "$work/out/MODEL_LICENSES.md" || {
    echo "models: MODEL_LICENSES.md in the wheel does not list ${sums[$file]} for $file" >&2
    exit 1
  }
  echo "${sums[$file]}  $work/out/$file" | sha256sum --check --status || {
    echo "models: $file from the wheel does not match its SHA-256; not installed" >&2
    exit 1
  }
done

mkdir -p "$dest"
for file in "${!sums[@]}" LICENSE MODEL_LICENSES.md; do
  install -m 0644 "$work/out/$file" "$dest/$file.part"
  mv -f "$dest/$file.part" "$dest/$file"
done
verified
echo "models: PP-OCRv6 installed in $dest"
