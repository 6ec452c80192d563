"""`flask --app wsgi import-territories`: load an administrative map (OCHA COD-AB CSV) as a map version."""

import click

from portal.domain.territories import TerritoryFileError, count_territory_rows, current_map_version, import_territories
from portal.extensions import db


@click.command("import-territories")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--map-version", "map_code", required=True, help='Code of the map version, e.g. "ocha-2015".')
@click.option("--label", required=True, help='What the map is, e.g. "OCHA COD-AB Mali 2015".')
@click.option("--valid-from", type=click.DateTime(formats=["%Y-%m-%d"]), help="The day the map took effect.")
@click.option("--current/--not-current", default=False, help="Make this version the current map.")
def import_territories_command(file, map_code, label, valid_from, current):
    """Import (or update) the regions, cercles and communes of FILE into a map version. Idempotent."""
    try:
        total = count_territory_rows(file)
        with click.progressbar(length=total, label="Importing communes") as bar:
            result = import_territories(
                file,
                map_code,
                label,
                valid_from=valid_from.date() if valid_from else None,
                make_current=current,
                progress=bar.update,
            )
    except (TerritoryFileError, ValueError) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()

    version = result.map_version
    state = "created" if result.map_version_created else "updated" if result.map_version_updated else "already there"
    click.echo(f"Map version {version.code} ({state}).")
    for name, count in (("regions", result.regions), ("cercles", result.cercles), ("communes", result.communes)):
        click.echo(f"{name}: {count.created} created, {count.updated} updated, {count.unchanged} unchanged")
    current = current_map_version()
    click.echo(f"Current map version: {current.code if current else 'none'}.")
