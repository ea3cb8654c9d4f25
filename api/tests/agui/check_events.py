"""Checks AG-UI events against the protocol's own models (`ag-ui-protocol`).

Reads one event JSON object per line on stdin. Each must validate as the
protocol's `Event` union, and dump back (camelCase, unset fields left out)
to exactly what was sent: a misspelt, snake_case or extra field fails. Exit 0 when all
pass; otherwise the first failure on stderr and exit 1.
"""

import json
import sys

from pydantic import TypeAdapter

from ag_ui.core import Event

adapter = TypeAdapter(Event)
count = 0
for number, line in enumerate(sys.stdin, 1):
    if not line.strip():
        continue
    sent = json.loads(line)
    try:
        # camelCase only: a snake_case key must not pass for its alias.
        event = adapter.validate_python(sent, by_alias=True, by_name=False)
    except Exception as error:  # pydantic's ValidationError, with its reasons
        print(f"event {number} is not an AG-UI event: {sent}\n{error}", file=sys.stderr)
        sys.exit(1)
    if event.model_extra:
        print(f"event {number} has fields the protocol does not: {sorted(event.model_extra)}", file=sys.stderr)
        sys.exit(1)
    back = event.model_dump(by_alias=True, exclude_none=True, mode="json")
    if back != sent:
        print(f"event {number} has fields the protocol does not: {sent} != {back}", file=sys.stderr)
        sys.exit(1)
    count += 1
print(f"{count} AG-UI events valid")
