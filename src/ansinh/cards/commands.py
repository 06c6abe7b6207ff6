"""``ansinh keys init`` and ``ansinh card verify``. ``register(cli_group)`` adds both groups to ``ansinh``."""

from __future__ import annotations

import json
import sys

import click

from ansinh.core.commandline import setup_django as _setup


@click.group("keys", help="The office's card-signing keys (kept outside the database).")
def keys() -> None:
    pass


@keys.command("init", help="Create the Ed25519 card-signing key pair in the keys directory.")
@click.option(
    "--force", is_flag=True, help="Replace an existing key (its public half is kept to verify old cards)."
)
def keys_init(force: bool) -> None:
    _setup()
    from . import signing

    directory = signing.keys_dir()
    try:
        key_id = signing.keys_init(directory, force=force)
    except signing.KeyExistsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"card-signing key {key_id} written to {directory}")
    click.echo(f"  private: {directory / signing.PRIVATE_NAME} (mode 0600; back it up, never share it)")
    click.echo(f"  public:  {directory / signing.PUBLIC_NAME} (give it to anyone who verifies cards)")


@click.group("card", help="Health-insurance cards.")
def card() -> None:
    pass


@card.command("verify", help="Verify a card's QR token. Exit code 0: valid; 1: not valid.")
@click.argument("token")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def card_verify(token: str, as_json: bool) -> None:
    _setup()
    from .api import verify_json

    result = verify_json(token)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    elif result["valid"]:
        click.echo(f"VALID  {result['number']}  {result['name']}  born {result['birth_date']}")
        click.echo(f"       valid {result['valid_from']} to {result['valid_to']}  (key {result['key_id']})")
        if result.get("state") == "not_yet_in_force":
            click.echo(f"       note: not yet in force (from {result['state_since']})")
        elif result.get("state") == "expired":
            click.echo(f"       note: expired (since {result['state_since']})")
    else:
        click.echo(f"NOT VALID  {result['reason']}: {result['message']}")
    sys.exit(0 if result["valid"] else 1)


def register(cli_group: click.Group) -> None:
    cli_group.add_command(keys)
    cli_group.add_command(card)
