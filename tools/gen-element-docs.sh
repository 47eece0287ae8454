#!/bin/sh
# tools/gen-element-docs.sh - keep the property tables of docs/elements.md in
# sync with the elements, from their own gst-inspect-1.0 output.
#
#   sh tools/gen-element-docs.sh [-b BUILDDIR] [FILE...]          rewrite FILEs
#   sh tools/gen-element-docs.sh [-b BUILDDIR] --check [FILE...]  exit 1 if stale
#   sh tools/gen-element-docs.sh --config   print the core configuration
#       fields (core/ad-config.c: key, type, range, default, meaning) as a
#       markdown table; they change as the project is tuned, so no doc
#       embeds a copy
#   sh tools/gen-element-docs.sh [-b BUILDDIR] --props ELEMENT one property a
#       line, tab-separated: name, type, min, max, default, access (rw, r, w),
#       when settable, enum nicks (|-separated), inherited (0/1), blurb,
#       enum values (|-separated), enum descriptions (|-separated)
#
# FILEs default to docs/elements.md and docs/mqtt.md.  In a FILE, the
# lines between
#   <!-- BEGIN gen-element-docs ELEMENT -->
#   <!-- END gen-element-docs -->
# are replaced by ELEMENT's property table.  Properties that come from the
# base classes (name, qos, num-buffers, sync, ...) are listed by name only:
# a property is inherited when a stock element of the same base class
# (identity, fakesink, videotestsrc, bin) has one with the same name and
# description.
#
# The plugin is found through GST_PLUGIN_PATH (or GST_PLUGIN_PATH_1_0);
# -b BUILDDIR puts BUILDDIR/plugin in front of it.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
MODE=write
ELEMENT=
while [ $# -gt 0 ]; do
  case $1 in
    -b) [ $# -ge 2 ] || { echo "gen-element-docs: -b needs a directory" >&2; exit 2; }
        GST_PLUGIN_PATH="$(cd "$2" && pwd)/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
        export GST_PLUGIN_PATH; shift 2 ;;
    --check) MODE=check; shift ;;
    --config) MODE=config; shift ;;
    --props) [ $# -ge 2 ] || { echo "gen-element-docs: --props needs an element" >&2; exit 2; }
             MODE=props; ELEMENT=$2; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    -*) echo "gen-element-docs: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || set -- "$TOP/docs/elements.md" "$TOP/docs/mqtt.md"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# inspect ELEMENT: gst-inspect-1.0 output, or exit 1 with a message.
inspect () {
  if ! gst-inspect-1.0 "$1" >"$TMP/inspect-$1" 2>"$TMP/inspect-err"; then
    echo "gen-element-docs: gst-inspect-1.0 $1 failed (is the plugin on GST_PLUGIN_PATH?):" >&2
    cat "$TMP/inspect-err" >&2
    exit 1
  fi
}

# Base-class properties: "name<TAB>blurb" of stock elements.
base_props () {
  [ -f "$TMP/base" ] && return 0
  : >"$TMP/base"
  for ref in identity fakesink videotestsrc bin; do
    gst-inspect-1.0 "$ref" 2>/dev/null |
      awk '/^Element Properties:/ { p = 1; next }
           p && /^[^ ]/ { p = 0 }
           p && /^  [a-z][a-z0-9-]* *: / {
             n = $1; b = $0; sub(/^  [a-z][a-z0-9-]* *: /, "", b)
             print n "\t" b }' >>"$TMP/base"
  done
}

# props ELEMENT: the tab-separated property list (see the header).
props () {
  inspect "$1"
  base_props
  awk -v basefile="$TMP/base" '
    BEGIN {
      FS = "\n"
      while ((getline l < basefile) > 0) base[l] = 1
    }
    function flush() {
      if (name == "") return
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", name, type,
        min, max, def, access, when, nicks, ((name "\t" blurb) in base) ? 1 : 0,
        blurb, ivals, descs
      name = ""
    }
    function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
    /^Element Properties:/ { inprops = 1; next }
    inprops && /^[^ ]/ { flush(); inprops = 0 }
    !inprops { next }
    /^  [a-z][a-z0-9-]* *: / {
      flush()
      name = $0; sub(/^  /, "", name); sub(/ *: .*/, "", name)
      blurb = $0; sub(/^  [a-z][a-z0-9-]* *: /, "", blurb)
      type = ""; min = ""; max = ""; def = ""; access = ""; when = ""
      nicks = ""; ivals = ""; descs = ""; state = 1
      next
    }
    state == 1 && /^ +flags: / {
      f = $0; sub(/^ +flags: /, "", f)
      r = (f ~ /(^|, )readable/); w = (f ~ /(^|, )writable/)
      access = r && w ? "rw" : r ? "r" : "w"
      if (f ~ /changeable only in NULL or READY/) when = "NULL, READY"
      else if (f ~ /changeable in NULL, READY, PAUSED or PLAYING/) when = "any"
      else if (f ~ /changeable only in NULL/) when = "NULL"
      else when = w ? "any" : ""
      state = 2
      next
    }
    state == 2 {
      t = trim($0)
      if (t ~ /^Enum "/) {
        type = "enum"
        def = t; sub(/.*Default: [-0-9]+, "/, "", def); sub(/".*/, "", def)
        state = 3
      } else if (t ~ /^(Unsigned )?(Integer|Integer64|Long|Float|Double)\. /) {
        type = t; sub(/\. .*/, "", type)
        if (type == "Integer") type = "int"
        else if (type == "Unsigned Integer") type = "uint"
        else if (type == "Integer64") type = "int64"
        else if (type == "Unsigned Integer64") type = "uint64"
        else if (type == "Float") type = "float"
        else if (type == "Double") type = "double"
        else if (type == "Long") type = "long"
        else if (type == "Unsigned Long") type = "ulong"
        rng = t; sub(/.*Range: */, "", rng); sub(/ *Default:.*/, "", rng)
        min = rng; sub(/ +- +.*/, "", min)
        max = rng; sub(/.* +- +/, "", max)
        def = t; sub(/.*Default: */, "", def); def = trim(def)
        state = 0
      } else if (t ~ /^Boolean\. /) {
        type = "boolean"; def = t; sub(/.*Default: */, "", def)
        def = trim(def); state = 0
      } else if (t ~ /^String\. /) {
        type = "string"; def = t; sub(/.*Default: */, "", def)
        sub(/ *Write only$/, "", def); def = trim(def); state = 0
      } else {
        type = t; sub(/ *Default:.*/, "", type); state = 0
      }
      next
    }
    state == 3 && /^ +\([-0-9]+\): / {
      t = trim($0)
      iv = t; sub(/^\(/, "", iv); sub(/\).*/, "", iv)
      n = t; sub(/^\([-0-9]+\): /, "", n); d = n; sub(/ .*/, "", n)
      sub(/^[^ ]+ +- /, "", d); gsub(/\|/, "/", d)
      nicks = nicks == "" ? n : nicks "|" n
      ivals = ivals == "" ? iv : ivals "|" iv
      descs = descs == "" ? d : descs "|" d
      next
    }
    END { flush() }
  ' "$TMP/inspect-$1"
}

# table ELEMENT: the markdown table of ELEMENT's own properties, then the
# inherited ones by name.
table () {
  props "$1" >"$TMP/props-$1"
  awk -F '\t' -v el="$1" '
    function code(s) { return "`" s "`" }
    BEGIN {
      print "| property | type | range / values | default | settable in | description |"
      print "|---|---|---|---|---|---|"
    }
    $9 == 1 { inh = inh == "" ? code($1) : inh ", " code($1); next }
    {
      name = $1; type = $2; def = $5; blurb = $10
      if (type == "enum") {
        n = split($8, v, "|"); split($12, d, "|"); rng = ""; vals = ""
        for (i = 1; i <= n; i++) {
          rng = rng (i > 1 ? ", " : "") code(v[i])
          vals = vals (i > 1 ? "; " : "") code(v[i]) ": " d[i]
        }
        def = code(def)
        blurb = blurb ". " vals
      } else if ($3 != "" || $4 != "") {
        rng = $3 " – " $4
      } else {
        rng = ""
      }
      if (type == "string") {
        if (def ~ /^".*"$/) def = substr(def, 2, length(def) - 2)
        def = (def == "null") ? "NULL" : code(def)
      }
      else if (type == "boolean") def = toupper(def)
      if ($6 == "r") { when = "read-only"; def = "" }
      else { when = ($7 == "any") ? "any state" : $7
             if ($6 == "w") when = when ", write-only" }
      gsub(/\|/, "\\|", blurb); gsub(/</, "\\&lt;", blurb); gsub(/>/, "\\&gt;", blurb)
      printf "| %s | %s | %s | %s | %s | %s |\n", code(name), type, rng, def, when, blurb
    }
    END {
      if (inh != "") {
        print ""
        print "Also the base-class properties " inh "."
      }
    }
  ' "$TMP/props-$1"
}

# config_table: the fields of the core configuration (ad_config) from the
# table in core/ad-config.c, symbolic defaults resolved from core/ad.h.
config_table () {
  awk -v hdr="$TOP/core/ad.h" '
    function code(x) { return "`" x "`" }
    BEGIN {
      while ((getline l < hdr) > 0)
        if (match(l, /AD_[A-Z0-9_]+ = -?[0-9]+/)) {
          e = substr(l, RSTART, RLENGTH); split(e, a, / = /); en[a[1]] = a[2]
        }
      print "| key | type | range | default | changes after training | meaning |"
      print "|---|---|---|---|---|---|"
    }
    /^ *FA? \(/ { buf = ""; inf = 1 }
    inf {
      buf = buf " " $0
      if (buf !~ /\) *,? *$/) next
      inf = 0
      fa = buf ~ /^ *FA \(/
      blurb = buf; sub(/^[^"]*"/, "", blurb); sub(/"[^"]*$/, "", blurb)
      pre = buf; sub(/"[^"]*"[^"]*$/, "", pre); sub(/^ *FA? \( */, "", pre)
      n = split(pre, a, / *, */)
      if (fa) { name = a[1] "_" a[2]; type = "int"; lo = a[3]; hi = a[4]; def = a[5]; sc = 0 }
      else {
        name = a[1]; type = (a[2] == "AD_FIELD_FLOAT") ? "float" : "int"
        lo = a[3]; hi = a[4]; def = a[5]; sc = a[6]
      }
      if (def in en) def = en[def]
      gsub(/\|/, "\\|", blurb)
      printf "| %s | %s | %s – %s | %s | %s | %s |\n", code(name), type, lo, hi, def, sc == 1 ? "scoring" : "", blurb
      nf++
    }
    END { if (nf == 0) { print "gen-element-docs: no fields in core/ad-config.c" > "/dev/stderr"; exit 1 } }
  ' "$TOP/core/ad-config.c"
}

case $MODE in
  props)
    props "$ELEMENT"
    exit 0
    ;;
  config)
    config_table
    exit 0
    ;;
esac

# The plugin itself must be there; only single elements with an optional
# dependency may be missing from it.
if ! gst-inspect-1.0 anomaly >/dev/null 2>&1; then
  echo "gen-element-docs: the anomaly plugin is not found (set GST_PLUGIN_PATH or use -b BUILDDIR)" >&2
  exit 1
fi

# update FILE: regenerate its tables (check mode: compare only).
STALE=0
update () {
  FILE=$1
  [ -f "$FILE" ] || { echo "gen-element-docs: $FILE not found" >&2; exit 2; }
  # Generate every table the file asks for.
  for el in $(sed -n 's/^<!-- BEGIN gen-element-docs \([a-z0-9]*\) -->$/\1/p' "$FILE"); do
    [ -f "$TMP/table-$el" ] && continue
    if ! gst-inspect-1.0 "$el" >/dev/null 2>&1 &&
        [ -f "$TOP/elements/gst$el.c" ]; then
      # built without its optional dependency: keep the table as it is
      echo "gen-element-docs: $el is not in this build; its table is left as it is"
      awk -v el="$el" '
        $0 == "<!-- BEGIN gen-element-docs " el " -->" { p = 1; next }
        /^<!-- END gen-element-docs -->$/ { p = 0 }
        p' "$FILE" >"$TMP/table-$el"
      continue
    fi
    table "$el" >"$TMP/table-$el"
  done
  awk -v dir="$TMP" '
    /^<!-- BEGIN gen-element-docs [a-z0-9]+ -->$/ {
      print
      el = $4
      f = dir "/table-" el
      while ((getline l < f) > 0) print l
      close(f)
      skip = 1
      next
    }
    /^<!-- END gen-element-docs -->$/ { skip = 0 }
    !skip { print }
    END { if (skip) { print "gen-element-docs: unterminated block for " el > "/dev/stderr"; exit 1 } }
  ' "$FILE" >"$TMP/out"

  if [ "$MODE" = check ]; then
    if cmp -s "$FILE" "$TMP/out"; then
      n=$(grep -c '^<!-- BEGIN gen-element-docs' "$FILE" || true)
      if [ "$n" -eq 0 ]; then
        echo "gen-element-docs: no generated tables in $FILE" >&2
        STALE=1
      else
        echo "gen-element-docs: $n property tables in $FILE are up to date"
      fi
    else
      echo "gen-element-docs: property tables in $FILE are stale; run sh tools/gen-element-docs.sh -b BUILDDIR:" >&2
      diff -u "$FILE" "$TMP/out" >&2 || true
      STALE=1
    fi
  elif cmp -s "$FILE" "$TMP/out"; then
    echo "gen-element-docs: $FILE unchanged"
  else
    cat "$TMP/out" >"$FILE"
    echo "gen-element-docs: updated $FILE"
  fi
}

for f in "$@"; do
  update "$f"
done
exit $STALE
