#!/bin/sh
# tools/checks/no_vtables.sh PROGRAM [NM]: fails if PROGRAM, which only includes stepfn's public
# headers (header-only) and does nothing, contains a vtable of a stepfn class. One there means
# a class whose first virtual function is declared without `inline` and defined inline in a
# header: that function is the class's key function, so every header-only translation unit
# emits the vtable and all the code it reaches (the whole engine, once). Declare it
# STEPFN_INLINE (docs/performance/compile-cost.md).
set -u
found=$("${2:-nm}" -C "$1" | grep 'vtable for stepfn' || true)
if [ -n "$found" ]; then
    echo "$found"
    echo "no_vtables: $1 emits the stepfn vtables above though it uses nothing: declare their classes' first virtual functions STEPFN_INLINE"
    exit 1
fi
echo "no_vtables: no stepfn vtable in a program that only includes the public headers"
