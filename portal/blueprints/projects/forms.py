"""The project forms: the list's filters, and the proposal with budget and funding rows that a person adds and
removes without JavaScript (each row is posted as budget-0-label, budget-0-amount, ...)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, SearchField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from portal.blueprints.auth.forms import options
from portal.domain import projects as rules

MAX_ROWS = 100
DOCUMENT_KIND_LABELS = {
    "technical_file": _l("Technical file"),
    "quote": _l("Quote"),
    "statutes": _l("Statutes"),
    "minutes": _l("Minutes of a general assembly"),
    "photo": _l("Photo"),
    "other": _l("Other"),
}


def _select(label, **kwargs) -> SelectField:
    """A select whose choices the view sets; the domain, not the form, says whether the value is acceptable."""
    return SelectField(label, choices=[], validate_choice=False, **kwargs)


class FilterForm(Form):
    """The list's filters, read from the query string (GET: nothing to forge, no CSRF token)."""

    q = SearchField(_l("Title contains"), render_kw={"maxlength": 200})
    status = _select(_l("Status"))
    sector = _select(_l("Sector"))
    region = _select(_l("Region"))
    commune = SearchField(_l("Commune name"), render_kw={"maxlength": 200})
    association = SearchField(_l("Association name"), render_kw={"maxlength": 200})

    def set_choices(self, regions) -> None:
        anything = [("", _l("All"))]
        self.status.choices = options(anything + list(rules.STATUS_LABELS.items()))
        self.sector.choices = options(anything + list(rules.SECTOR_LABELS.items()))
        self.region.choices = options(anything + [(region.code, region.name) for region in regions])


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


class ProjectForm(FlaskForm):
    title = StringField(_l("Title"), render_kw={"maxlength": rules.TITLE_MAX})
    summary = TextAreaField(_l("Summary"), render_kw={"rows": 5})
    sector = _select(_l("Sector"))
    association_id = _select(_l("Proposing association"))
    commune_id = _select(_l("Commune"))
    village = StringField(_l("Village (optional)"), render_kw={"maxlength": rules.SHORT_MAX})
    pdsec_period = StringField(_l("PDSEC period (optional)"), render_kw={"maxlength": 20})
    pdsec_line = StringField(_l("PDSEC line (optional)"), render_kw={"maxlength": rules.SHORT_MAX})
    sdg_tags = StringField(_l("Sustainable development goals (optional)"), render_kw={"maxlength": 60})
    budget = FieldList(FormField(BudgetLineForm), max_entries=MAX_ROWS + 1)
    funding = FieldList(FormField(FundingLineForm), max_entries=MAX_ROWS + 1)
    version = HiddenField()

    def set_choices(self, associations, communes, organisations, currencies) -> None:
        """`organisations`: (group label, [organisations]) for the funding lines' select."""
        self.sector.choices = options([("", _l("Choose a sector"))] + list(rules.SECTOR_LABELS.items()))
        self.association_id.choices = options((str(a.id), a.name) for a in associations)
        self.commune_id.choices = options([("", _l("Choose a commune"))] + [(str(c.id), c.name) for c in communes])
        currency_choices = options((code, code) for code in currencies)
        party_choices = options([("", _l("Choose"))] + list(rules.PARTY_KIND_LABELS.items()))
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
