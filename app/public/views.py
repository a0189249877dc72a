import csv
import io
import json

from flask import Response, current_app, render_template, request, stream_with_context

from ..forms import search_text
from ..paging import cursor_arg
from . import register as public_register


def _q() -> str:
    return search_text(request.args.get("q"))


def register():
    entries, next_cursor = public_register.page(
        _q(), cursor_arg(request.args), current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "public/register.html",
        entries=entries,
        next_cursor=next_cursor,
        q=_q(),
        first=not request.args.get("after"),
    )


def register_csv():
    q = _q()

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        # A byte-order mark, so spreadsheet programs read the Japanese as UTF-8.
        buffer.write("\ufeff")
        writer.writerow(public_register.FIELDS)
        for entry in public_register.every_entry(q):
            values = entry.as_dict()
            values["categories"] = " ".join(values["categories"])
            writer.writerow([_cell(values[name]) for name in public_register.FIELDS])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(rows()),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": "attachment; filename=register.csv"},
    )


def _cell(value):
    """Keep spreadsheet programs from running a cell as a formula."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def register_json():
    q = _q()

    def body():
        yield '{"format":1,"entries":['
        for index, entry in enumerate(public_register.every_entry(q)):
            yield ("," if index else "") + json.dumps(entry.as_dict(), ensure_ascii=False)
        yield "]}"

    return Response(stream_with_context(body()), mimetype="application/json")
