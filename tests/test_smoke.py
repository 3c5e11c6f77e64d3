import json

from fixtures import SHORTER_WAITS


def test_minimal_portal_validates_and_reports_status(portal, cli):
    root = portal({
        "okrs/objectives/a.yml": SHORTER_WAITS,
        "okrs/metrics/wait.csv": "date,value\n2026-01-01,30\n2026-07-02,25\n",
    })
    run = cli(root, "validate")
    assert run.code == 0, run.out
    assert "valid" in run.out
    run = cli(root, "status", "--json", "--as-of", "2026-08-01")
    doc = json.loads(run.out)
    kr = doc["objectives"][0]["key_results"][0]
    # p = (25-30)/(20-30) = 0.5; e = 182/364 = 0.5 -> on track
    assert kr["progress"] == 0.5 and kr["expected"] == 0.5 and kr["status"] == "on_track"


def test_fetch_help_names_every_kind_of_feed(capsys):
    import pytest

    from site_builder.commands.cli import main

    with pytest.raises(SystemExit):
        main(["fetch", "--help"])
    words = " ".join(capsys.readouterr().out.split())
    assert "csv or json from an http(s) URL or a file in the portal, or sql from a database" in words
