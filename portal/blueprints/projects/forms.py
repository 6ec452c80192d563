"""The project forms: the list's filters, and the proposal with budget and funding rows that a person adds and
removes without JavaScript (each row is posted as budget-0-label, budget-0-amount, ...). The proposal form
translates itself both ways: from a project (`data_of`) and into the operation's input (`to_input`), and puts
the operation's refusals next to its fields (`place_errors`)."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, SearchField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from portal.blueprints.forms import options, place_errors, typed_amount
from portal.domain import projects as rules
from portal.errors import Refused
from portal.i18n import currency_label, format_amount_for_form
from portal.ids import parse_id
from portal.labels import PARTY_KIND_LABELS, SECTOR_LABELS, STATUS_LABELS
from portal.models import PUBLIC_STATUSES, Project

MAX_ROWS = 100
SEARCH_MAX = 200


def _select(label, **kwargs) -> SelectField:
    """A select whose choices the view sets; the domain, not the form, says whether the value is acceptable."""
    return SelectField(label, choices=[], validate_choice=False, **kwargs)


class FilterForm(Form):
    """The list's filters, read from the query string (GET: nothing to forge, no CSRF token)."""

    q = SearchField(_l("Title contains"), render_kw={"maxlength": SEARCH_MAX})
    status = _select(_l("Status"))
    sector = _select(_l("Sector"))
    region = _select(_l("Region"))
    commune = SearchField(_l("Commune name"), render_kw={"maxlength": SEARCH_MAX})
    association = SearchField(_l("Association name"), render_kw={"maxlength": SEARCH_MAX})

    def set_choices(self, regions, public_only: bool = False) -> None:
        """`public_only`: the viewer sees only public projects (`visibility.sees_public_projects_only`): they are
        offered no status they could never find."""
        # One "all" per field: French agrees it with the noun (tous les statuts, toutes les régions).
        statuses = [(code, text) for code, text in STATUS_LABELS.items() if not public_only or code in PUBLIC_STATUSES]
        self.status.choices = options([("", _l("All statuses"))] + statuses)
        self.sector.choices = options([("", _l("All sectors"))] + list(SECTOR_LABELS.items()))
        self.region.choices = options(
            [("", _l("All regions"))] + [(region.code, region.display_name) for region in regions]
        )

    def filters(self, args) -> dict:
        """The filters the visitor gave, for `rules.filter_projects`: the form's fields, and a commune or an
        association chosen by a link (`commune_id`, `association_id` in the query string)."""
        given = {name: (self[name].data or "").strip()[:SEARCH_MAX] for name in self._fields}
        chosen = {name: parse_id(args.get(name)) for name in ("commune_id", "association_id")}
        return {name: value for name, value in {**given, **chosen}.items() if value}


class BudgetLineForm(Form):
    label = StringField(_l("What it pays for"), render_kw={"maxlength": rules.SHORT_MAX})
    amount = StringField(_l("Amount"), render_kw={"inputmode": "decimal", "maxlength": 30})
    currency = _select(_l("Currency"), default="XOF")

    def is_blank(self) -> bool:
        return not (self.label.data or "").strip() and not (self.amount.data or "").strip()


class FundingLineForm(Form):
    party_kind = _select(_l("Who funds it"), default="")
    organisation_id = _select(_l("Organisation (optional)"), default="")
    amount = StringField(_l("Amount"), render_kw={"inputmode": "decimal", "maxlength": 30})
    currency = _select(_l("Currency"), default="XOF")

    def is_blank(self) -> bool:
        return not (self.party_kind.data or self.organisation_id.data or (self.amount.data or "").strip())


# The field a new line of each list starts with: where "Add a line" lands.
FIRST_FIELD_OF_LINE = {"budget": "label", "funding": "party_kind"}


def _sdg_tags(raw: str | None) -> list:
    """ "3, 6" gives [3, 6]; anything else is passed on as typed, for the rule to refuse with its message."""
    tokens = [t for t in re.split(r"[\s,;]+", (raw or "").strip()) if t]
    if all(t.isdigit() and len(t) <= 2 for t in tokens):
        return sorted({int(t) for t in tokens})
    return tokens


def _id_or_missing(text) -> int:
    """An id from a select; -1 (which no row has) when missing or unreadable, so that the rule names the field."""
    return parse_id(text) or -1


class ProjectForm(FlaskForm):
    title = StringField(_l("Title"), render_kw={"maxlength": rules.TITLE_MAX})
    summary = TextAreaField(_l("Summary"), render_kw={"rows": 5})
    sector = _select(_l("Sector"))
    association_id = _select(_l("Proposing association"))
    commune_id = _select(_l("Commune"))
    village = StringField(_l("Village (optional)"), render_kw={"maxlength": rules.SHORT_MAX})
    pdsec_period = StringField(_l("PDESC period (optional)"), render_kw={"maxlength": 20})
    pdsec_line = StringField(_l("PDESC line (optional)"), render_kw={"maxlength": rules.SHORT_MAX})
    sdg_tags = StringField(_l("Sustainable development goals (optional)"), render_kw={"maxlength": 60})
    budget = FieldList(FormField(BudgetLineForm), max_entries=MAX_ROWS + 1)
    funding = FieldList(FormField(FundingLineForm), max_entries=MAX_ROWS + 1)
    version = HiddenField()

    def set_choices(self, associations, communes, organisations, currencies) -> None:
        """`organisations`: (group label, [organisations]) for the funding lines' select."""
        self.sector.choices = options([("", _l("Choose a sector"))] + list(SECTOR_LABELS.items()))
        self.association_id.choices = options((str(a.id), a.name) for a in associations)
        self.commune_id.choices = options(
            [("", _l("Choose a commune"))] + [(str(c.id), c.display_name) for c in communes]
        )
        currency_choices = options((code, currency_label(code)) for code in currencies)
        party_choices = options([("", _l("Choose"))] + list(PARTY_KIND_LABELS.items()))
        organisation_choices = options([("", "—")]) + [
            SelectChoice(value=str(o.id), label=o.name, optgroup=str(group))
            for group, members in organisations
            for o in members
        ]
        for row in self.budget:
            row.form.currency.choices = currency_choices
        for row in self.funding:
            row.form.party_kind.choices = party_choices
            row.form.organisation_id.choices = organisation_choices
            row.form.currency.choices = currency_choices

    @staticmethod
    def data_of(project: Project) -> dict:
        """The form's values for an existing project, amounts written as the pages write them, with their currency's
        decimals ("8 500,50" in French)."""
        return {
            "title": project.title,
            "summary": project.summary or "",
            "sector": project.sector,
            "commune_id": str(project.commune_id),
            "association_id": str(project.association_id),
            "village": project.village or "",
            "pdsec_period": project.pdsec_period or "",
            "pdsec_line": project.pdsec_line or "",
            "sdg_tags": ", ".join(str(t) for t in project.sdg_tags or []),
            "version": str(project.version),
            "budget": [
                {
                    "label": line.label,
                    "amount": format_amount_for_form(line.amount, line.currency),
                    "currency": line.currency,
                }
                for line in project.budget_lines
            ]
            or [{}],
            "funding": [
                {
                    "party_kind": line.party_kind,
                    "organisation_id": str(line.organisation_id or ""),
                    "amount": format_amount_for_form(line.amount, line.currency),
                    "currency": line.currency,
                }
                for line in project.funding_lines
            ]
            or [{}],
        }

    def edit_rows(self, posted) -> bool:
        """Adds or removes a budget or funding row when that button was pressed; False when the person saves."""
        for rows, name in ((self.budget, "budget"), (self.funding, "funding")):
            if f"add_{name}" in posted:
                if len(rows) < MAX_ROWS:  # a new line in the currency of the one above it
                    rows.append_entry({"currency": rows[-1].currency.data} if len(rows) else None)
                    # The page comes back on the new line (the button's address names it): its first field
                    # takes the focus, without JavaScript.
                    first = rows[-1].form[FIRST_FIELD_OF_LINE[name]]
                    first.render_kw = {**(first.render_kw or {}), "autofocus": True}
                return True
            if f"remove_{name}" in posted:
                raw = posted.get(f"remove_{name}", "").strip()
                position = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else None
                if position is not None and position < len(rows):
                    rows.entries.pop(position)
                return True
        return False

    def _kept_rows(self):
        """The positions of the budget and funding rows that are not blank (blank ones are left out)."""
        return (
            [i for i, row in enumerate(self.budget) if not row.form.is_blank()],
            [i for i, row in enumerate(self.funding) if not row.form.is_blank()],
        )

    def to_input(self, creating: bool) -> rules.ProjectInput:
        """What the form says, for the rules; blank rows left out."""
        budget_rows, funding_rows = self._kept_rows()
        budget = [self.budget[i].form for i in budget_rows]
        funding = [self.funding[i].form for i in funding_rows]
        data = rules.ProjectInput(
            title=self.title.data or "",
            summary=self.summary.data or "",
            sector=self.sector.data or "",
            commune_id=_id_or_missing(self.commune_id.data),
            village=self.village.data or "",
            association_id=_id_or_missing(self.association_id.data) if creating else None,
            pdsec_period=self.pdsec_period.data or "",
            pdsec_line=self.pdsec_line.data or "",
            sdg_tags=_sdg_tags(self.sdg_tags.data),
            budget_lines=[
                {
                    "label": row["label"].data or "",
                    "amount": typed_amount(row.amount.data),
                    "currency": row.currency.data or "",
                }
                for row in budget
            ],
            funding_lines=[
                {
                    "party_kind": row.party_kind.data or None,
                    "organisation_id": _id_or_missing(row.organisation_id.data) if row.organisation_id.data else None,
                    "amount": typed_amount(row.amount.data),
                    "currency": row.currency.data or "",
                }
                for row in funding
            ],
        )
        data.given = set(rules.PROJECT_FIELDS) | {"budget_lines", "funding_lines"}
        return data

    def version_read(self) -> int | None:
        return parse_id(self.version.data)

    def place_errors(self, error: Refused) -> list[str]:
        """Puts each message of the refusal next to its field (a row's, for "budget_lines.0.amount"); returns
        those that belong to no field."""
        budget_rows, funding_rows = self._kept_rows()
        targets = {}
        for key, rows, positions in (
            ("budget_lines", self.budget, budget_rows),
            ("funding_lines", self.funding, funding_rows),
        ):
            for index, position in enumerate(positions):
                for name, field in rows[position].form._fields.items():
                    targets[f"{key}.{index}.{name}"] = field
        for name in rules.PROJECT_FIELDS:
            targets[name] = self[name]
        return place_errors(self, error, targets)
