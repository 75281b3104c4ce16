#!/usr/bin/env bash
# scripts/check-includes.sh — are there include circles between modules?
#
#   bash scripts/check-includes.sh [DIR...]        (default: engine app)
#
# A module is a .c file and the .h of the same name in the same folder
# (gaussian/gdir.c and gdir.h are one); a header without a .c is a module of
# its own. A header stands for the module of its name and for every module
# whose .c defines a function it declares (including a header that declares
# functions of three .c files depends on all three; a file that defines one
# of them implements the header and depends only on the header itself).
# Every #include "x.h" of a file under
# the DIRs (searched recursively) is an edge from the file's module to those;
# x.h is looked up first beside the including file, then by name anywhere
# under the DIRs (as the -I folders of the build do). Headers found nowhere
# there (include/irvi/, system ones) are leaves and ignored. Prints every
# circle (each strongly connected group of modules, with one closed path
# through it) and exits 1 if there is any.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- engine app
for d in "$@"; do
    [ -d "$d" ] || { echo "check-includes: no folder $d" >&2; exit 2; }
done

# "file<TAB>included name" for every quoted include, then the list of files
find "$@" -type f \( -name '*.c' -o -name '*.h' \) | sort > "${TMPDIR:-/tmp}/ci.$$.files"
trap 'rm -f "${TMPDIR:-/tmp}/ci.$$."*' EXIT
while read -r f; do
    sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
        while read -r inc; do printf '%s\t%s\n' "$f" "$inc"; done
done < "${TMPDIR:-/tmp}/ci.$$.files" > "${TMPDIR:-/tmp}/ci.$$.edges"
# "file<TAB>function" for every function a .c defines (not static) or a .h
# declares: a line starting in column 0 with a type, then name(
while read -r f; do
    { grep -E '^[A-Za-z_][A-Za-z0-9_ ]*[ *]+[A-Za-z_][A-Za-z0-9_]*\(' "$f" || true; } |
        { grep -vE '^(static|typedef|extern|return|else|if|for|while|do|switch)\b' || true; } |
        sed -E 's/^[A-Za-z_][A-Za-z0-9_ ]*[ *]+([A-Za-z_][A-Za-z0-9_]*)\(.*/\1/' |
        while read -r fn; do printf '%s\t%s\n' "$f" "$fn"; done
done < "${TMPDIR:-/tmp}/ci.$$.files" > "${TMPDIR:-/tmp}/ci.$$.funcs"

awk -F'\t' '
function dirof(p) { return p ~ /\// ? substr(p, 1, match(p, /\/[^\/]*$/) - 1) : "." }
function mod(p) { sub(/\.[ch]$/, "", p); return p }
# Tarjan: strongly connected components of the module graph
function visit(v,    i, w) {
    idx[v] = low[v] = ++counter
    stack[++sp] = v; onstack[v] = 1
    for (i = 1; i <= nout[v]; i++) {
        w = out[v, i]
        if (!(w in idx)) { visit(w); if (low[w] < low[v]) low[v] = low[w] }
        else if (onstack[w] && idx[w] < low[v]) low[v] = idx[w]
    }
    if (low[v] == idx[v]) {
        ncomp++; size = 0
        do { w = stack[sp--]; onstack[w] = 0; comp[w] = ncomp; members[ncomp] = members[ncomp] " " w; size++ } while (w != v)
        csize[ncomp] = size
    }
}
# one closed path from s back to s inside its component (breadth first)
function circle(s,    q, head, tail, v, i, w, seen, prev, path) {
    head = 1; tail = 0; delete seen; delete prev
    for (i = 1; i <= nout[s]; i++) {
        w = out[s, i]
        if (comp[w] == comp[s] && !(w in seen)) { seen[w] = 1; prev[w] = s; q[++tail] = w }
    }
    while (head <= tail) {
        v = q[head++]
        if (v == s) break
        for (i = 1; i <= nout[v]; i++) {
            w = out[v, i]
            if (comp[w] == comp[s] && !(w in seen)) { seen[w] = 1; prev[w] = v; q[++tail] = w }
        }
    }
    path = s; v = prev[s]
    while (v != s) { path = v " -> " path; v = prev[v] }
    return s " -> " path
}
function add(a, b) {
    if (a == b || ((a, b) in edge)) return
    edge[a, b] = 1; out[a, ++nout[a]] = b; node[a] = 1; node[b] = 1
}
FILENAME == ARGV[1] { file[$0] = 1; n = split($0, parts, "/"); base = parts[n]
                      if (!(base in byname)) byname[base] = $0; next }
FILENAME == ARGV[2] { if ($1 ~ /\.c$/) { defin[$2] = mod($1); defines[$1, $2] = 1 }
                      else declared[$1, ++ndecl[$1]] = $2; next }
{
    src = $1; inc = $2; cand = dirof(src) "/" inc; sub(/^\.\//, "", cand)
    if (cand in file) target = cand
    else { n = split(inc, parts, "/"); target = (parts[n] in byname) ? byname[parts[n]] : "" }
    if (target == "") next
    add(mod(src), mod(target))
    # a file defining something the header declares implements it: its
    # include is no use of the other implementers of the header
    for (i = 1; i <= ndecl[target]; i++)
        if ((src, declared[target, i]) in defines) next
    for (i = 1; i <= ndecl[target]; i++)
        if (declared[target, i] in defin) add(mod(src), defin[declared[target, i]])
}
END {
    for (v in node) if (!(v in idx)) visit(v)
    bad = 0
    for (c = 1; c <= ncomp; c++) if (csize[c] > 1) {
        bad++
        split(members[c], ms, " "); first = ms[1]
        for (k in ms) if (ms[k] < first) first = ms[k]
        printf "circle:%s\n    %s\n", members[c], circle(first)
    }
    if (bad) { printf "%d include circle(s)\n", bad; exit 1 }
    print "no include circles"
}' "${TMPDIR:-/tmp}/ci.$$.files" "${TMPDIR:-/tmp}/ci.$$.funcs" "${TMPDIR:-/tmp}/ci.$$.edges"
