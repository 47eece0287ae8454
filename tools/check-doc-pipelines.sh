#!/bin/sh
# tools/check-doc-pipelines.sh - check the example pipelines of the docs
# against the real elements.
#
#   sh tools/check-doc-pipelines.sh [-b BUILDDIR] [-v] [FILE...]
#
# Without FILEs it reads README.md, docs/*.md, pipelines/*.sh, tools/*.sh
# and the SECTION comments of elements/*.c.  It pulls out every gst-launch-1.0
# command (with its continuation lines), every other pipeline line in a
# markdown code block or a script that names one of our elements, and every
# inline `code` span in markdown that starts with one of our elements and
# sets a property.  For each of our plugin's elements in them (found with
# gst-inspect-1.0 anomaly) it checks that every prop=value names a property
# of that element (from its gst-inspect-1.0 output) that can be written
# (child properties of anomalydetect, score::min-region=..., are checked
# against the child's element; its children are named extract, recon,
# score and overlay), and
# that the value fits: an enum nick or number, a boolean, a number within
# the range.  The config="key=value,..." of anomalyrecon and anomalydetect
# (and inline `config=...` spans; not schematic ones like
# "key=value,...") is checked against the field table of
# core/ad-config.c: known keys, numbers within range.  Values with shell
# variables ($X) or placeholders in capitals (model=M, seed=K) are only
# checked by name.
# Misspelt element names starting with "anomaly" are reported too.
#
# Exit status 1 when something is wrong or no command was found at all.
# -v lists every command checked.  The plugin is found through
# GST_PLUGIN_PATH (or GST_PLUGIN_PATH_1_0); -b BUILDDIR puts BUILDDIR/plugin
# in front of it.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
VERBOSE=0
while [ $# -gt 0 ]; do
  case $1 in
    -b) [ $# -ge 2 ] || { echo "check-doc-pipelines: -b needs a directory" >&2; exit 2; }
        GST_PLUGIN_PATH="$(cd "$2" && pwd)/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
        export GST_PLUGIN_PATH; shift 2 ;;
    -v) VERBOSE=1; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "check-doc-pipelines: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ $# -eq 0 ]; then
  cd "$TOP"
  set -- README.md docs/*.md pipelines/*.sh tools/*.sh elements/*.c
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# Our elements, from the plugin itself.
if ! gst-inspect-1.0 anomaly >"$TMP/plugin" 2>"$TMP/err"; then
  echo "check-doc-pipelines: gst-inspect-1.0 anomaly failed (is the plugin on GST_PLUGIN_PATH?)" >&2
  cat "$TMP/err" >&2
  exit 1
fi
ELEMENTS=$(sed -n 's/^  \(anomaly[a-z0-9]*\): .*/\1/p' "$TMP/plugin")
[ -n "$ELEMENTS" ] || { echo "check-doc-pipelines: the anomaly plugin has no elements" >&2; exit 1; }
# Elements with a source file that this build did not register (optional
# dependencies, e.g. anomalymqttsink without libmosquitto): not checked.
SKIPPED=
for f in "$TOP"/elements/gstanomaly*.c; do
  el=$(basename "$f" .c); el=${el#gst}
  case " $(echo $ELEMENTS) " in
    *" $el "*) ;;
    *) SKIPPED="$SKIPPED $el"
       echo "check-doc-pipelines: $el is not in this build; its settings are not checked" ;;
  esac
done
: >"$TMP/props"
for el in $ELEMENTS; do
  sh "$TOP/tools/gen-element-docs.sh" --props "$el" | sed "s/^/$el	/" >>"$TMP/props"
done

# The core's configuration fields: "name<TAB>min<TAB>max", symbolic bounds
# (AD_SCORE_WINDOW_MAX, AD_FLOW_BINS_MAX) resolved from the #defines and
# enums of core/ad.h and core/ad-internal.h.
: >"$TMP/config"
if [ -f "$TOP/core/ad-config.c" ]; then
  awk -v hdr1="$TOP/core/ad.h" -v hdr2="$TOP/core/ad-internal.h" '
    function val(x) { return (x in sym) ? sym[x] : x }
    BEGIN {
      hdr[1] = hdr1; hdr[2] = hdr2
      for (h = 1; h <= 2; h++)
        while ((getline l < hdr[h]) > 0) {
          if (match(l, /^#define AD_[A-Z0-9_]+[ \t]+-?[0-9.]+/)) {
            split(substr(l, RSTART, RLENGTH), a, /[ \t]+/); sym[a[2]] = a[3]
          } else if (match(l, /AD_[A-Z0-9_]+ = -?[0-9]+/)) {
            split(substr(l, RSTART, RLENGTH), a, / = /); sym[a[1]] = a[2]
          }
        }
    }
    /^ *F \(/ { s = $0; sub(/^ *F \(/, "", s); split(s, a, /, */)
                print a[1] "\t" val(a[3]) "\t" val(a[4]) }
    /^ *FA \(/ { s = $0; sub(/^ *FA \(/, "", s); split(s, a, /, */)
                 print a[1] "_" a[2] "\t" val(a[3]) "\t" val(a[4]) }
    # the named presets ({ "name", "settings" } in presets[]), as
    # "preset=name"
    /^  \{ "[a-z_]+", "/ { s = $0; sub(/^  \{ "/, "", s); sub(/".*/, "", s)
                          print "preset=" s "\t0\t0"; presets = presets \
                          (presets == "" ? "" : ", ") s }
    END { print "presets\t" presets "\t0" }' \
    "$TOP/core/ad-config.c" >"$TMP/config"
fi

# Commands: "file<TAB>line<TAB>text", continuation lines joined.
for f in "$@"; do
  [ -f "$f" ] || { echo "check-doc-pipelines: $f not found" >&2; exit 2; }
  awk -v file="$f" -v els="$ELEMENTS" '
    BEGIN {
      n = split(els, e, /[ \n]+/)
      pat = ""
      for (i = 1; i <= n; i++) if (e[i] != "") pat = pat (pat == "" ? "" : "|") e[i]
      elre = "(^|[^a-z0-9_-])(" pat ")([ \t]|$)"
      md = file ~ /\.md$/; c = file ~ /\.c$/
    }
    function emit(l, t) {
      gsub(/\t/, " ", t)
      printf "%s\t%d\t%s\n", file, l, t
    }
    # Start of a command in line s, or 0.
    function cmdstart(s,    p) {
      p = index(s, "gst-launch-1.0")
      if (p) return p
      if (match(s, /^[ \t]*\.\.\.[ \t]*!/)) return RSTART
      if (match(s, elre)) {
        p = RSTART
        if (substr(s, p, 1) !~ /[a-z]/) p++
        if (substr(s, p) ~ /^[a-z0-9]+[ \t]+([^ \t]+[ \t]+)*[a-z][a-z0-9-]*=/ || s ~ /![ \t]*$|^[ \t]*!|[ \t]![ \t]/)
          return p
      }
      return 0
    }
    {
      line = $0
      if (c) {
        # only the documentation comments of element sources
        if (line !~ /^ \* /) { cont = 0; next }
        sub(/^ \* ?/, "", line)
      }
      if (md && line ~ /^[ \t]*```/) { fence = !fence; cont = 0; next }
      if (cont) {
        text = text " " line
      } else {
        if (md && !fence) {
          # inline code spans that start with one of our elements or gst-launch
          s = line
          while (match(s, /`[^`]+`/)) {
            span = substr(s, RSTART + 1, RLENGTH - 2)
            s = substr(s, RSTART + RLENGTH)
            if (span ~ /=/ && (span ~ /^gst-launch-1\.0 / || match(span, "^(" pat ")[ \t]")))
              emit(NR, span)
            else if (span ~ /^config=/)
              emit(NR, "anomalydetect " span)
          }
          next
        }
        if (!md && line ~ /^[ \t]*#/) next
        p = cmdstart(line)
        if (!p) next
        text = substr(line, p)
        start = NR
      }
      if (text ~ /\\[ \t]*$/) {
        sub(/\\[ \t]*$/, "", text)
        cont = 1
      } else {
        cont = 0
        emit(start, text)
      }
    }
    END { if (cont) emit(start, text) }
  ' "$f" >>"$TMP/cmds"
done

awk -F '\t' -v propfile="$TMP/props" -v cfgfile="$TMP/config" \
    -v els="$ELEMENTS" -v skipped="$SKIPPED" -v verbose="$VERBOSE" '
  BEGIN {
    n = split(els, e, /[ \n]+/)
    for (i = 1; i <= n; i++) if (e[i] != "") ours[e[i]] = 1
    n = split(skipped, e, / +/)
    for (i = 1; i <= n; i++) if (e[i] != "") absent[e[i]] = 1
    while ((getline l < propfile) > 0) {
      split(l, f, "\t")
      k = f[1] SUBSEP f[2]
      ptype[k] = f[3]; pmin[k] = f[4]; pmax[k] = f[5]; pacc[k] = f[7]
      pnicks[k] = f[9]; pints[k] = f[12]
      known[k] = 1
    }
    while ((getline l < cfgfile) > 0) {
      split(l, f, "\t")
      cfmin[f[1]] = f[2]; cfmax[f[1]] = f[3]; ncfg++
    }
    errors = 0; ncmd = 0; nset = 0
    # the fixed child names of anomalydetect (elements/gstanomalydetect.c)
    detect_child["extract"] = "anomalyextract"
    detect_child["recon"] = "anomalyrecon"
    detect_child["score"] = "anomalyscore"
    detect_child["overlay"] = "anomalyoverlay"
  }
  # config="key=value,...": as parse_config() in elements/gstanomalyrecon.c
  function check_config(el, val,    n, it, i, key, v, arr, idx, name) {
    # schematic values ("key=value,...") are not examples
    if (ncfg == 0 || val ~ /(^|,)key=value(,|$)|\.\.\./) return
    n = split(val, it, ",")
    arr = ""
    for (i = 1; i <= n; i++) {
      gsub(/^[ \t]+|[ \t]+$/, "", it[i])
      if (it[i] == "") continue
      if (index(it[i], "=")) {
        key = it[i]; sub(/=.*/, "", key); gsub(/[ \t]/, "", key); gsub(/-/, "_", key)
        v = it[i]; sub(/^[^=]*=[ \t]*/, "", v)
        arr = ""
        # named presets: ad_config_preset() in core/ad-config.c
        if (key == "preset") {
          if (!(("preset=" v) in cfmin))
            err(el ".config: unknown preset \"" v "\" (" cfmin["presets"] ")")
          continue
        }
        if (!(key in cfmin) && ((key "_0") in cfmin)) { arr = key; idx = 1; name = key "_0" }
        else name = key
      } else if (arr != "") {
        v = it[i]; name = arr "_" idx; idx++
      } else {
        err(el ".config: \"" it[i] "\" is not key=value"); continue
      }
      if (!(name in cfmin)) { err(el ".config: unknown setting \"" name "\" (see core/ad-config.c)"); continue }
      if (!isnum(v)) { err(el ".config: " name "=" v " is not a number"); continue }
      if (v + 0 < cfmin[name] + 0 || v + 0 > cfmax[name] + 0)
        err(el ".config: " name "=" v " is outside " cfmin[name] " - " cfmax[name])
    }
  }
  function err(msg) {
    printf "%s:%d: %s\n    in: %s\n", FILENAME_, LINE_, msg, CMD_
    errors++
  }
  # Shell-like split of s into tok[1..ntok]; dyn[i] = 1 when token i
  # holds a shell expansion.  Stops at an unquoted | ; & < > or a word
  # starting with #.
  function tokenize(s,    i, ch, q, cur, have, d) {
    ntok = 0; cur = ""; have = 0; q = ""; d = 0
    for (i = 1; i <= length(s); i++) {
      ch = substr(s, i, 1)
      if (q == "'\''") {
        if (ch == "'\''") q = ""; else cur = cur ch
        continue
      }
      if (q == "\"") {
        if (ch == "\\" && i < length(s)) { i++; cur = cur substr(s, i, 1); continue }
        if (ch == "\"") { q = ""; continue }
        if (ch == "$" || ch == "`") d = 1
        cur = cur ch
        continue
      }
      if (ch == " " || ch == "\t") {
        if (have) { tok[++ntok] = cur; dyn[ntok] = d; cur = ""; have = 0; d = 0 }
        continue
      }
      if (ch == "#" && !have) break
      if (ch ~ /[|;&<>]/) break
      if (ch == "!") {
        if (have) { tok[++ntok] = cur; dyn[ntok] = d; cur = ""; have = 0; d = 0 }
        tok[++ntok] = "!"; dyn[ntok] = 0
        continue
      }
      have = 1
      if (ch == "'\''" || ch == "\"") { q = ch; continue }
      if (ch == "\\" && i < length(s)) { i++; cur = cur substr(s, i, 1); continue }
      if (ch == "$" || ch == "`") d = 1
      cur = cur ch
    }
    if (have) { tok[++ntok] = cur; dyn[ntok] = d }
  }
  function isnum(v) { return v ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ }
  function check(el, prop, val, isdyn,    k, t, ok, n, a, i, lv) {
    nset++
    k = el SUBSEP prop
    if (!(k in known)) { err(el " has no property \"" prop "\""); return }
    if (pacc[k] == "r") { err(el "." prop " is read-only"); return }
    if (isdyn) return
    t = ptype[k]
    if (prop == "config" && (el == "anomalyrecon" || el == "anomalydetect"))
      check_config(el, val)
    if (t == "enum") {
      ok = 0
      n = split(pnicks[k], a, "|")
      for (i = 1; i <= n; i++) if (val == a[i]) ok = 1
      n = split(pints[k], a, "|")
      for (i = 1; i <= n; i++) if (val == a[i]) ok = 1
      if (!ok) err(el "." prop "=" val ": not one of " pnicks[k])
    } else if (t == "boolean") {
      lv = tolower(val)
      if (lv !~ /^(true|false|yes|no|t|f|1|0)$/)
        err(el "." prop "=" val ": not a boolean")
    } else if (t ~ /^(int|uint|int64|uint64|long|ulong)$/) {
      if (val !~ /^[-+]?[0-9]+$/) err(el "." prop "=" val ": not an integer")
      else if (val + 0 < pmin[k] + 0 || val + 0 > pmax[k] + 0)
        err(el "." prop "=" val ": outside " pmin[k] " - " pmax[k])
    } else if (t == "float" || t == "double") {
      if (!isnum(val)) err(el "." prop "=" val ": not a number")
      else if (val + 0 < pmin[k] + 0 || val + 0 > pmax[k] + 0)
        err(el "." prop "=" val ": outside " pmin[k] " - " pmax[k])
    }
  }
  {
    FILENAME_ = $1; LINE_ = $2; CMD_ = $3
    tokenize($3)
    i = 1
    for (j = 1; j <= ntok; j++) if (tok[j] == "gst-launch-1.0") { i = j + 1; break }
    while (i <= ntok && tok[i] ~ /^-/) i++
    cur = ""; expect = 1; found = 0
    for (; i <= ntok; i++) {
      t = tok[i]
      if (t == "!") { expect = 1; cur = ""; continue }
      # child properties of a bin: score::min-region=0.01
      if (!expect && t ~ /^[A-Za-z_][A-Za-z0-9_-]*::[A-Za-z_][A-Za-z0-9_-]*=/) {
        if (cur != "") {
          c = t; sub(/::.*/, "", c)
          p = t; sub(/^[^:]*::/, "", p); sub(/=.*/, "", p)
          v = t; sub(/^[^=]*=/, "", v)
          if (cur == "anomalydetect") {
            if (c in detect_child)
              check(detect_child[c], p, v, dyn[i] || v ~ /^[A-Z][A-Z0-9_]*$/)
            else
              err("anomalydetect has no child \"" c "\" (extract, recon, score, overlay)")
          }
        }
        continue
      }
      if (!expect && t ~ /^[A-Za-z_][A-Za-z0-9_-]*=/) {
        if (cur != "") {
          p = t; sub(/=.*/, "", p)
          v = t; sub(/^[^=]*=/, "", v)
          check(cur, p, v, dyn[i] || v ~ /^[A-Z][A-Z0-9_]*$/)
        }
        continue
      }
      # an element (after "!", or a new chain), caps or a pad reference
      expect = 0
      if (t in ours) { cur = t; found = 1 }
      else {
        cur = ""
        if (t ~ /^anomaly[a-z0-9]*$/ && !(t in absent))
          err("no element \"" t "\" in the anomaly plugin")
      }
    }
    if (found) {
      ncmd++
      if (verbose) printf "%s:%d: %s\n", $1, $2, $3
    }
  }
  END {
    printf "check-doc-pipelines: %d commands with our elements, %d property settings checked, %d problems\n", ncmd, nset, errors
    if (ncmd == 0) { print "check-doc-pipelines: no command found" > "/dev/stderr"; exit 1 }
    exit errors > 0
  }
' "$TMP/cmds"
