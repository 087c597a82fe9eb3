"""Count each secret in each log, printing only names and counts (never a secret).

Usage: python3 count_secrets.py LOG...   with {"name": "value", ...} on stdin.
Prints {"checked": <number of secrets>, "found": {"LOG": {"name": count}}}, listing only what occurs.
"""

import json
import sys

secrets = json.load(sys.stdin)
found = {}
for log in sys.argv[1:]:
    with open(log, encoding="utf-8", errors="replace") as output:
        text = output.read()
    counts = {name: text.count(value) for name, value in secrets.items() if value}
    found[log] = {name: count for name, count in counts.items() if count > 0}
print(json.dumps({"checked": len(secrets), "found": {log: names for log, names in found.items() if names}}, sort_keys=True))
