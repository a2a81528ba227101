#!/usr/bin/env python3
"""Adds up the TRX files that `dotnet test` wrote and prints "N passed, N failed, N skipped"."""
import glob
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
passed = failed = skipped = 0
files = glob.glob(f"{sys.argv[1] if len(sys.argv) > 1 else 'TestResults'}/**/*.trx", recursive=True)
for path in files:
    counters = ET.parse(path).getroot().find(f"{NS}ResultSummary/{NS}Counters")
    if counters is None:
        continue
    total = int(counters.get("total", 0))
    p = int(counters.get("passed", 0))
    f = int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
    passed += p
    failed += f
    skipped += total - p - f
if not files:
    failed += 1  # no results at all is a failure, not a silent pass
print(f"{passed} passed, {failed} failed, {skipped} skipped")
