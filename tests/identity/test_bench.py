import io
from contextlib import redirect_stdout

from django.core.management import call_command


def test_identity_benchmark_runs_and_prints_stages_speed_and_quality():
    out = io.StringIO()
    with redirect_stdout(out):
        call_command("bench", "identity", "--identities", "600")
    text = out.getvalue()
    for expected in ("profiles", "scoring", "joining", "identities/s", "precision", "F1"):
        assert expected in text
