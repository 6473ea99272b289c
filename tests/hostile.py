# SPDX-License-Identifier: GPL-2.0-or-later
"""One corpus of hostile strings, for every place a string enters gpupt.

Each entry is (label, bytes). The tests feed them through entry names,
types, parents, uuids, file names of the config and of recipes, and sysfs
attributes (driver, modalias, mdev and vGPU type names), then check every
output with its real consumer. Bytes, not str: file names and sysfs values
need not be UTF-8.
"""

CORPUS = [
    ("newline", b"a\nb"),
    ("newline-directive", b"x\n[Service]\nExecStartPre=/bin/sh -c id\n[Unit]\nX-a="),
    ("cr", b"a\rb"),
    ("percent", b"%n%H%Z"),
    ("percent-alone", b"100%"),
    ("backslash-end", b"abc\\"),
    ("backslash-mid", b"a\\nb"),
    ("double-quote", b'a"b'),
    ("single-quote", b"a'b"),
    ("dollar", b"$HOME${PATH}"),
    ("backtick", b"`id`"),
    ("slash", b"a/b"),
    ("dotdot", b"../../etc/passwd"),
    ("spaces", b"a b  c"),
    ("leading-dash", b"--help"),
    ("non-utf8", b"a\xff\xfeb"),
    ("esc-csi", b"\x1b[31mred\x1b[0m"),
    ("esc-osc-title", b"\x1b]0;pwned\x07"),
    ("c1-csi", b"\xc2\x9b31m"),
    ("bell-del", b"a\x07\x7fb"),
    ("semicolon-amp", b"a;b&c|d"),
    ("angle-amp", b"<x a='1'>&amp;</x>"),
    ("comma-equals", b"a,b=c"),
    ("long", b"d" * 300),
]


