"""Display titles for the domain's enums, in the user's language."""

from datetime import UTC

from flask_babel import lazy_gettext as _l

from .domain import calendar

ROLE = {
    "provider_user": _l("Provider user"),
    "provider_admin": _l("Provider administrator"),
    "reviewer": _l("Reviewer"),
    "supervisor": _l("Supervisor"),
    "administrator": _l("Administrator"),
}

STATUS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "under_review": _l("Under review"),
    "information_requested": _l("Information requested"),
    "decision_proposed": _l("Decision proposed"),
    "accepted": _l("Accepted"),
    "returned": _l("Returned"),
    "withdrawn": _l("Withdrawn"),
}

PROVIDER_STATUS = {
    "draft": _l("Draft"),
    "received": _l("Received"),
    "under_review": _l("Under review"),
    "information_requested": _l("Information requested"),
    "accepted": _l("Accepted"),
    "returned": _l("Returned"),
    "withdrawn": _l("Withdrawn"),
}

NOTICE_TYPE = {
    "new": _l("New service"),
    "change": _l("Material change to a notified service"),
    "discontinuation": _l("Discontinuation"),
}

CATEGORY = {
    "hot_wallet": _l("Hot-wallet management"),
    "cold_storage": _l("Cold-storage management"),
    "key_management": _l("Key generation and storage (HSM / MPC / multisig)"),
    "signing_workflow": _l("Transaction signing and approval workflow"),
    "node_operation": _l("Node operation"),
    "screening": _l("Address and transaction screening"),
    "other": _l("Other"),
}

DELIVERY_MODEL = {
    "saas": _l("SaaS"),
    "on_premises": _l("On-premises licence"),
    "managed": _l("Managed service"),
    "hybrid": _l("Hybrid"),
}

SIGNING_SCHEME = {
    "hsm": _l("HSM"),
    "mpc": _l("MPC (threshold signatures)"),
    "multisig": _l("Multisig"),
    "other": _l("Other"),
}

FISC = {
    "full": _l("Complies in full"),
    "partial": _l("Complies in part"),
    "none": _l("Does not comply"),
}

CERTIFICATION_KIND = {
    "iso27001": _l("ISO/IEC 27001"),
    "soc2_type2": _l("SOC 2 Type II"),
    "other": _l("Other"),
}

ATTACHMENT_CATEGORY = {
    "architecture": _l("System architecture"),
    "security_assessment": _l("Security assessment"),
    "certification": _l("Certification"),
    "contract_template": _l("Client contract template"),
    "other": _l("Other"),
}

ACTION = {
    "create": _l("Draft created"),
    "submit": _l("Submitted"),
    "withdraw": _l("Withdrawn"),
    "take": _l("Taken for review"),
    "assign": _l("Assigned"),
    "request_information": _l("Information requested"),
    "respond": _l("Provider responded"),
    "propose_decision": _l("Decision proposed"),
    "confirm_decision": _l("Decision confirmed"),
    "send_back": _l("Sent back for review"),
    "note": _l("Internal note"),
}

# What each action does, as the subject of a refusal ("… is not possible while …"): the
# history's past-tense names above would read as if it had happened.
ACTION_TO_DO = {
    "submit": _l("Submitting"),
    "delete": _l("Deleting the draft"),
    "take": _l("Taking the notice for review"),
    "assign": _l("Assigning a handler"),
    "request_information": _l("Requesting information"),
    "respond": _l("Responding to the information request"),
    "propose_decision": _l("Proposing a decision"),
    "confirm_decision": _l("Confirming the decision"),
    "send_back": _l("Sending the proposal back"),
    "withdraw": _l("Withdrawing"),
}

DOCUMENT_KIND = {
    "receipt": _l("Receipt"),
    "decision": _l("Decision notice"),
    "information_request": _l("Information request letter"),
}

TABLES = {
    "document_kind_label": DOCUMENT_KIND,
    "role_label": ROLE,
    "status_label": STATUS,
    "provider_status_label": PROVIDER_STATUS,
    "notice_type_label": NOTICE_TYPE,
    "category_label": CATEGORY,
    "delivery_model_label": DELIVERY_MODEL,
    "signing_scheme_label": SIGNING_SCHEME,
    "fisc_label": FISC,
    "certification_kind_label": CERTIFICATION_KIND,
    "attachment_category_label": ATTACHMENT_CATEGORY,
    "action_label": ACTION,
}


def choices(table: dict):
    from .forms import options

    return options(table.items())


def _lookup(table):
    def label(value):
        if value is None or value == "":
            return "—"
        return table.get(str(value), str(value))

    return label


class _RenderLabels:
    """One table's labels for one page: each translated once, however many rows repeat it.

    A list of 50 notices asks for the same few status and type labels again and again;
    through lazy_gettext each ask costs a trip through Flask-Babel's request context."""

    __slots__ = ("table", "seen")

    def __init__(self, table):
        self.table = table
        self.seen = {}

    def __call__(self, value):
        if value is None or value == "":
            return "—"
        key = str(value)
        text = self.seen.get(key)
        if text is None:
            text = self.seen[key] = str(self.table.get(key, key))
        return text


def init_app(app):
    for name, table in TABLES.items():
        # For macros imported without context; pages get the memoised ones below.
        app.jinja_env.globals[name] = _lookup(table)

    @app.context_processor
    def page_labels():
        return {name: _RenderLabels(table) for name, table in TABLES.items()}

    init_filters(app)


def refusal(refused) -> str:
    """Why an action was refused, in the user's language."""
    from flask_babel import gettext

    if refused.reason is not None:
        return str(refused.reason)
    return gettext(
        "%(action)s is not possible while the notice is “%(status)s”.",
        action=ACTION_TO_DO.get(str(refused.action), str(refused.action)),
        status=STATUS.get(str(refused.status), str(refused.status)),
    )


def jst(moment, with_seconds=False):
    """A stored UTC time as Japan time, with the zone named.

    Digits only, the same in every language, so no locale is consulted (Babel's
    formatter costs a context lookup and a pattern parse per call, per table row)."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:  # SQLite gives back naive UTC
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(calendar.JST)
    return local.strftime("%Y-%m-%d %H:%M:%S JST" if with_seconds else "%Y-%m-%d %H:%M JST")


def country(code):
    """A country's name in the user's language, as the forms' country choices name it
    (Babel's CLDR names); the code itself if CLDR has no name for it."""
    from flask_babel import get_locale

    if not code:
        return "—"
    locale = get_locale()
    return (locale.territories.get(code) if locale else None) or code


def init_filters(app):
    from .acknowledgements.codes import format_code
    from .domain.workflow import Status, provider_status

    app.jinja_env.filters["jst"] = jst
    app.jinja_env.filters["country"] = country
    app.jinja_env.filters["code_groups"] = format_code
    app.jinja_env.globals["provider_face"] = lambda status: provider_status(Status(status))
