"""Pages for people, in Vietnamese: server-rendered Jinja2, no JavaScript, nothing from elsewhere.

Each page renders the same document the API serves (built by the command line's functions), so
a page and `thidua … --format json` never disagree. Pages are read without signatures: on an
enforcing store only what `--public` opens is shown. Persons' discipline records are never shown
on a page, whatever the store (the events are named, their content withheld).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from thidua.service.state import Failure, Service

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

PRIVATE_TYPES = {"discipline.recorded"}  # a person's discipline: never on a page
STATUS = {"proposed": "đề nghị", "pending": "chờ quyết định (đồng hạng)", "resolved": "hội nghị đã quyết định"}
KINDS = {
    "score": "điểm",
    "cap": "mức trần",
    "bonus": "điểm thưởng",
    "deduction": "điểm trừ",
    "total": "tổng",
    "exclusion": "loại",
    "condition": "điều kiện",
    "award": "khen thưởng",
    "tie": "đồng hạng",
    "warning": "lưu ý",
    "setting": "thiết lập",
    "note": "ghi chú",
}
EVENT_STATUS = {"counts": "được tính"}
HIDDEN_KEYS = {"position", "type", "status", "recorded_at", "province", "period", "at", "actor"}


def number(value: Any) -> str:
    """Points as Vietnamese write them: 176,5."""
    if value is None:
        return "–"
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        text = format(Decimal(str(value)).normalize(), "f")
        return text.replace(".", ",")
    return str(value)


def event_status(status: str) -> str:
    if status in EVENT_STATUS:
        return EVENT_STATUS[status]
    return status.replace("superseded by", "bị thay bởi").replace("retracted by", "bị rút bởi")


def details(event: dict[str, Any]) -> str:
    if event.get("type") in PRIVATE_TYPES:
        return "(hồ sơ kỷ luật cá nhân — không công khai)"
    parts = []
    for key, value in event.items():
        if key in HIDDEN_KEYS:
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        if isinstance(value, bool):
            value = "có" if value else "không"
        parts.append(f"{key}={number(value) if not isinstance(value, str) else value}")
    return " · ".join(parts)


templates.env.filters.update(number=number, event_status=event_status, details=details)
templates.env.globals.update(STATUS=STATUS, KINDS=KINDS)


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


def _service(request: Request) -> Service:
    return request.app.state.service


def _allowed(request: Request, public: bool) -> Service:
    """Pages carry no signature: an enforcing store shows only what --public opens."""
    service = _service(request)
    if service.keys.enforcing and not (public and service.settings.public):
        raise Failure(
            401,
            1,
            "Trang này chỉ dành cho người được giao quyền: dùng lệnh thidua với --as và --key"
            + ("" if public else "; hồ sơ chi tiết không công khai"),
        )
    return service


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    service = _service(request)
    as_of = request.query_params.get("as_of") or ""
    return templates.TemplateResponse(
        request,
        template,
        {"mode": service.mode, "public": service.settings.public, "as_of": as_of, **context},
        status_code=status,
    )


def error_page(request: Request, failure: Failure) -> Response:
    return render(request, "error.html", status=failure.status, message=failure.message, code=failure.status)


def _periods(service: Service) -> dict[str, list[str]]:
    """Province → periods with events in the store (from the read models' index when kept)."""
    found: set[tuple[str, str]] = set()
    store = service.ctx.store
    if store.has_read_models:
        from thidua.readmodels.index import ReadModels

        models = ReadModels.of(store)
        models.catch_up()
        found = set(models.periods())
    else:
        found = {(s.record["province"], s.record["period"]) for s in store.read()}
    out: dict[str, list[str]] = {}
    for province, period in sorted(found):
        out.setdefault(province, []).append(period)
    return out


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    from thidua.cli.queries import plugins_document

    service = _allowed(request, public=True)
    with service.using() as ctx:
        plugins = plugins_document(ctx)["plugins"]
        periods = _periods(service)
        position, head_hash = ctx.store.head()
    return render(request, "home.html", plugins=plugins, periods=periods, position=position, head_hash=head_hash)


@router.get("/p/{province}/{period}", response_class=HTMLResponse)
def standings(request: Request, province: str, period: str, as_of: str | None = None) -> Response:
    from thidua.cli.queries import eligibility_document, standings_document

    service = _allowed(request, public=True)
    with service.using() as ctx:
        ctx.province(province)
        if ctx.plugins.implements(province, "thidua_standings"):
            data = standings_document(ctx, province, period, None, as_of or None)
            charts = [_chart(b) for b in data["blocks"]]
            return render(request, "standings.html", doc=data, charts=charts, award_name=_award_names(ctx, province))
        if service.keys.enforcing:  # a selecting province lists persons: not public
            _allowed(request, public=False)
        data = eligibility_document(ctx, province, period, as_of or None)
    return render(request, "eligibility.html", doc=data)


def _award_names(ctx: Any, province: str) -> Any:
    """An award key's Vietnamese name from the province's `[office]` names (the key if it has none)."""
    from thidua.office.lang import province_names

    names = province_names(ctx.plugins, province)
    return lambda key: names.name(key, "vi") if key else ""


def _chart(block: dict[str, Any]) -> dict[str, Any]:
    """An SVG bar chart of a block's totals: bars to scale, eligible units coloured."""
    units = block["units"]
    top = max((Decimal(str(u["total"])) for u in units if u["total"] is not None), default=Decimal(1)) or Decimal(1)
    longest = max((len(u["name"]) for u in units), default=10)
    row, label, width = 26, min(40 + longest * 7, 330), 330  # ~7 px a character at 12 px
    bars = []
    for i, u in enumerate(units):
        total = Decimal(str(u["total"] or 0))
        bars.append(
            {
                "y": i * row,
                "w": float(max(total, Decimal(0)) / top * width),
                "name": u["name"],
                "total": number(u["total"]),
                "eligible": u["eligible"],
                "award": bool(u["award"]),
            }
        )
    return {"bars": bars, "height": max(len(units), 1) * row, "label": label, "width": label + width + 70}


@router.get("/p/{province}/{period}/unit/{unit}", response_class=HTMLResponse)
def unit(request: Request, province: str, period: str, unit: str, as_of: str | None = None) -> Response:
    return _explain(request, province, period, unit, None, as_of)


@router.get("/p/{province}/{period}/person/{person}", response_class=HTMLResponse)
def person(request: Request, province: str, period: str, person: str, as_of: str | None = None) -> Response:
    return _explain(request, province, period, None, person, as_of)


def _explain(
    request: Request, province: str, period: str, unit: str | None, person: str | None, as_of: str | None
) -> Response:
    from thidua.cli.queries import explain_document

    service = _allowed(request, public=False)
    with service.using() as ctx:
        data = explain_document(ctx, province, period, unit, person, as_of or None)
        award_name = _award_names(ctx, province)
    by_position = {e["position"]: e for e in data["events"]}
    private = {e["position"] for e in data["events"] + data["other_events"] if e["type"] in PRIVATE_TYPES}
    return render(request, "explain.html", doc=data, by_position=by_position, private=private, award_name=award_name)


@router.get("/p/{province}/{period}/diff", response_class=HTMLResponse)
def diff(request: Request, province: str, period: str) -> Response:
    from thidua.cli.audit import diff_document

    service = _allowed(request, public=False)
    start, end = request.query_params.get("from") or "", request.query_params.get("to") or ""
    data, groups = None, []
    if start and end:
        with service.using() as ctx:
            data = diff_document(ctx, province, period, start, end)
        groups = [(f"{b['name']} ({b['block']})", b["changes"]) for b in data.get("blocks", [])]
        if "candidates" in data:
            groups = [("Ứng viên", data["candidates"])] if data["candidates"] else []
    return render(request, "diff.html", province=province, period=period, start=start, end=end, doc=data, groups=groups)


@router.get("/rules/{province}", response_class=HTMLResponse)
def rules(request: Request, province: str, period: str | None = None) -> Response:
    from thidua.audit import catalogue

    service = _allowed(request, public=True)
    with service.using() as ctx:
        if period:
            ctx.ruleset(province, period)
        found = ctx.province(province)
        entries = catalogue.listing(found, period or None)
    return render(request, "rules.html", province=province, name=found.name, period=period, rules=entries)


@router.get("/verify", response_class=HTMLResponse)
def verify(request: Request) -> Response:
    from thidua.log.verify import Breach, verify_chain

    service = _allowed(request, public=True)
    with service.using() as ctx:
        result = verify_chain(ctx.store)
    breach = result if isinstance(result, Breach) else None
    return render(request, "verify.html", result=result, breach=breach)
