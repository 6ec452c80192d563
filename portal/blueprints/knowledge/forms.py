"""The indicator entry form: a value of an indicator for a commune and a year, with its source. The domain checks
the values (portal/domain/indicators.py `check_input`) and the form puts its refusals next to the fields."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField

from portal.blueprints.forms import options
from portal.domain.indicators import SOURCE_MAX
from portal.i18n import countries_by_name
from portal.labels import INDICATOR_LABELS, UNIT_LABELS, label
from portal.models import INDICATORS


class IndicatorForm(FlaskForm):
    indicator = SelectField(_l("Indicator"), choices=[], validate_choice=False)
    year = StringField(_l("Year"), render_kw={"inputmode": "numeric", "maxlength": 4})
    value = StringField(_l("Value"), render_kw={"inputmode": "decimal", "maxlength": 20})
    source = StringField(_l("Source"), render_kw={"maxlength": SOURCE_MAX})
    country = SelectField(_l("Destination country (emigrants only)"), choices=[], validate_choice=False)
    sex = SelectField(_l("Sex (emigrants only)"), choices=[], validate_choice=False)
    version = HiddenField()

    def set_choices(self) -> None:
        self.indicator.choices = options(
            (spec.code, f"{label(INDICATOR_LABELS, spec.code)} ({label(UNIT_LABELS, spec.unit)})")
            for spec in INDICATORS
            if not spec.computed
        )
        self.sex.choices = options([("", _l("Both")), ("f", _l("Women")), ("m", _l("Men"))])
        self.country.choices = options([("", _l("All countries"))] + countries_by_name())

    def raw(self) -> dict:
        """What was typed, for the domain's check."""
        return {name: (self[name].data or "") for name in ("indicator", "year", "value", "source", "country", "sex")}
