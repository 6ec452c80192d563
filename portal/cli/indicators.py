"""`flask --app wsgi import-indicators FILE`: load a commune's migration indicators from a CSV file."""

import click

from portal.domain.indicators import IndicatorFileError, count_indicator_rows, import_indicators
from portal.extensions import db


@click.command("import-indicators")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_indicators_command(file):
    """Import the indicator values of FILE (CSV: commune_code, map_version, indicator, year, value, unit, source;
    optional country and sex for emigrants). Every line is checked first: if any is refused, nothing is imported
    and each refused line is reported. Running the same file again changes nothing."""
    try:
        total = count_indicator_rows(file)
        with click.progressbar(length=total, label="Importing indicator values") as bar:
            report = import_indicators(file, progress=bar.update)
    except IndicatorFileError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    if report.refused:
        db.session.rollback()
        for line, problem in report.refused:
            click.echo(f"line {line}: {problem}", err=True)
        raise click.ClickException(
            f"{len(report.refused)} of {report.read} lines refused; nothing was imported. Correct them and run again."
        )
    db.session.commit()
    click.echo(
        f"{report.read} lines read: {report.created} values created, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )
